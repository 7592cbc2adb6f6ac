"""The attendance listing and a session's roster (点名) in the Wagtail admin.

Attendance is written only through `attendance.services`: scans through the API, the roster
form through `mark_many`. Nobody adds, edits or deletes a row here, superusers included
(`AttendancePermissionPolicy`); the listing shows, filters and exports them, the roster changes
a whole session's statuses in one POST and shows the history of its corrections.
"""

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import HeaderButton
from wagtail.models import ModelLogEntry
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from bookings.admin.registrations import RegistrationPermissionPolicy
from bookings.models import Cohort, Session
from bookings.services.timetable import format_session_time
from core.imports.buttons import ImportExportButtonsMixin
from core.locking import LockTimeout
from core.snippets import AcademySnippetViewSet

from ..models import TAKE_ATTENDANCE, Attendance
from ..selectors import roster, roster_counts
from ..services import AttendanceError, Mark, mark_many

NOT_YET = ""


class AttendancePermissionPolicy(RegistrationPermissionPolicy):
    """Nobody adds, changes or deletes attendance in the admin: the services write it."""

    services_only = frozenset({"add", "change", "delete"})


def roster_url(session_id: int) -> str:
    return reverse(Attendance.snippet_viewset.get_url_name("roster"), args=[session_id])


# -- the listing ----------------------------------------------------------------------------


class AttendanceFilterSet(WagtailFilterSet):
    cohort = django_filters.ModelChoiceFilter(
        label=gettext_lazy("cohort"),
        field_name="session__cohort",
        queryset=Cohort.objects.select_related("programme").order_by("-starts_on", "pk"),
    )
    session = django_filters.ModelChoiceFilter(
        label=gettext_lazy("session"),
        queryset=Session.objects.select_related("course").order_by("-starts_at", "pk"),
    )

    class Meta:
        model = Attendance
        fields = ["cohort", "session", "status", "source"]


def checked_in_time(attendance: Attendance) -> str:
    """The scan's local date and time, to the minute: a roster is read by the clock."""
    if attendance.checked_in_at is None:
        return ""
    return timezone.localtime(attendance.checked_in_at).strftime("%Y-%m-%d %H:%M")


class AttendanceIndexView(ImportExportButtonsMixin, snippet_views.IndexView):
    """The listing; its "导入" and export buttons are the `attendance` spreadsheet kind's
    (`attendance.resources.RosterResource`), exporting what the filters show."""

    import_kind = "attendance"


class AttendanceHistoryView(snippet_views.HistoryView):
    """A row's history, its corrections, for whoever may see attendance (Wagtail's asks for
    the add, change or delete that nobody holds here)."""

    any_permission_required = ["view"]


class AttendanceViewSet(AcademySnippetViewSet):
    model = Attendance
    icon = "tasks"
    menu_label = gettext_lazy("Check-ins")
    index_view_class = AttendanceIndexView
    history_view_class = AttendanceHistoryView
    inspect_view_enabled = True
    inspect_view_fields = [
        "registration",
        "session",
        "status",
        "reason",
        "source",
        "checked_in_at",
        "recorded_by",
        "created_at",
        "updated_at",
    ]
    copy_view_enabled = False
    list_display = [
        Column("name", label=gettext_lazy("Trainee"), accessor="registration.name"),
        Column("unit", label=gettext_lazy("unit"), accessor="registration.unit"),
        Column("session", label=gettext_lazy("session"), accessor="session"),
        Column("cohort", label=gettext_lazy("cohort"), accessor="session.cohort"),
        "status",
        Column(
            "checked_in_at",
            label=gettext_lazy("checked in at"),
            accessor=checked_in_time,
            sort_key="checked_in_at",
        ),
        "source",
    ]
    filterset_class = AttendanceFilterSet
    search_fields = ["registration__name", "registration__code"]
    search_backend_name = None
    ordering = ["-session__starts_at", "registration__name"]

    def get_queryset(self, request):
        return Attendance.objects.select_related(
            "registration", "session__course", "session__cohort__programme", "recorded_by"
        )

    @property
    def roster_view(self):
        return RosterView.as_view(
            permission_policy=self.permission_policy,
            index_url_name=self.get_url_name("list"),
        )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("roster/<int:pk>/", self.roster_view, name="roster"),
        ]

    def get_permissions_to_register(self):
        # Add, change and delete are never granted (AttendancePermissionPolicy): offer only
        # what the admin asks for, viewing attendance and taking it.
        return (
            super()
            .get_permissions_to_register()
            .filter(codename__in=["view_attendance", "take_attendance"])
        )


class AttendanceGroup(SnippetViewSetGroup):
    items = (AttendanceViewSet,)
    menu_icon = "tasks"
    menu_label = gettext_lazy("Attendance")
    menu_name = "attendance"


# -- the roster -------------------------------------------------------------------------------


