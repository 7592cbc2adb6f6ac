"""Staff screens for cohorts and their timetables in the Wagtail admin.

A session is refused when it would double-book a lecturer, a training base or a room: the form
says so at once, and `bookings.services.timetable` checks again with them locked as it saves. A
change of its time, place or lecturers raises its `sequence` for calendar feeds; and a session
people count on is cancelled, never deleted. Every change goes through `bookings.services`,
which locks, checks and writes the audit entry; these views only map a request to a service and
its refusals (LockTimeout included) to a form error or a message.
"""

import datetime
from functools import partial

import django_filters
from django import forms
from django.contrib.admin.utils import quote
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import BooleanColumn, Column, StatusTagColumn, TitleColumn
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import Button
from wagtail.snippets.views import snippets as snippet_views

from core.admin_views import ConfirmActionView
from core.imports.buttons import ImportExportButtonsMixin
from core.locking import LockTimeout
from core.snippets import AcademySnippetViewSet, DeleteBulkAction
from core.widgets import FilterableCheckboxSelectMultiple
from lecturers.models import LecturerPage

from ..models import Cohort, ProgrammePage, Session
from ..selectors import cohort_sessions, cohorts_with_seats, session_queryset
from ..services import CapacityBelowSeatsTaken, update_cohort
from ..services.timetable import (
    AlreadyCancelled,
    DeleteRefused,
    DoubleBooking,
    NotCancelled,
    SchedulingError,
    cancel_session,
    cohort_delete_refusal,
    delete_timetable_items,
    double_booking_messages,
    format_session_time,
    restore_session,
    schedule_session,
    session_delete_refusal,
)
from ..timetable_grid import week_grid

REGISTRATIONS_LIST_URL_NAME = "wagtailsnippets_bookings_registration:list"


# -- reads and rules -------------------------------------------------------------------------


def outside_cohort_dates(session: Session) -> bool:
    """Whether the session starts or ends on a day (Asia/Shanghai) outside its cohort's dates."""
    zone = timezone.get_default_timezone()
    first_day = timezone.localdate(session.starts_at, zone)
    # A session that ends at midnight ends on the day before.
    last_day = timezone.localdate(session.ends_at - datetime.timedelta(microseconds=1), zone)
    return first_day < session.cohort.starts_on or last_day > session.cohort.ends_on


# -- shared view pieces ------------------------------------------------------------------------


class GuardedDeleteViewMixin:
    """A delete view that refuses, with a message, whatever `delete_refusal` objects to.

    `delete_timetable_items` checks again with the cohort locked, so no registration can
    arrive between the check and the delete.
    """

    def delete_refusal(self) -> str | None:
        raise NotImplementedError

    def refuse(self, message: str):
        messages.error(self.request, message)
        if self.user_has_permission("change") and self.edit_url_name:
            return redirect(reverse(self.edit_url_name, args=[quote(self.object.pk)]))
        return redirect(reverse(self.index_url_name))

    def get(self, request, *args, **kwargs):
        if message := self.delete_refusal():
            return self.refuse(message)
        return super().get(request, *args, **kwargs)

    def delete_action(self):
        delete_timetable_items([self.object], by=self.request.user)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except DeleteRefused as refused:
            return self.refuse(refused.messages[0])
        except LockTimeout as busy:
            return self.refuse(busy.message)


class GuardedDeleteBulkAction(DeleteBulkAction):
    """Bulk delete that deletes nothing while any chosen item is refused by `delete_refusal`."""

    template_name = "bookings/admin/confirm_bulk_delete.html"

    @classmethod
    def delete_refusal(cls, obj) -> str | None:
        raise NotImplementedError

    def annotate_items(self, items):
        items = super().annotate_items(items)
        self.refusals = {
            item.pk: message for item in items if (message := self.delete_refusal(item))
        }
        self.is_protected = self.is_protected or bool(self.refusals)
        return items

    def object_context(self, item):
        context = super().object_context(item)
        context["refusal"] = self.refusals.get(item.pk)
        return context

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["refusals"] = [item for item in context["items"] if item["refusal"]]
        return context

    def prepare_action(self, objects, objects_without_access):
        if self.refusals:
            for message in self.refusals.values():
                messages.error(self.request, message)
            return redirect(self.next_url)
        return super().prepare_action(objects, objects_without_access)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except SchedulingError as refused:
            for message in refused.messages:
                messages.error(self.request, message)
        except LockTimeout as busy:
            messages.error(self.request, busy.message)
        return redirect(self.next_url)

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        delete_timetable_items(list(objects), by=kwargs["self"].request.user)
        return len(objects), 0


