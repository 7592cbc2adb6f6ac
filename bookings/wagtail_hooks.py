from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult
from wagtail import hooks
from wagtail.admin.ui.menus import MenuItem
from wagtail.log_actions import LogFormatter
from wagtail.permissions import register_permission_policy
from wagtail.snippets.action_menu import ActionMenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from core.imports.kinds import HOOK as IMPORT_KINDS

from .admin.dashboard import training_panels
from .admin.notices import NoticeTaskPermissionPolicy, NoticeTaskViewSet, ResendNoticesBulkAction
from .admin.registrations import (
    ApproveRegistrationsBulkAction,
    RefuseDeletingRegistrationsBulkAction,
    RegistrationPermissionPolicy,
    RegistrationViewSet,
    RejectRegistrationsBulkAction,
    staff_registration_url,
)
from .admin.timetable import (
    CohortDeleteBulkAction,
    CohortViewSet,
    SessionDeleteBulkAction,
    SessionViewSet,
)
from .models import Cohort, Registration
from .resources import notice_kind, registration_kind, session_kind
from .selectors import upcoming_sessions


class TrainingGroup(SnippetViewSetGroup):
    items = (CohortViewSet, SessionViewSet, RegistrationViewSet, NoticeTaskViewSet)
    menu_icon = "calendar-alt"
    menu_label = _("Training")
    menu_name = "training"


# Before the viewsets are registered, which would otherwise create the default policies.
register_permission_policy(Registration, RegistrationPermissionPolicy(Registration))
register_permission_policy(DBTaskResult, NoticeTaskPermissionPolicy(DBTaskResult))

register_snippet(TrainingGroup)

hooks.register("register_bulk_action", ApproveRegistrationsBulkAction)
hooks.register("register_bulk_action", RejectRegistrationsBulkAction)
hooks.register("register_bulk_action", ResendNoticesBulkAction)
# After wagtail.snippets' Delete (order 0): the registry keeps the last action of a type, so
# these replace it for registrations, cohorts and sessions.
hooks.register("register_bulk_action", RefuseDeletingRegistrationsBulkAction, order=1)
hooks.register("register_bulk_action", CohortDeleteBulkAction, order=1)
hooks.register("register_bulk_action", SessionDeleteBulkAction, order=1)


@hooks.register("construct_homepage_panels")
def add_training_panels(request, panels):
    # Other apps add theirs the same way, in their range of `order` (core/dashboard.py).
    panels.extend(training_panels())


@hooks.register("register_snippet_listing_buttons")
def cohort_register_button(snippet, user, next_url=None):
    """代表学员报名 from a cohort's row in the cohort listing."""
    if isinstance(snippet, Cohort) and user.has_perm("bookings.add_registration"):
        yield MenuItem(
            _("Register a trainee"), url=staff_registration_url(snippet.pk), icon_name="plus"
        )


class RegisterTraineeMenuItem(ActionMenuItem):
    """代表学员报名 from a cohort's page: a link in its edit form's action menu."""

    name = "action-register-trainee"
    label = _("Register a trainee")
    icon_name = "plus"

    def is_shown(self, context):
        return context["view"] == "edit" and context["request"].user.has_perm(
            "bookings.add_registration"
        )

    def get_url(self, parent_context):
        return staff_registration_url(parent_context["instance"].pk)


@hooks.register("register_snippet_action_menu_item")
def cohort_register_menu_item(model):
    return RegisterTraineeMenuItem(order=90) if model is Cohort else None


@hooks.register("register_log_actions")
def register_log_actions(actions):
    actions.register_action(
        "bookings.registration.approve", _("Approve registration"), _("Registration approved")
    )
    actions.register_action(
        "bookings.registration.reject", _("Reject registration"), _("Registration rejected")
    )
    actions.register_action(
        "bookings.registration.cancel", _("Cancel registration"), _("Registration cancelled")
    )
    actions.register_action(
        "bookings.registration.promote",
        _("Promote from the waiting list"),
        _("Registration moved up from the waiting list"),
    )
    actions.register_action(
        "bookings.cohort.purge_personal_data",
        _("Purge personal data"),
        _("Personal data of the cohort's registrations purged"),
    )
    actions.register_action(
        "bookings.registration.reset_link",
        _("Reset private link"),
        _("Private link reset"),
    )
    actions.register_action(
        "bookings.registration.resend_code",
        _("Send registration code again"),
        _("Registration code sent again"),
    )
    actions.register_action(
        "bookings.registration.reveal_phone",
        _("Show the full mobile number"),
        _("Full mobile number shown"),
    )
    actions.register_action("bookings.session.cancel", _("Cancel session"), _("Session cancelled"))
    actions.register_action("bookings.session.restore", _("Restore session"), _("Session restored"))
    actions.register_action("bookings.cohort.capacity")(CapacityChangeFormatter)


class CapacityChangeFormatter(LogFormatter):
    label = _("Change cohort capacity")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        if "old" in data and "new" in data:
            return _("Seats changed from %(old)s to %(new)s") % data
        return _("Seats changed")


def sessions_section(request, heading: str, heading_id: str, **filters) -> str:
    """The page's next sessions, or nothing when none is scheduled."""
    sessions = upcoming_sessions(**filters)
    if not sessions:
        return ""
    context = {
        "sessions": sessions,
        "heading": heading,
        "heading_id": heading_id,
        "show_course": "course" not in filters,
    }
    return render_to_string("bookings/includes/sessions_section.html", context, request=request)


@hooks.register("register_course_page_section")
def course_sessions(request, page) -> str:
    return sessions_section(
        request, _("Where it is taught next"), "course-sessions", course=page.pk
    )


# Before the calendar feed on a lecturer's and a base's page: hooks run in the order registered.
@hooks.register("register_lecturer_page_section")
def lecturer_sessions(request, page) -> str:
    return sessions_section(request, _("Teaching next"), "lecturer-sessions", lecturers=page.pk)


@hooks.register("register_base_page_section")
def base_sessions(request, page) -> str:
    return sessions_section(request, _("Sessions here next"), "base-sessions", base=page.pk)


def calendar_section(request, page, *, url_name: str, heading: str, heading_id: str) -> str:
    context = {"page": page, "url_name": url_name, "heading": heading, "heading_id": heading_id}
    return render_to_string("bookings/includes/calendar_section.html", context, request=request)


@hooks.register("register_lecturer_page_section")
def lecturer_calendar(request, page) -> str:
    return calendar_section(
        request,
        page,
        url_name="calendar:lecturer",
        heading=_("Teaching calendar"),
        heading_id="lecturer-calendar",
    )


@hooks.register("register_base_page_section")
def base_calendar(request, page) -> str:
    return calendar_section(
        request,
        page,
        url_name="calendar:base",
        heading=_("Sessions calendar"),
        heading_id="base-calendar",
    )


hooks.register(IMPORT_KINDS, registration_kind)
hooks.register(IMPORT_KINDS, session_kind)
hooks.register(IMPORT_KINDS, notice_kind)
