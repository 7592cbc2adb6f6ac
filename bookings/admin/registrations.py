"""Staff screens for registrations in the Wagtail admin.

Seats change only through `bookings.services`: staff approve, reject and cancel with actions
that call the services, and nobody adds or deletes a registration here. The edit form holds
only the trainee's details that do not touch a seat. Phone numbers are shown masked; only
an export by a user with `bookings.view_personal_data` carries them in full.
"""

import django_filters
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseForbidden
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import HeaderButton, ListingButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.views import snippets as snippet_views

from core.admin_views import ConfirmActionView
from core.imports.buttons import ImportExportButtonsMixin
from core.locking import LockTimeout
from core.snippets import AcademySnippetViewSet, InspectView

from ..forms import StaffRegistrationForm
from ..models import Cohort, Registration
from ..selectors import cohorts_with_seats
from ..services import (
    BookingError,
    approve_registrations,
    cancel_registration,
    register,
    reject_registrations,
    reveal_phone,
    update_details,
)

PERSONAL_DATA_PERMISSION = "bookings.view_personal_data"
# Asked by the staff registration form only: Wagtail's own add view (a bare model form that
# would bypass the seat rules) stays refused to everybody, see RegistrationPermissionPolicy.
ADD_PERMISSION = "bookings.add_registration"
STAFF_REGISTRATION_URL_NAME = "wagtailsnippets_bookings_registration:register"


def staff_registration_url(cohort_id: int | None = None) -> str:
    url = reverse(STAFF_REGISTRATION_URL_NAME)
    return url + "?" + urlencode({"cohort": cohort_id}) if cohort_id else url


def decision_urls(registration: Registration, user, *, next_url: str) -> list[tuple]:
    """(label, url, classname) of the actions a user may take on a registration now: approve
    and reject a pending one, each through its confirmation page."""
    if registration.status != Registration.Status.PENDING or not user.has_perm(
        "bookings.change_registration"
    ):
        return []
    query = "?" + urlencode({"next": next_url})
    viewset = Registration.snippet_viewset
    return [
        (
            _("Approve"),
            reverse(viewset.get_url_name("approve"), args=[quote(registration.pk)]) + query,
            "",
        ),
        (
            _("Reject"),
            reverse(viewset.get_url_name("reject"), args=[quote(registration.pk)]) + query,
            "serious",
        ),
    ]


class RegistrationPermissionPolicy(ModelPermissionPolicy):
    """Nobody, superusers included, adds or deletes a registration in the admin."""

    services_only = frozenset({"add", "delete"})

    def user_has_permission(self, user, action):
        return action not in self.services_only and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        actions = set(actions) - self.services_only
        if not actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(actions)


class RegistrationFilterSet(WagtailFilterSet):
    cohort = django_filters.ModelChoiceFilter(
        label=gettext_lazy("cohort"),
        queryset=Cohort.objects.select_related("programme").order_by("-starts_on", "pk"),
    )

    class Meta:
        model = Registration
        fields = ["cohort", "status"]


class RegistrationIndexView(ImportExportButtonsMixin, snippet_views.IndexView):
    cancel_url_name = None
    # Import and the exports (visible and labelled, rather than in Wagtail's unlabelled "…"
    # menu) come from the registrations' import kind (bookings.resources).
    import_kind = "registrations"

    @cached_property
    def filtered_cohort(self):
        """The cohort the listing is filtered by, with its seat counts."""
        if self.filters and self.filters.is_valid():
            cohort = self.filters.form.cleaned_data.get("cohort")
            if cohort:
                return cohorts_with_seats(Cohort.objects.filter(pk=cohort.pk)).get()
        return None

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["seat_cohort"] = self.filtered_cohort
        return context

    @cached_property
    def header_buttons(self):
        buttons = [*super().header_buttons]
        if self.request.user.has_perm(ADD_PERMISSION):
            cohort = self.filtered_cohort
            buttons.append(
                HeaderButton(
                    _("Register a trainee"),
                    url=staff_registration_url(cohort.pk if cohort else None),
                    icon_name="plus",
                    priority=10,
                )
            )
        return buttons

    def export_params(self) -> dict:
        cohort = self.filtered_cohort
        return {"cohort": cohort.pk} if cohort else {}

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        # Pending rows show approve and reject as buttons of their own, not in the "…" menu.
        next_url = self.request.get_full_path()
        decisions = decision_urls(instance, self.request.user, next_url=next_url)
        for priority, (label, url, classname) in enumerate(decisions, start=1):
            buttons.append(ListingButton(label, url=url, classname=classname, priority=priority))
        if instance.is_active and self.user_has_permission("change"):
            url = reverse(self.cancel_url_name, args=[quote(instance.pk)])
            url += "?" + urlencode({"next": self.request.get_full_path()})
            buttons.append(
                MenuItem(_("Cancel registration"), url=url, icon_name="cross", priority=25)
            )
        return buttons


