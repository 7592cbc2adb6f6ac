"""The staff's check-in pages in the admin: the phone scanner at the door, and the screen that
shows a session's rotating self check-in code on the room's projector.

Both need `attendance.take_attendance`. The scanner records nothing itself: its script
(static/js/scanner.js) decodes the camera's frames with jsQR and posts each code to the
check-in API (/api/v1/checkins/) with the admin's session and CSRF token, queueing scans on the
phone while the network is down.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from bookings.models import Session
from bookings.models.cohorts import academy_today
from bookings.templatetags.calendar_tags import qr_svg

from ..models import TAKE_ATTENDANCE
from ..selectors import with_check_in_progress
from ..selfcheckin import (
    SelfCheckInRefused,
    check_in_window,
    check_open,
    session_code,
    step_ends_at,
    time_step,
)

# How long the scanner ignores a code it has just read (milliseconds), so that a code held in
# front of the camera is sent once.
REPEAT_GAP_MS = 2000


def todays_sessions(today: datetime.date | None = None) -> list[Session]:
    """The academy's scheduled sessions of `today` (Asia/Shanghai), in order, with what the
    picker shows (programme, cohort, course, base)."""
    today = today or academy_today()
    zone = timezone.get_default_timezone()
    start = datetime.datetime.combine(today, datetime.time(), tzinfo=zone)
    return list(
        Session.objects.scheduled()
        .filter(starts_at__lt=start + datetime.timedelta(days=1), ends_at__gt=start)
        .select_related("cohort__programme", "course", "base")
        .order_by("starts_at", "pk")
    )


def current_session(sessions: list[Session], now: datetime.datetime) -> Session | None:
    """The session on now or, failing that, the next one; the last one once all are over."""
    return next((session for session in sessions if session.ends_at > now), None) or (
        sessions[-1] if sessions else None
    )


class TakeAttendanceMixin:
    """Refuses users without `attendance.take_attendance` (Wagtail's permission-denied answer:
    back to the dashboard with a message)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(TAKE_ATTENDANCE):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def session_label(session: Session) -> str:
    start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    return f"{start:%H:%M}–{end:%H:%M} {session.display_title} · {session.cohort}"


def scanner_messages() -> dict[str, str]:
    """What the scanner's script shows, translated here: `%(name)s` parts are filled in there."""
    return {
        "ready": _("Point the camera at a trainee's check-in QR code."),
        "checked_in": pgettext("check-in result", "Checked in"),
        "late": _("Late"),
        "already": _("Already checked in %(time)s"),
        "not_in_cohort": _("Not in this class"),
        "not_confirmed": _("Registration not confirmed"),
        "invalid_code": _("Invalid QR code"),
        "session_cancelled": _("Session cancelled"),
        "outside_window": _("Not check-in time for this session"),
        "refused": _("Not checked in"),
        "queued": _("Saved on this phone"),
        "queued_detail": _("No network: it will be sent when the connection is back."),
        "waiting": _("%(count)s scans waiting to be sent"),
        "sent_later": _("%(result)s, sent later"),
        "not_saved": _("No network, and this phone could not keep the scan: check in again later."),
        "login": _("Your login has expired: log in again, then send the waiting scans."),
        "camera_unavailable": _(
            "The camera cannot be used here (it needs HTTPS and permission). Type the "
            "registration code below instead."
        ),
        "camera_starting": _("Starting the camera…"),
    }