# -- cohorts -------------------------------------------------------------------------------


class CohortFilterSet(WagtailFilterSet):
    programme = django_filters.ModelChoiceFilter(
        label=gettext_lazy("programme"),
        queryset=ProgrammePage.objects.order_by("title"),
    )
    period = django_filters.ChoiceFilter(
        label=gettext_lazy("Period"),
        choices=[
            ("upcoming", gettext_lazy("Upcoming")),
            ("running", gettext_lazy("Running")),
            ("finished", gettext_lazy("Finished")),
        ],
        method="filter_period",
        widget=forms.RadioSelect,
        empty_label=gettext_lazy("All"),
    )

    class Meta:
        model = Cohort
        fields = ["programme", "period"]

    def filter_period(self, queryset, name, value):
        today = timezone.localdate(timezone=timezone.get_default_timezone())
        if value == "upcoming":
            return queryset.filter(starts_on__gt=today)
        if value == "running":
            return queryset.filter(starts_on__lte=today, ends_on__gte=today)
        if value == "finished":
            return queryset.filter(ends_on__lt=today)
        return queryset


class CohortLinksColumn(Column):
    """Links from a cohort to its timetable and its registrations, each a filtered listing."""

    cell_template_name = "bookings/admin/cohort_links_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        query = "?" + urlencode({"cohort": instance.pk})
        context["sessions_url"] = reverse(Session.snippet_viewset.get_url_name("list")) + query
        context["registrations_url"] = reverse(REGISTRATIONS_LIST_URL_NAME) + query
        context["week_url"] = reverse(
            Cohort.snippet_viewset.get_url_name("week"), args=[instance.pk]
        )
        return context


def cohort_dates(cohort: Cohort) -> str:
    return f"{date_format(cohort.starts_on, 'Y-m-d')} – {date_format(cohort.ends_on, 'Y-m-d')}"


class CohortEditView(snippet_views.EditView):
    """Edits a cohort through `update_cohort`, which never leaves it more seats taken than
    seats: a capacity below the seats already taken is refused, and seats a larger capacity
    frees go to the waiting list at once."""

    promoted: list[int] = ()

    def save_instance(self):
        self.promoted = update_cohort(self.form.instance, by=self.request.user)
        return self.form.instance

    def form_valid(self, form):
        try:
            response = super().form_valid(form)
        except (CapacityBelowSeatsTaken, LockTimeout) as refusal:
            field = "capacity" if isinstance(refusal, CapacityBelowSeatsTaken) else None
            form.add_error(field, refusal.message)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)
        if self.promoted:
            messages.success(
                self.request,
                ngettext(
                    "%(count)d trainee moved up from the waiting list.",
                    "%(count)d trainees moved up from the waiting list.",
                    len(self.promoted),
                )
                % {"count": len(self.promoted)},
            )
        return response


class CohortDeleteView(GuardedDeleteViewMixin, snippet_views.DeleteView):
    def delete_refusal(self):
        return cohort_delete_refusal(self.object)


class CohortDeleteBulkAction(GuardedDeleteBulkAction):
    models = [Cohort]

    @classmethod
    def delete_refusal(cls, obj):
        return cohort_delete_refusal(obj)


class CohortWeekView(
    PermissionCheckedMixin, WagtailAdminTemplateMixin, BaseObjectMixin, TemplateView
):
    """A cohort's timetable as week grids (周课表), each session's double bookings in red."""

    permission_required = "view"
    template_name = "bookings/admin/cohort_week.html"
    page_title = gettext_lazy("Weekly timetable")
    header_icon = "calendar"
    index_url_name = None

    def get_base_object_queryset(self):
        return Cohort.objects.select_related("programme")

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse(self.index_url_name), "label": Cohort._meta.verbose_name_plural},
            {"url": "", "label": str(self.object)},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = "?" + urlencode({"cohort": self.object.pk})
        context.update(
            cohort=self.object,
            week_grid=week_grid(self.object, cohort_sessions(self.object), with_clashes=True),
            can_edit_sessions=Session.snippet_viewset.permission_policy.user_has_permission(
                self.request.user, "change"
            ),
            sessions_url=reverse(Session.snippet_viewset.get_url_name("list")) + query,
            add_session_url=reverse(Session.snippet_viewset.get_url_name("add")) + query,
        )
        return context