class PhoneNumber(Component):
    """The masked mobile number on a registration's page, with a button (a POST) that shows it
    in full to staff who may see personal data; or the full number, once they pressed it."""

    template_name = "bookings/admin/phone_number.html"

    def __init__(self, registration: Registration, *, reveal_url: str | None, full: str = ""):
        self.registration = registration
        self.reveal_url = reveal_url
        self.full = full

    def get_context_data(self, parent_context):
        return {
            "masked": self.registration.masked_phone,
            "full": self.full,
            "reveal_url": self.reveal_url,
            "request": parent_context.get("request"),
            "csrf_token": parent_context.get("csrf_token"),
        }


class RegistrationEditView(snippet_views.EditView):
    """Corrects a registration's details through `update_details`, which writes only them and
    logs the edit. A registration whose personal data were purged (`manage.py
    purge_personal_data`) is not edited: nothing is left to correct, and its blanks would not
    pass the form."""

    def save_instance(self):
        return update_details(self.form.instance, by=self.request.user)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except (BookingError, LockTimeout) as refusal:  # purged meanwhile, or a long lock
            form.add_error(None, refusal.message)
        self.produced_error_message = self.get_error_message()
        return self.form_invalid(form)

    def dispatch(self, request, *args, **kwargs):
        if self.object.purged_at:
            messages.error(
                request,
                _(
                    "This registration's personal data were cleared at the end of the retention "
                    "period; it can no longer be edited."
                ),
            )
            return redirect(self.index_url_name)
        return super().dispatch(request, *args, **kwargs)


class RegistrationInspectView(InspectView):
    revealed_phone = ""

    def get_phone_display_value(self):
        reveal_url = None
        if self.request.user.has_perm(PERSONAL_DATA_PERMISSION):
            reveal_url = reverse(
                Registration.snippet_viewset.get_url_name("reveal_phone"),
                args=[quote(self.object.pk)],
            )
        return PhoneNumber(self.object, reveal_url=reveal_url, full=self.revealed_phone)

    def get_id_number_display_value(self):
        return self.object.masked_id_number

    @cached_property
    def header_buttons(self):
        # Back to this page, never to the reveal URL (a POST) that may have rendered it.
        next_url = reverse(
            Registration.snippet_viewset.get_url_name("inspect"), args=[quote(self.object.pk)]
        )
        return [
            HeaderButton(label, url=url, classname=classname, priority=priority)
            for priority, (label, url, classname) in enumerate(
                decision_urls(self.object, self.request.user, next_url=next_url)
            )
        ]


