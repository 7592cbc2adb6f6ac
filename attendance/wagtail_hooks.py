from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.log_actions import LogFormatter

from bookings.models import Registration

from .admin import scanner
from .api import TAKE_ATTENDANCE
from .models import Attendance
from .sections import check_in_qr_section
from .selfcheckin import remember_registration


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
    actions.register_action("attendance.attendance.mark")(MarkFormatter)
    actions.register_action("attendance.attendance.check_in")(CheckInAfterAbsenceFormatter)


@hooks.register("register_admin_urls")
def register_scanner_urls():
    return [
        path(
            "attendance/",
            include((scanner.urlpatterns, "attendance_scanner"), namespace="attendance_scanner"),
        )
    ]


class TakeAttendanceMenuItem(MenuItem):
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