class CohortViewSet(AcademySnippetViewSet):
    model = Cohort
    icon = "group"
    menu_label = gettext_lazy("Cohorts")
    edit_view_class = CohortEditView
    delete_view_class = CohortDeleteView
    list_display = [
        "title",
        Column(
            "programme",
            label=gettext_lazy("programme"),
            accessor="programme.title",
            sort_key="programme__title",
        ),
        Column("dates", label=gettext_lazy("Dates"), accessor=cohort_dates, sort_key="starts_on"),
        "capacity",
        Column("seats_taken", label=gettext_lazy("Seats taken"), sort_key="seats_taken"),
        Column("waitlisted", label=gettext_lazy("Waiting list"), sort_key="waitlisted"),
        BooleanColumn("accepts_registrations", label=gettext_lazy("Registration open")),
        Column("status_label", label=gettext_lazy("Status")),
        CohortLinksColumn("links", label=gettext_lazy("Timetable and registrations")),
    ]
    filterset_class = CohortFilterSet
    search_fields = ["title", "programme__title"]
    search_backend_name = None
    ordering = "-starts_on"
    panels = [
        FieldPanel("programme"),
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
        MultiFieldPanel(
            [
                FieldPanel("capacity"),
                FieldRowPanel(
                    [FieldPanel("registration_opens_at"), FieldPanel("registration_closes_at")]
                ),
                FieldPanel("requires_approval"),
                FieldRowPanel([FieldPanel("waitlist_enabled"), FieldPanel("waitlist_capacity")]),
                FieldPanel("asks_id_number"),
            ],
            heading=gettext_lazy("Registration"),
        ),
        FieldPanel("audience"),
        FieldPanel("location"),
        FieldRowPanel([FieldPanel("contact_name"), FieldPanel("contact_phone")]),
    ]

    def get_queryset(self, request):
        return cohorts_with_seats(Cohort.objects.all())

    @property
    def week_view(self):
        return self.construct_view(CohortWeekView)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("week/<int:pk>/", self.week_view, name="week"),
        ]


# -- sessions ------------------------------------------------------------------------------


class SessionForm(WagtailAdminModelForm):
    """Refuses a double booking, and counts a change of time, place or lecturers in `sequence`.

    `clean` tells staff about a clash at once, with any other errors; `save` goes through
    `schedule_session`, which checks again with the lecturers, base and room locked and saves
    the session with its lecturers (its only many-to-many field).
    """

    SEQUENCE_FIELDS = ("starts_at", "ends_at", "base", "room", "lecturers")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "cohort" in self.fields:
            self.fields["cohort"].queryset = Cohort.objects.select_related("programme")
        if "lecturers" in self.fields:
            self.fields["lecturers"].queryset = LecturerPage.objects.order_by("title")

    def clean(self):
        cleaned_data = super().clean()
        starts_at, ends_at = cleaned_data.get("starts_at"), cleaned_data.get("ends_at")
        if self.instance.is_cancelled or not (starts_at and ends_at and ends_at > starts_at):
            return cleaned_data
        if sentences := double_booking_messages(
            starts_at=starts_at,
            ends_at=ends_at,
            lecturers=cleaned_data.get("lecturers") or [],
            base=cleaned_data.get("base"),
            room=cleaned_data.get("room", ""),
            exclude_pk=self.instance.pk,
        ):
            raise double_booking_error(sentences)
        return cleaned_data

    def save(self, commit=True):
        if self.instance.pk and set(self.SEQUENCE_FIELDS) & set(self.changed_data):
            self.instance.sequence += 1
        session = super().save(commit=False)
        if commit:
            schedule_session(session, lecturers=self.cleaned_data["lecturers"], by=self.for_user)
        return session


def double_booking_error(sentences: list[str]) -> ValidationError:
    return ValidationError(
        [ValidationError(sentence, code="double_booking") for sentence in sentences]
    )


