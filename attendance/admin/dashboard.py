"""The staff dashboard's check-in panel (`core.dashboard`): today's sessions, each with how many
of its trainees checked in, how many came late, and who is missing so far."""

import datetime

from django.utils import timezone

from bookings.models import Session
from bookings.models.cohorts import academy_today
from core.dashboard import ATTENDANCE_ORDER, DashboardPanel

from ..selectors import with_check_in_progress
from .roster import roster_url


class CheckInProgressPanel(DashboardPanel):
    """Today's scheduled sessions (Asia/Shanghai) with their check-in progress: checked in of
    expected (confirmed trainees), late, excused, and missing: neither checked in nor excused.
    One query, whatever the number of sessions."""

    name = "check_in_progress"
    order = ATTENDANCE_ORDER
    permission = "attendance.take_attendance"
    template_name = "attendance/admin/dashboard/check_in_progress.html"

    def get_context_data(self, parent_context):
        zone = timezone.get_default_timezone()
        today = datetime.datetime.combine(academy_today(), datetime.time(), tzinfo=zone)
        sessions = list(
            with_check_in_progress(
                Session.objects.scheduled().filter(
                    starts_at__gte=today, starts_at__lt=today + datetime.timedelta(days=1)
                )
            )
            .select_related("cohort__programme", "course")
            .order_by("starts_at", "pk")
        )
        now = timezone.now()
        for session in sessions:
            session.missing = max(session.expected - session.checked_in - session.excused, 0)
            session.percent = (
                round(100 * session.checked_in / session.expected) if session.expected else 0
            )
            session.started = session.starts_at <= now
            session.roster_url = roster_url(session.pk)
        return {"sessions": sessions}
