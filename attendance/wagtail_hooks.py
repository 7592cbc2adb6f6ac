from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem as AdminMenuItem
from wagtail.admin.ui.menus import MenuItem
from wagtail.log_actions import LogFormatter
from wagtail.permissions import register_permission_policy
from wagtail.snippets.action_menu import ActionMenuItem
from wagtail.snippets.models import register_snippet

from bookings.models import Registration, Session
from core.imports.kinds import HOOK as IMPORT_KINDS
from core.snippets import DeleteBulkAction

from . import visits_hooks  # noqa: F401  (evaluations, study visits, figures)
from .admin import scanner
from .admin.dashboard import CheckInProgressPanel
from .admin.roster import AttendanceGroup, AttendancePermissionPolicy, roster_url
from .models import TAKE_ATTENDANCE, Attendance
from .resources import attendance_kind, evaluations_kind, visits_kind
from .results import hooks as results_hooks  # noqa: F401  (study hours, completion, certificates)
from .results.resources import certificates_kind, hours_kind
from .sections import check_in_qr_section
from .selfcheckin import remember_registration
from .services import CHECK_IN_ACTION, MARK_ACTION

# Before the viewset is registered, which would otherwise create the default policy.
register_permission_policy(Attendance, AttendancePermissionPolicy(Attendance))

register_snippet(AttendanceGroup)


@hooks.register("construct_homepage_panels")
def add_attendance_panels(request, panels):
    panels.append(CheckInProgressPanel())


@hooks.register("register_snippet_listing_buttons")
def session_roster_button(snippet, user, next_url=None):
    """点名 from a session's row in the timetable listing."""
    if isinstance(snippet, Session) and user.has_perm(TAKE_ATTENDANCE):
        yield MenuItem(_("Roster"), url=roster_url(snippet.pk), icon_name="tasks", priority=20)


class RosterMenuItem(ActionMenuItem):
    """点名 from a session's edit form: a link in its action menu."""

    name = "action-roster"
    label = _("Roster")
    icon_name = "tasks"

    def is_shown(self, context):
        return context["view"] == "edit" and context["request"].user.has_perm(TAKE_ATTENDANCE)

    def get_url(self, parent_context):
        return roster_url(parent_context["instance"].pk)


@hooks.register("register_snippet_action_menu_item")
def session_roster_menu_item(model):
    return RosterMenuItem(order=90) if model is Session else None


def status_label(status: str | None) -> str:
    if not status:
        return str(_("Not yet recorded"))
    return str(Attendance.Status(status).label)


class AttendanceChangeFormatter(LogFormatter):
    """ "Absent → Present (reason)": what a roster correction or a later scan changed."""

    def format_message(self, log_entry):
        data = log_entry.data or {}
        message = _("%(from)s → %(to)s") % {
            "from": status_label(data.get("from")),
            "to": status_label(data.get("to")),
        }
        if data.get("reason"):
            message = f"{message}（{data['reason']}）"
        return message


class MarkFormatter(AttendanceChangeFormatter):
    label = _("Mark attendance")


class CheckInAfterAbsenceFormatter(AttendanceChangeFormatter):
    label = _("Check in after being marked absent")


@hooks.register("register_log_actions")
def register_log_actions(actions):
    actions.register_action(MARK_ACTION)(MarkFormatter)
    actions.register_action(CHECK_IN_ACTION)(CheckInAfterAbsenceFormatter)


class AttendanceDeleteBulkAction(DeleteBulkAction):
    """Wagtail registers its Delete for every snippet: attendance is never deleted, and the
    permission policy refuses it to everybody."""

    models = [Attendance]


# After wagtail.snippets' Delete (order 0): the registry keeps the last action of a type.
hooks.register("register_bulk_action", AttendanceDeleteBulkAction, order=1)


@hooks.register("register_admin_urls")
def register_scanner_urls():
    return [
        path(
            "attendance/",
            include((scanner.urlpatterns, "attendance_scanner"), namespace="attendance_scanner"),
        )
    ]


class TakeAttendanceMenuItem(AdminMenuItem):
    def is_shown(self, request):
        return request.user.has_perm(TAKE_ATTENDANCE)


@hooks.register("register_admin_menu_item")
def register_scanner_menu_item():
    return TakeAttendanceMenuItem(
        _("Check-in scanner"),
        reverse("attendance_scanner:scan"),
        name="checkin-scanner",
        icon_name="mobile-alt",
        order=250,
    )


# The trainee's private page shows their check-in QR code inside the ticket, and remembers
# them (a signed cookie) for self check-in.
hooks.register(Registration.TICKET_SECTION_HOOK, check_in_qr_section)
hooks.register(Registration.RESPONSE_HOOK, remember_registration)


# Spreadsheets in and out (core.imports): rosters and study visits, imported and exported; the
# evaluations, the study hours and the certificates, exported.
for kind in (attendance_kind, visits_kind, evaluations_kind, hours_kind, certificates_kind):
    hooks.register(IMPORT_KINDS, kind)