class RegistrationRevealPhoneView(RegistrationInspectView):
    """The registration's page with its mobile number in full, as the answer to a POST (the
    number is never in a URL); refused (403) to users without `view_personal_data`. Each
    reveal is logged by `reveal_phone`."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm(PERSONAL_DATA_PERMISSION):
            return HttpResponseForbidden()
        self.revealed_phone = reveal_phone(self.object, by=request.user)
        response = self.render_to_response(self.get_context_data())
        add_never_cache_headers(response)
        return response


class RegistrationDecisionView(ConfirmActionView):
    """Approve or reject one pending registration, through the same service as the bulk
    actions; a registration no longer pending stays as it is, and the message says so."""

    decide = None
    done_message = ""

    def get_base_object_queryset(self):
        return Registration.objects.select_related("cohort__programme")

    def get(self, request, *args, **kwargs):
        if self.object.status != Registration.Status.PENDING:
            messages.warning(request, self.not_pending_message())
            return redirect(self.get_success_url())
        return super().get(request, *args, **kwargs)

    def not_pending_message(self) -> str:
        return _("Registration %(code)s is not pending approval (%(status)s).") % {
            "code": self.object.code,
            "status": self.object.get_status_display(),
        }

    def perform_operation(self):
        try:
            decided = self.decide([self.object.pk], by=self.request.user)
        except LockTimeout as busy:
            messages.error(self.request, busy.message)
            return
        if decided:
            messages.success(self.request, self.done_message % {"code": self.object.code})
        else:
            self.object.refresh_from_db()
            messages.warning(self.request, self.not_pending_message())


class RegistrationApproveView(RegistrationDecisionView):
    page_title = gettext_lazy("Approve registration")
    button_label = gettext_lazy("Yes, approve")
    decide = staticmethod(approve_registrations)
    done_message = gettext_lazy("Registration %(code)s approved.")

    def get_confirmation_message(self):
        return _("Approve the registration of %(name)s (%(code)s, %(unit)s) for %(cohort)s?") % {
            "name": self.object.name,
            "code": self.object.code,
            "unit": self.object.unit,
            "cohort": self.object.cohort,
        }


class RegistrationRejectView(RegistrationDecisionView):
    page_title = gettext_lazy("Reject registration")
    button_label = gettext_lazy("Yes, reject")
    button_classname = "serious"
    decide = staticmethod(reject_registrations)
    done_message = gettext_lazy("Registration %(code)s rejected.")

    def get_confirmation_message(self):
        return _(
            "Reject the registration of %(name)s (%(code)s, %(unit)s) for %(cohort)s? Their "
            "seat goes to the next trainee on the waiting list."
        ) % {
            "name": self.object.name,
            "code": self.object.code,
            "unit": self.object.unit,
            "cohort": self.object.cohort,
        }


class StaffRegistrationView(WagtailAdminTemplateMixin, FormView):
    """代表学员报名: staff register someone who phoned in, through `register` (source "staff",
    by the member of staff): the same window, seat, waiting-list, approval and one-per-phone
    rules as the public form. Needs `bookings.add_registration`."""

    page_title = gettext_lazy("Register a trainee")
    header_icon = "user"
    template_name = "bookings/admin/staff_registration.html"
    form_class = StaffRegistrationForm
    index_url_name = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(ADD_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse(self.index_url_name),
                "label": capfirst(Registration._meta.verbose_name_plural),
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_initial(self):
        initial = super().get_initial()
        cohort = self.request.GET.get("cohort", "")
        if cohort.isdigit():
            initial["cohort"] = int(cohort)
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["index_url"] = reverse(self.index_url_name)
        return context

    def form_valid(self, form):
        cohort = form.cleaned_data["cohort"]
        try:
            [registration] = register(
                cohort.pk,
                applicants=[form.applicant()],
                source=Registration.Source.STAFF,
                by=self.request.user,
                notify=form.cleaned_data["send_notice"],
            )
        except (BookingError, LockTimeout) as refusal:
            form.add_error(None, refusal.message)
            return self.form_invalid(form)
        inspect_url = reverse(
            Registration.snippet_viewset.get_url_name("inspect"), args=[quote(registration.pk)]
        )
        messages.success(
            self.request,
            _("%(name)s is registered for %(cohort)s: %(status)s, registration code %(code)s.")
            % {
                "name": registration.name,
                "cohort": cohort,
                "status": registration.get_status_display(),
                "code": registration.code,
            },
            buttons=[messages.button(inspect_url, _("View"))],
        )
        # Back to an empty form for the same cohort: the next caller is often waiting.
        return redirect(staff_registration_url(cohort.pk))


class RegistrationCancelView(ConfirmActionView):
    """Staff cancel a registration through the service, which frees the seat."""

    page_title = gettext_lazy("Cancel registration")
    button_label = gettext_lazy("Yes, cancel the registration")
    button_classname = "serious"

    def get_base_object_queryset(self):
        return Registration.objects.select_related("cohort__programme")

    def get_confirmation_message(self):
        return _(
            "Cancel the registration of %(name)s (%(code)s) for %(cohort)s? Their seat goes to "
            "the next trainee on the waiting list."
        ) % {"name": self.object.name, "code": self.object.code, "cohort": self.object.cohort}

    def perform_operation(self):
        try:
            promoted = cancel_registration(self.object, by=self.request.user)
        except (BookingError, LockTimeout) as error:
            messages.error(self.request, error.message)
            return
        message = _("Registration %(code)s cancelled.") % {"code": self.object.code}
        if promoted:
            message += " " + ngettext(
                "%(count)d trainee moved up from the waiting list.",
                "%(count)d trainees moved up from the waiting list.",
                len(promoted),
            ) % {"count": len(promoted)}
        messages.success(self.request, message)


class DecideRegistrationsBulkAction(PermissionCheckedMixin, SnippetBulkAction):
    """Approve or reject pending registrations through the service; others stay as they are.
    Refused to users who may not change registrations, whose names it would list."""

    models = [Registration]
    permission_required = "change"
    template_name = "bookings/admin/confirm_bulk_decide.html"
    decide = None

    @classmethod
    def get_queryset(cls, model, object_ids):
        return list(model.objects.filter(pk__in=object_ids).select_related("cohort__programme"))

    def check_perm(self, registration):
        return self.permission_policy.user_has_permission_for_instance(
            self.request.user, "change", registration
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pending = Registration.Status.PENDING
        context["pending"] = [item for item in context["items"] if item["item"].status == pending]
        context["unchanged"] = [item for item in context["items"] if item["item"].status != pending]
        return context

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except LockTimeout as busy:
            messages.error(self.request, busy.message)
            return redirect(self.next_url)

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        by = kwargs["self"].request.user
        return cls.decide([registration.pk for registration in objects], by=by), 0


class RefuseDeletingRegistrationsBulkAction(SnippetBulkAction):
    """Wagtail registers its Delete bulk action for every snippet. Registrations are cancelled,
    never deleted: the listing offers no Delete, and its URL, reached by hand, deletes nothing
    and says what to do instead. Registered after Wagtail's, for registrations only."""

    models = [Registration]
    display_name = gettext_lazy("Delete")
    action_type = "delete"
    aria_label = gettext_lazy("Delete selected snippets")

    def dispatch(self, request, *args, **kwargs):
        refusal = _("Registrations are never deleted: cancel a registration instead.")
        messages.error(request, refusal)
        return redirect(Registration.snippet_viewset.get_url_name("list"))