@method_decorator(never_cache, name="dispatch")
class ScannerView(TakeAttendanceMixin, WagtailAdminTemplateMixin, TemplateView):
    """扫码签到: pick one of today's sessions (the one on now, or next, by default), scan."""

    page_title = gettext_lazy("Check-in scanner")
    header_icon = "mobile-alt"
    template_name = "attendance/admin/scanner.html"

    def get_breadcrumbs_items(self):
        # 首页 › 扫码签到, as Wagtail's own views end their trail with the page they show.
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    @cached_property
    def sessions(self) -> list[Session]:
        return todays_sessions()

    @cached_property
    def session(self) -> Session | None:
        chosen = self.request.GET.get("session", "")
        if chosen.isdigit():
            picked = next((s for s in self.sessions if s.pk == int(chosen)), None)
            # A session of another day (e.g. from its roster) may be chosen by its id too.
            return picked or get_object_or_404(
                Session.objects.scheduled().select_related("cohort__programme"), pk=chosen
            )
        return current_session(self.sessions, timezone.now())

    def get_context_data(self, **kwargs):
        session = self.session
        choices = (
            self.sessions if session in self.sessions or not session else [session, *self.sessions]
        )
        return super().get_context_data(
            session=session,
            choices=[(choice.pk, session_label(choice)) for choice in choices],
            scanner_config={
                "api_url": reverse("checkin-list"),
                "csrf_token": get_token(self.request),
                "session": session.pk if session else None,
                "time_zone": settings.TIME_ZONE,
                "server_time": timezone.now().isoformat(),
                "repeat_gap_ms": REPEAT_GAP_MS,
                "messages": scanner_messages(),
            },
            screen_url=reverse("attendance_scanner:screen", args=[session.pk]) if session else "",
            **kwargs,
        )


def self_check_in_url(request, session: Session, at: datetime.datetime) -> str:
    """The public URL the screen's QR code opens, in the site's language whatever the admin's."""
    with translation.override(settings.LANGUAGE_CODE):
        path_ = reverse("attendance:self_check_in", args=[session_code(session, at=at)])
    return request.build_absolute_uri(path_)


def screen_state(request, session: Session) -> dict:
    """What the screen shows now: the code's QR, or why there is none, and when to ask again."""
    now = timezone.now()
    window = check_in_window(session)
    # Asked again as the step changes, or as the window opens, whichever comes first.
    refresh = (step_ends_at(time_step(now)) - now).total_seconds()
    state = {"session": session, "window": window, "qr": "", "url": "", "refused": ""}
    try:
        check_open(session, now)
    except SelfCheckInRefused as refused:
        state["refused"] = refused.message
        if refused.code == SelfCheckInRefused.NOT_OPEN:
            refresh = min(refresh, (window.opens_at - now).total_seconds())
    else:
        state["url"] = self_check_in_url(request, session, now)
        state["qr"] = qr_svg(state["url"], _("Self check-in QR code"))
    state["refresh_seconds"] = max(1, round(refresh + 0.5))
    return state


def screen_session(session_id: int) -> Session:
    """The session with its check-in progress (`checked_in` of `expected`), as the dashboard's."""
    session = (
        with_check_in_progress(Session.objects.select_related("cohort__programme"))
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise Http404
    return session


@method_decorator(never_cache, name="dispatch")
class ScreenView(TakeAttendanceMixin, TemplateView):
    """自助签到码: the session's rotating code, big, for the room's projector. The page stands
    alone (no admin menu) and its script fetches the next code as each one ends."""

    template_name = "attendance/admin/screen.html"

    def get_context_data(self, **kwargs):
        session = screen_session(self.kwargs["session_id"])
        return super().get_context_data(
            **screen_state(self.request, session),
            code_url=reverse("attendance_scanner:screen_code", args=[session.pk]),
            **kwargs,
        )


@method_decorator(never_cache, name="dispatch")
class ScreenCodeView(TakeAttendanceMixin, View):
    """The screen's changing part as JSON: `html` to put in place, `refresh` in seconds."""

    def get(self, request, session_id: int):
        state = screen_state(request, screen_session(session_id))
        html = render_to_string("attendance/admin/screen_code.html", state, request=request)
        return JsonResponse({"html": html, "refresh": state["refresh_seconds"]})


urlpatterns = [
    path("scan/", ScannerView.as_view(), name="scan"),
    path("screen/<int:session_id>/", ScreenView.as_view(), name="screen"),
    path("screen/<int:session_id>/code/", ScreenCodeView.as_view(), name="screen_code"),
]
