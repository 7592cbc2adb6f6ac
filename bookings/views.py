"""Public registration views: the cohort page and its form, group registration and the group's
page, the trainee's private page, cancellation, look-up by phone and code, and a lost code."""

import io

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from wagtail import hooks

from core.imports.exporting import template_workbook
from core.imports.kinds import get_kind
from core.imports.models import ImportRecord
from core.imports.services import apply_import, preview_import
from core.locking import LockTimeout
from core.ratelimit import retry_after, too_many_attempts

from .forms import (
    GroupContactForm,
    LookupForm,
    RegistrationForm,
    ResendCodeForm,
    trainee_formset,
)
from .models import Cohort, Registration, RegistrationGroup
from .selectors import cohort_sessions, timetable
from .services import (
    BookingError,
    GroupContact,
    cancel_registration,
    find_registration,
    register,
    resend_codes,
    rotate_token,
)
from .timetable_grid import week_grid

TOO_MANY = gettext_lazy("Too many attempts from this network or number. Please wait a few minutes.")
# The one answer to a lost-code request, whether or not the number has registrations.
CODE_SENT = gettext_lazy(
    "If this mobile number has registrations, we have sent their codes to it by text message."
)


def get_cohort(programme, cohort_id: int) -> Cohort:
    return get_object_or_404(Cohort.objects.filter(programme=programme).with_seats(), pk=cohort_id)


def cohort_context(request, programme, cohort) -> dict:
    sessions = cohort_sessions(cohort)
    return {
        "page": programme,
        "self": programme,
        "cohort": cohort,
        "seats_left": cohort.seats_left,
        "registration_open": cohort.accepts_registrations(),
        "timetable": timetable(cohort, sessions),
        # The same sessions by week for wide screens; double bookings are for staff only.
        "week_grid": week_grid(cohort, sessions),
    }


@never_cache
def cohort_page(request, programme, cohort_id: int):
    """The cohort's dates, seats and day-by-day timetable, with the registration form."""
    cohort = get_cohort(programme, cohort_id)
    form = RegistrationForm(request.POST or None, cohort=cohort)
    status, wait = 200, 0
    if request.method == "POST":
        if wait := too_many_attempts(
            request, group="register", phone=request.POST.get("phone", "")
        ):
            form.add_error(None, TOO_MANY)
            status = 429
        elif form.is_valid():
            try:
                [registration] = register(
                    cohort.pk, applicants=[form.applicant()], source=Registration.Source.WEB
                )
            except BookingError as error:
                form.add_error(None, error.message)
                status = 409
            except LockTimeout as busy:
                form.add_error(None, busy.message)
                status = 503
            else:
                messages.success(request, _("Your registration has been received."))
                return redirect(registration.get_absolute_url())
        else:
            status = 400
    context = cohort_context(request, programme, cohort) | {"form": form}
    return TemplateResponse(
        request, "bookings/cohort_page.html", context, status=status, headers=retry_after(wait)
    )


@never_cache
def group_registration_page(request, programme, cohort_id: int):
    """A unit's contact registers several trainees at once: all get places or none do.

    Rows are added in the page by static/js/group-rows.js (a copy of the formset's empty form);
    without script, `?size=` serves more rows. A registered group is redirected to its own page,
    so a reload posts nothing again."""
    cohort = get_cohort(programme, cohort_id)
    try:
        size = int(request.GET.get("size", 3))
    except ValueError:
        size = 3
    data = request.POST if request.method == "POST" else None
    contact_form = GroupContactForm(data)
    formset = trainee_formset(cohort, data=data, size=size)
    status, wait = 200, 0
    if request.method == "POST":
        if wait := too_many_attempts(
            request, group="register", phone=request.POST.get("contact_phone", "")
        ):
            contact_form.add_error(None, TOO_MANY)
            status = 429
        elif contact_form.is_valid() & formset.is_valid():
            try:
                contact = contact_form.contact()
                registrations = register(
                    cohort.pk,
                    applicants=formset.applicants(unit=contact.unit),
                    source=Registration.Source.GROUP,
                    group=contact,
                )
            except BookingError as error:
                contact_form.add_error(None, error.message)
                status = 409
            except LockTimeout as busy:
                contact_form.add_error(None, busy.message)
                status = 503
            else:
                messages.success(request, _("The group is registered."))
                return redirect(registrations[0].group.get_absolute_url())
        else:
            status = 400
    context = cohort_context(request, programme, cohort) | {
        "contact_form": contact_form,
        "formset": formset,
    }
    return TemplateResponse(
        request,
        "bookings/group_registration.html",
        context,
        status=status,
        headers=retry_after(wait),
    )


