from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter

from .models import Attendance


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