class RosterForm(forms.Form):
    """A status (or "not yet") and a reason for each trainee on the roster, named by
    registration id: `status_<id>`, `reason_<id>`."""

    def __init__(self, *args, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.entries = entries
        choices = [(NOT_YET, _("Not yet recorded")), *Attendance.Status.choices]
        for entry in entries:
            pk = entry.registration.pk
            # A recorded status can be corrected but not taken back to "not yet".
            field_choices = choices if entry.attendance is None else choices[1:]
            self.fields[f"status_{pk}"] = forms.ChoiceField(
                choices=field_choices,
                required=False,
                initial=entry.status or NOT_YET,
                widget=forms.RadioSelect,
                label=entry.registration.name,
            )
            self.fields[f"reason_{pk}"] = forms.CharField(
                max_length=Attendance._meta.get_field("reason").max_length,
                required=False,
                initial=entry.attendance.reason if entry.attendance else "",
                label=_("reason"),
                widget=forms.TextInput(attrs={"placeholder": _("Reason for leave")}),
            )

    def rows(self):
        for entry in self.entries:
            pk = entry.registration.pk
            yield entry, self[f"status_{pk}"], self[f"reason_{pk}"]

    def clean(self):
        cleaned_data = super().clean()
        for entry in self.entries:
            pk = entry.registration.pk
            status = cleaned_data.get(f"status_{pk}")
            reason = " ".join((cleaned_data.get(f"reason_{pk}") or "").split())
            if status == Attendance.Status.EXCUSED and not reason:
                self.add_error(f"reason_{pk}", AttendanceError("reason_required").message)
        return cleaned_data

    def marks(self) -> dict[int, Mark]:
        """The statuses the form sets, by registration id; trainees left "not yet" are not."""
        marks = {}
        for entry in self.entries:
            pk = entry.registration.pk
            status = self.cleaned_data.get(f"status_{pk}")
            if status:
                marks[pk] = Mark(status, self.cleaned_data.get(f"reason_{pk}", ""))
        return marks


def corrections(session: Session) -> list[ModelLogEntry]:
    """The audit entries of the session's attendance, newest first (2 queries)."""
    ids = [
        str(pk) for pk in Attendance.objects.filter(session=session).values_list("pk", flat=True)
    ]
    return list(
        ModelLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Attendance), object_id__in=ids
        )
        .select_related("user")
        .order_by("-timestamp", "-pk")
    )


class RosterView(PermissionCheckedMixin, WagtailAdminTemplateMixin, BaseObjectMixin, FormView):
    """A session's roster: every confirmed trainee with their status, starting from what was
    scanned; staff mark present, late, excused (with a reason) or absent and save the whole
    session at once (`mark_many`, each change logged). Below, the history of corrections."""

    permission_required = "take"
    template_name = "attendance/admin/roster.html"
    page_title = gettext_lazy("Roster")
    header_icon = "tasks"
    index_url_name = None
    model = Session

    def get_base_object_queryset(self):
        return Session.objects.select_related("cohort__programme", "course", "base")

    def get_page_subtitle(self):
        return f"{self.object.display_title} · {format_session_time(self.object)}"

    def get_breadcrumbs_items(self):
        sessions = reverse(Session.snippet_viewset.get_url_name("list"))
        return [
            {
                "url": sessions + "?" + urlencode({"cohort": self.object.cohort_id}),
                "label": str(self.object.cohort),
            },
            {"url": "", "label": self.get_page_subtitle()},
        ]

    @cached_property
    def header_buttons(self):
        session = self.object
        listing = reverse(self.index_url_name) + "?" + urlencode({"session": session.pk})
        buttons = [HeaderButton(_("Check-ins"), url=listing, icon_name="list-ul", priority=10)]
        if not session.is_cancelled and self.request.user.has_perm(TAKE_ATTENDANCE):
            scanner = reverse("attendance_scanner:scan") + "?" + urlencode({"session": session.pk})
            screen = reverse("attendance_scanner:screen", args=[session.pk])
            buttons += [
                HeaderButton(
                    _("Check-in scanner"), url=scanner, icon_name="mobile-alt", priority=20
                ),
                HeaderButton(_("Self check-in screen"), url=screen, icon_name="view", priority=30),
            ]
        return buttons

    @cached_property
    def entries(self):
        return roster(self.object)

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"entries": self.entries}

    def get_form_class(self):
        return RosterForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        names = {
            str(entry.attendance.pk): entry.registration.name
            for entry in self.entries
            if entry.attendance
        }
        context.update(
            session=self.object,
            counts=roster_counts(self.entries),
            corrections=[
                (entry, names.get(entry.object_id, entry.label))
                for entry in corrections(self.object)
            ],
            editable=not self.object.is_cancelled,
        )
        return context

    def form_valid(self, form):
        try:
            changed = mark_many(self.object, form.marks(), by=self.request.user)
        except (AttendanceError, LockTimeout) as refusal:
            form.add_error(None, refusal.message)
            return self.form_invalid(form)
        if changed:
            messages.success(
                self.request,
                ngettext("%(count)d change saved.", "%(count)d changes saved.", len(changed))
                % {"count": len(changed)},
            )
        else:
            messages.info(self.request, _("Nothing changed."))
        return redirect(self.request.path)

    def form_invalid(self, form):
        messages.error(self.request, _("The roster was not saved; see the errors below."))
        return super().form_invalid(form)