@never_cache
def group_page(request, token: str):
    """A group's private page, for its contact: every member's code, status and private link."""
    group = get_object_or_404(
        RegistrationGroup.objects.select_related("cohort__programme"), token=token
    )
    registrations = list(group.registrations.order_by("pk"))
    if any(r.status == Registration.Status.WAITLISTED for r in registrations):
        positions = Registration.waiting_positions(group.cohort_id)
        for registration in registrations:
            registration.place_waiting = positions.get(registration.pk)
    context = {"group": group, "cohort": group.cohort, "registrations": registrations}
    response = TemplateResponse(request, "bookings/group_page.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


def registration_by_token(token: str) -> Registration:
    return get_object_or_404(Registration.objects.select_related("cohort__programme"), token=token)


@never_cache
def registration_page(request, token: str):
    """The trainee's private page: status, code, timetable, and cancellation."""
    registration = registration_by_token(token)
    cohort = registration.cohort
    cancelled = registration.status == Registration.Status.CANCELLED
    context = {
        "registration": registration,
        "cohort": cohort,
        "timetable": timetable(cohort),
        "waiting_position": registration.waiting_position,
        "cancelled_by_staff": cancelled and registration.cancelled_by_staff(),
        # A cancelled trainee may register again while the cohort takes registrations.
        "can_register_again": cancelled and cohort.accepts_registrations(),
    }
    response = TemplateResponse(request, "bookings/registration.html", context)
    response["X-Robots-Tag"] = "noindex"
    for after in hooks.get_hooks(Registration.RESPONSE_HOOK):
        after(request, registration, response)
    return response


@require_POST
def cancel_page(request, token: str):
    registration = registration_by_token(token)
    try:
        cancel_registration(registration, by=None)
    except (BookingError, LockTimeout) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your registration has been cancelled."))
    return redirect(registration.get_absolute_url())


@require_POST
def reset_calendar_page(request, token: str):
    """A new private link: the old page and calendar URLs stop working at once."""
    registration = rotate_token(registration_by_token(token), by=None)
    messages.success(
        request,
        _("Your calendar link has been reset. Subscribe again with the new link below."),
    )
    return redirect(registration.get_absolute_url())


def lookup_response(request, *, form=None, resend_form=None, status=200, wait=0):
    """The look-up page with its two forms: phone and code, and the lost code's phone."""
    context = {
        "form": form or LookupForm(),
        "resend_form": resend_form or ResendCodeForm(),
    }
    return TemplateResponse(
        request, "bookings/lookup.html", context, status=status, headers=retry_after(wait)
    )


@never_cache
def lookup_page(request):
    """Find one's registration with the mobile number and the registration code."""
    form = LookupForm(request.POST or None)
    status, wait = 200, 0
    if request.method == "POST":
        if wait := too_many_attempts(request, group="lookup", phone=request.POST.get("phone", "")):
            form.add_error(None, TOO_MANY)
            status = 429
        elif form.is_valid():
            registration = find_registration(
                phone=form.cleaned_data["phone"], code=form.cleaned_data["code"]
            )
            if registration:
                return redirect(registration.get_absolute_url())
            form.add_error(None, _("No registration matches this mobile number and code."))
            status = 404
        else:
            status = 400
    return lookup_response(request, form=form, status=status, wait=wait)


@never_cache
@require_POST
def resend_code_page(request):
    """A lost code: every active registration of the number gets its code and link again.

    The answer is the same whether or not the number has registrations (a redirect to the
    look-up page with one message), so the form tells nobody who registered; the rate limits
    count per address and per number alike.
    """
    form = ResendCodeForm(request.POST)
    if wait := too_many_attempts(
        request,
        group="resend_code",
        phone=request.POST.get(form.add_prefix("phone"), ""),
        phone_rate=settings.BOOKINGS_RESEND_RATE_PER_PHONE,
    ):
        form.add_error(None, TOO_MANY)
        return lookup_response(request, resend_form=form, status=429, wait=wait)
    if not form.is_valid():
        return lookup_response(request, resend_form=form, status=400)
    resend_codes(phone=form.cleaned_data["phone"], by=None)
    messages.success(request, CODE_SENT)
    return redirect("bookings:lookup")


# A group's spreadsheet upload: the record the preview kept, signed with its cohort, travels in
# the confirmation form; an hour is enough to look the preview over.
SHEET_SALT = "bookings.group_sheet"
SHEET_MAX_AGE = 3600


class GroupSheetForm(GroupContactForm):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx, .xls or .csv)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
    )
    record = forms.CharField(required=False, widget=forms.HiddenInput)