class ApproveRegistrationsBulkAction(DecideRegistrationsBulkAction):
    display_name = gettext_lazy("Approve")
    action_type = "approve"
    aria_label = gettext_lazy("Approve the selected registrations")
    action_priority = 10
    decide = staticmethod(approve_registrations)

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "%(count)d registration approved.",
            "%(count)d registrations approved.",
            num_parent_objects,
        ) % {"count": num_parent_objects}


class RejectRegistrationsBulkAction(DecideRegistrationsBulkAction):
    display_name = gettext_lazy("Reject")
    action_type = "reject"
    aria_label = gettext_lazy("Reject the selected registrations")
    action_priority = 20
    classes = {"serious"}
    decide = staticmethod(reject_registrations)

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "%(count)d registration rejected.",
            "%(count)d registrations rejected.",
            num_parent_objects,
        ) % {"count": num_parent_objects}


class RegistrationViewSet(AcademySnippetViewSet):
    model = Registration
    icon = "clipboard-list"
    menu_label = gettext_lazy("Registrations")
    index_view_class = RegistrationIndexView
    inspect_view_class = RegistrationInspectView
    edit_view_class = RegistrationEditView
    inspect_view_enabled = True
    inspect_view_fields = [
        *Registration.TRAINEE_FIELDS,
        "cohort",
        "group",
        "status",
        "source",
        "code",
        "created_at",
        "decided_at",
        "cancelled_at",
    ]
    copy_view_enabled = False
    # Offers the bulk actions without Wagtail's Delete, which every snippet gets.
    index_template_name = "bookings/admin/registration_index.html"
    index_results_template_name = "bookings/admin/registration_index_results.html"
    list_display = [
        "name",
        Column("masked_phone", label=gettext_lazy("mobile")),
        "unit",
        Column("cohort", label=gettext_lazy("cohort"), accessor="cohort", sort_key="cohort"),
        "status",
        "code",
        "created_at",
    ]
    filterset_class = RegistrationFilterSet
    search_fields = ["name", "code"]
    search_backend_name = None
    ordering = "-created_at"
    # Only details that do not touch a seat; status changes through the actions.
    panels = [FieldPanel(name) for name in Registration.DETAIL_FIELDS]

    def get_queryset(self, request):
        return Registration.objects.select_related("cohort__programme")

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(cancel_url_name=self.get_url_name("cancel"), **kwargs)

    @property
    def cancel_view(self):
        return self.construct_view(RegistrationCancelView)

    @property
    def approve_view(self):
        return self.construct_view(RegistrationApproveView)

    @property
    def reject_view(self):
        return self.construct_view(RegistrationRejectView)

    @property
    def reveal_phone_view(self):
        return self.construct_view(RegistrationRevealPhoneView, **self.get_inspect_view_kwargs())

    @property
    def register_view(self):
        return StaffRegistrationView.as_view(index_url_name=self.get_url_name("list"))

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("cancel/<int:pk>/", self.cancel_view, name="cancel"),
            path("approve/<int:pk>/", self.approve_view, name="approve"),
            path("reject/<int:pk>/", self.reject_view, name="reject"),
            path("reveal-phone/<int:pk>/", self.reveal_phone_view, name="reveal_phone"),
            path("register/", self.register_view, name="register"),
        ]

    def get_permissions_to_register(self):
        # Delete is never granted (RegistrationPermissionPolicy); don't offer it. Add is what
        # the staff registration form asks for.
        return super().get_permissions_to_register().exclude(codename="delete_registration")