class SessionFilterSet(WagtailFilterSet):
    cohort = django_filters.ModelChoiceFilter(
        label=gettext_lazy("cohort"),
        queryset=Cohort.objects.select_related("programme").order_by("-starts_on", "pk"),
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"),
        choices=[
            ("scheduled", gettext_lazy("Scheduled")),
            ("cancelled", gettext_lazy("Cancelled")),
        ],
        method="filter_status",
        widget=forms.RadioSelect,
        empty_label=gettext_lazy("All"),
    )

    class Meta:
        model = Session
        fields = ["cohort", "status"]

    def filter_status(self, queryset, name, value):
        if value == "scheduled":
            return queryset.filter(cancelled_at__isnull=True)
        if value == "cancelled":
            return queryset.filter(cancelled_at__isnull=False)
        return queryset


def session_lecturers(session: Session) -> str:
    return "、".join(lecturer.title for lecturer in session.lecturers.all())


def session_status(session: Session) -> str:
    return _("Cancelled") if session.is_cancelled else _("Scheduled")


class SessionIndexView(ImportExportButtonsMixin, snippet_views.IndexView):
    # 导入 and the exports of the listing's cohort, from the sessions' kind (bookings.resources).
    import_kind = "sessions"
    cancel_url_name = None
    restore_url_name = None

    def _get_title_column(self, field_name, column_class=TitleColumn, **kwargs):
        # The title may be empty when the session takes its course's title.
        return self._get_title_column_class(column_class)(
            "display_title",
            label=_("Title"),
            sort_key="title",
            get_url=lambda session: self.get_edit_url(session) or self.get_inspect_url(session),
            get_title_id=lambda session: f"snippet_{quote(session.pk)}_title",
        )

    @cached_property
    def filtered_cohort_id(self):
        if self.filters and self.filters.is_valid():
            cohort = self.filters.form.cleaned_data.get("cohort")
            return cohort.pk if cohort else None
        return None

    def export_params(self) -> dict:
        return {"cohort": self.filtered_cohort_id} if self.filtered_cohort_id else {}

    def get_ordering(self):
        # One cohort's timetable reads from its first session; all sessions, newest first.
        if "ordering" not in self.request.GET:
            return "starts_at" if self.filtered_cohort_id else "-starts_at"
        return super().get_ordering()

    def get_add_url(self):
        url = super().get_add_url()
        if url and self.filtered_cohort_id:
            url += "?" + urlencode({"cohort": self.filtered_cohort_id})
        return url

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.user_has_permission("change"):
            next_query = "?" + urlencode({"next": self.request.get_full_path()})
            if instance.is_cancelled:
                url_name, label, icon = self.restore_url_name, _("Restore session"), "rotate"
            else:
                url_name, label, icon = self.cancel_url_name, _("Cancel session"), "cross"
            url = reverse(url_name, args=[quote(instance.pk)]) + next_query
            buttons.append(MenuItem(label, url=url, icon_name=icon, priority=25))
        return buttons


class SessionSaveMixin:
    @cached_property
    def action_class(self):
        # `schedule_session` logs the create or edit, in its transaction.
        return partial(super().action_class, log_action=None)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except DoubleBooking as refusal:
            # Another session took the lecturer, base or room after the form was checked.
            form.add_error(None, double_booking_error(refusal.messages))
        except LockTimeout as busy:
            form.add_error(None, busy.message)
        self.produced_error_message = self.get_error_message()
        return self.form_invalid(form)

    def save_action(self):
        response = super().save_action()
        if outside_cohort_dates(self.object):
            cohort = self.object.cohort
            messages.warning(
                self.request,
                _(
                    "“%(session)s” falls outside the dates of %(cohort)s (%(dates)s). "
                    "It was saved; check its date or the cohort's dates."
                )
                % {
                    "session": self.object.display_title,
                    "cohort": cohort,
                    "dates": cohort_dates(cohort),
                },
            )
        return response


class SessionCreateView(SessionSaveMixin, snippet_views.CreateView):
    def get_initial(self):
        initial = super().get_initial()
        cohort_id = self.request.GET.get("cohort", "")
        if cohort_id.isdigit():
            initial["cohort"] = int(cohort_id)
        return initial


class SessionEditView(SessionSaveMixin, snippet_views.EditView):
    cancel_url_name = None
    restore_url_name = None

    @cached_property
    def can_delete(self):
        return super().can_delete and not self.object.has_dependants()

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.object.is_cancelled:
            url_name, label, icon = self.restore_url_name, _("Restore session"), "rotate"
        else:
            url_name, label, icon = self.cancel_url_name, _("Cancel session"), "cross"
        buttons.append(
            Button(
                label,
                url=reverse(url_name, args=[quote(self.object.pk)])
                + "?"
                + urlencode({"next": self.get_edit_url()}),
                icon_name=icon,
                priority=15,
            )
        )
        return buttons