def group_sheet_page(request, programme, cohort_id: int):
    """A unit's contact registers its trainees from a spreadsheet: the template (`?template`),
    an upload previewed with each row's errors, then a confirmation that registers all of them
    or none, through the same `register` as the group form, ending on the group's page."""
    cohort = get_cohort(programme, cohort_id)
    kind = get_kind("registrations")
    if "template" in request.GET:
        resource = kind.resource(
            group=GroupContact(unit="", contact_name="", contact_phone=""), cohort=cohort
        )
        file = io.BytesIO()
        template_workbook(resource, file)
        file.seek(0)
        return FileResponse(file, as_attachment=True, filename=f"团体报名_{cohort.title}.xlsx")
    form = GroupSheetForm(request.POST or None, request.FILES or None)
    record, status, wait = None, 200, 0
    if request.method == "POST":
        if wait := too_many_attempts(
            request, group="register", phone=request.POST.get("contact_phone", "")
        ):
            form.add_error(None, TOO_MANY)
            status = 429
        elif form.is_valid():
            resource_kwargs = {"group": form.contact(), "cohort": cohort}
            record = signed_record(form.cleaned_data["record"], cohort)
            if record is not None:
                record = apply_import(record, kind, by=None, resource_kwargs=resource_kwargs)
                if record.status == ImportRecord.Status.APPLIED:
                    messages.success(request, _("The group is registered."))
                    group = record.resource.registrations[0].group
                    return redirect(group.get_absolute_url())
                status = 409
            elif form.cleaned_data["file"]:
                record = preview_import(
                    kind, upload=form.cleaned_data["file"], by=None, resource_kwargs=resource_kwargs
                )
                status = 200 if record.can_apply else 400
            else:
                form.add_error("file", _("Choose the spreadsheet to upload."))
                status = 400
        else:
            status = 400
    preview = (record.preview or {}) if record else {}
    context = cohort_context(request, programme, cohort) | {
        "form": form,
        "record": record,
        "signed": signing.dumps([record.pk, cohort.pk], salt=SHEET_SALT)
        if record and record.can_apply
        else "",
        "headers": preview.get("headers", []),
        "rows": preview.get("rows", []),
        "template_url": "?template",
    }
    return TemplateResponse(
        request, "bookings/group_sheet.html", context, status=status, headers=retry_after(wait)
    )


def signed_record(value: str, cohort) -> ImportRecord | None:
    """The previewed upload a confirmation names, if its signature holds for this cohort."""
    if not value:
        return None
    try:
        record_pk, cohort_pk = signing.loads(value, salt=SHEET_SALT, max_age=SHEET_MAX_AGE)
    except signing.BadSignature:
        return None
    if cohort_pk != cohort.pk:
        return None
    return ImportRecord.objects.filter(
        pk=record_pk, kind="registrations", user=None, status=ImportRecord.Status.PREVIEWED
    ).first()