class SessionDeleteView(GuardedDeleteViewMixin, snippet_views.DeleteView):
    def delete_refusal(self):
        return session_delete_refusal(self.object)


class SessionDeleteBulkAction(GuardedDeleteBulkAction):
    models = [Session]

    @classmethod
    def delete_refusal(cls, obj):
        return session_delete_refusal(obj)


class SessionCancelView(ConfirmActionView):
    """Cancels a session: it stays in timetables and calendar feeds, marked cancelled."""

    page_title = gettext_lazy("Cancel session")
    header_icon = "calendar"
    button_label = gettext_lazy("Yes, cancel the session")
    button_classname = "serious"

    def get_confirmation_message(self):
        return _(
            "Cancel “%(session)s” (%(time)s)? Trainees and calendar feeds will show it as "
            "cancelled. You can restore it later."
        ) % {"session": self.object.display_title, "time": format_session_time(self.object)}

    def perform_operation(self):
        try:
            session = cancel_session(self.object.pk, by=self.request.user)
        except AlreadyCancelled as refusal:
            messages.warning(self.request, refusal.messages[0])
            return
        except LockTimeout as busy:
            messages.error(self.request, busy.message)
            return
        messages.success(
            self.request, _("“%(session)s” cancelled.") % {"session": session.display_title}
        )


class SessionRestoreView(ConfirmActionView):
    """Puts a cancelled session back on the timetable, unless that would double-book it."""

    page_title = gettext_lazy("Restore session")
    header_icon = "calendar"
    button_label = gettext_lazy("Yes, restore the session")

    def get_confirmation_message(self):
        return _("Put “%(session)s” (%(time)s) back on the timetable?") % {
            "session": self.object.display_title,
            "time": format_session_time(self.object),
        }

    def perform_operation(self):
        try:
            session = restore_session(self.object.pk, by=self.request.user)
        except SchedulingError as refusal:
            level = messages.warning if isinstance(refusal, NotCancelled) else messages.error
            for message in refusal.messages:
                level(self.request, message)
            return
        except LockTimeout as busy:
            messages.error(self.request, busy.message)
            return
        messages.success(
            self.request, _("“%(session)s” restored.") % {"session": session.display_title}
        )


class SessionViewSet(AcademySnippetViewSet):
    model = Session
    icon = "calendar"
    menu_label = gettext_lazy("Sessions")
    index_view_class = SessionIndexView
    add_view_class = SessionCreateView
    edit_view_class = SessionEditView
    delete_view_class = SessionDeleteView
    # A copy would share the original's calendar UID.
    copy_view_enabled = False
    list_display = [
        "display_title",
        Column(
            "time", label=gettext_lazy("Time"), accessor=format_session_time, sort_key="starts_at"
        ),
        Column("cohort", label=gettext_lazy("cohort"), accessor="cohort"),
        Column("lecturers", label=gettext_lazy("lecturers"), accessor=session_lecturers),
        Column("place", label=gettext_lazy("Place"), accessor="place"),
        StatusTagColumn(
            "status",
            label=gettext_lazy("Status"),
            accessor=session_status,
            primary=lambda session: not session.is_cancelled,
        ),
    ]
    filterset_class = SessionFilterSet
    search_fields = ["title", "course__title", "room"]
    search_backend_name = None
    edit_handler = ObjectList(
        [
            FieldPanel("cohort"),
            FieldPanel("course"),
            FieldPanel("title"),
            FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
            FieldPanel("lecturers", widget=FilterableCheckboxSelectMultiple),
            FieldRowPanel([FieldPanel("base"), FieldPanel("room")]),
            FieldPanel("study_hours"),
        ],
        base_form_class=SessionForm,
    )

    def get_queryset(self, request):
        return session_queryset().select_related("cohort__programme")

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            cancel_url_name=self.get_url_name("cancel"),
            restore_url_name=self.get_url_name("restore"),
            **kwargs,
        )

    @property
    def cancel_view(self):
        return self.construct_view(SessionCancelView)

    @property
    def restore_view(self):
        return self.construct_view(SessionRestoreView)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("cancel/<int:pk>/", self.cancel_view, name="cancel"),
            path("restore/<int:pk>/", self.restore_view, name="restore"),
        ]
