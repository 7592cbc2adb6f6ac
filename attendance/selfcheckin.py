"""Self check-in: the rotating code on a room's screen, and knowing the trainee who scans it.

A session's code is `<session pk>-<time step>-<signature>`: the step counts STEP_SECONDS (30 s)
periods since the epoch, and the signature is an HMAC of the two with the project's secret key
(`salted_hmac`, this module's salt), cut to 16 URL-safe characters (96 bits: a code lives a
minute). The screen shows the current step's code; the previous step's is still accepted, for
the phone that scanned just before the screen changed and for clocks a little apart. A code is
good only inside the check-in window the programme's AttendanceRule sets around the session's
start, and never for a cancelled session.

The trainee opens the code's URL with their phone's camera. The site knows them from a signed
cookie their private page set (the private tokens of their last few registrations: resetting
the private link forgets them), or asks for their registration code and mobile number.
Opening a good code gives a ticket (signed, TICKET_SECONDS long) that the confirming POST
carries instead of the code: typing a code and a number takes longer than a code lives, and the
scan's time, not the POST's, is the check-in time.
"""

import base64
import datetime
from dataclasses import dataclass

from django.core import signing
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from bookings.models import Registration, Session

from .models import AttendanceRule

SALT = "attendance.self-checkin"
STEP_SECONDS = 30
SIGNATURE_LENGTH = 16
# Longer than any code made: anything beyond is refused unread.
MAX_CODE_LENGTH = 64
TICKET_SALT = "attendance.self-checkin-ticket"
TICKET_SECONDS = 10 * 60
COOKIE_NAME = "academy_trainee"
COOKIE_SALT = "attendance.trainee-cookie"
COOKIE_MAX_AGE = 365 * 24 * 60 * 60
# A trainee in several cohorts is known in each of their latest few.
COOKIE_REGISTRATIONS = 5
# Never in a private token (URL-safe base64), nor quoted in a cookie as a space would be.
COOKIE_SEPARATOR = "."


class SelfCheckInRefused(Exception):
    """A self check-in code or ticket that is no good: `code` for programs, `message` to show."""

    INVALID = "invalid_code"
    EXPIRED = "expired_code"
    NOT_OPEN = "not_open"
    CLOSED = "closed"
    CANCELLED = "session_cancelled"

    def __init__(self, code: str, message):
        super().__init__(message)
        self.code = code
        self.message = message


def invalid() -> SelfCheckInRefused:
    return SelfCheckInRefused(
        SelfCheckInRefused.INVALID,
        _("This check-in code is not valid. Scan the code on the screen in the room."),
    )


def time_step(at: datetime.datetime) -> int:
    return int(at.timestamp()) // STEP_SECONDS


def step_ends_at(step: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp((step + 1) * STEP_SECONDS, tz=datetime.UTC)


def _signature(session_id: int, step: int) -> str:
    digest = salted_hmac(SALT, f"{session_id}-{step}", algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode()[:SIGNATURE_LENGTH]


def session_code(session: Session, *, at: datetime.datetime | None = None) -> str:
    """The code the room's screen shows for `session` at `at` (now by default)."""
    step = time_step(at or timezone.now())
    return f"{session.pk}-{step}-{_signature(session.pk, step)}"


@dataclass(frozen=True)
class Window:
    """When a session's self check-in is open: from `opens_at` to `closes_at`, both included."""

    opens_at: datetime.datetime
    closes_at: datetime.datetime

    def __contains__(self, at: datetime.datetime) -> bool:
        return self.opens_at <= at <= self.closes_at


def check_in_window(session: Session) -> Window:
    """The session's window: the programme's AttendanceRule (or its defaults) around the start."""
    rule = AttendanceRule.for_programme(session.cohort.programme)
    return Window(
        opens_at=session.starts_at - datetime.timedelta(minutes=rule.opens_minutes_before),
        closes_at=session.starts_at + datetime.timedelta(minutes=rule.closes_minutes_after),
    )


def check_open(session: Session, at: datetime.datetime) -> None:
    """Raise SelfCheckInRefused unless `session` takes self check-ins at `at`."""
    if session.is_cancelled:
        raise SelfCheckInRefused(
            SelfCheckInRefused.CANCELLED, _("This session has been cancelled.")
        )
    window = check_in_window(session)
    if at < window.opens_at:
        local = timezone.localtime(window.opens_at)
        raise SelfCheckInRefused(
            SelfCheckInRefused.NOT_OPEN,
            _("Check-in for this session opens at %(time)s.") % {"time": f"{local:%H:%M}"},
        )
    if at > window.closes_at:
        raise SelfCheckInRefused(
            SelfCheckInRefused.CLOSED,
            _("Check-in for this session has closed. Please see the staff at the door."),
        )


def session_for_code(code: str, *, at: datetime.datetime | None = None) -> Session:
    """The session whose screen showed `code`, if it is still good at `at` (now by default).

    Raises SelfCheckInRefused: a code that is malformed, forged or names no session (invalid),
    one older than the previous step (expired), a cancelled session, or outside the window.
    """
    at = at or timezone.now()
    code = (code or "").strip()
    if len(code) > MAX_CODE_LENGTH:
        raise invalid()
    session_id, _sep, rest = code.partition("-")
    step, _sep, signature = rest.partition("-")
    if not (session_id.isascii() and session_id.isdigit() and step.isascii() and step.isdigit()):
        raise invalid()
    session_id, step = int(session_id), int(step)
    if not constant_time_compare(signature, _signature(session_id, step)):
        raise invalid()
    now_step = time_step(at)
    if step > now_step:
        raise invalid()
    if step < now_step - 1:
        raise SelfCheckInRefused(
            SelfCheckInRefused.EXPIRED,
            _("This check-in code has expired. Scan the code on the screen again."),
        )
    session = session_or_none(session_id)
    if session is None:
        raise invalid()
    check_open(session, at)
    return session


def session_or_none(session_id: int) -> Session | None:
    return Session.objects.select_related("cohort__programme").filter(pk=session_id).first()


def make_ticket(session: Session, *, scanned_at: datetime.datetime) -> str:
    """What the confirming form carries: the session and when its good code was opened."""
    return signing.dumps(
        {"session": session.pk, "at": scanned_at.timestamp()}, salt=TICKET_SALT, compress=False
    )


def read_ticket(ticket: str) -> tuple[Session, datetime.datetime]:
    """The session and the scan time of a ticket made in the last TICKET_SECONDS."""
    expired = SelfCheckInRefused(
        SelfCheckInRefused.EXPIRED,
        _("This page has been open too long. Scan the code on the screen again."),
    )
    try:
        data = signing.loads(ticket or "", salt=TICKET_SALT, max_age=TICKET_SECONDS)
    except signing.SignatureExpired:
        raise expired from None
    except signing.BadSignature:
        raise invalid() from None
    session = session_or_none(data["session"])
    if session is None:
        raise invalid()
    return session, datetime.datetime.fromtimestamp(data["at"], tz=datetime.UTC)


# -- Knowing the trainee ---------------------------------------------------------------------------


def remembered_tokens(request) -> list[str]:
    """The private tokens the trainee's cookie holds, latest first; none for a bad cookie."""
    value = request.get_signed_cookie(COOKIE_NAME, default="", salt=COOKIE_SALT)
    return [token for token in value.split(COOKIE_SEPARATOR) if token][:COOKIE_REGISTRATIONS]


def remember_registration(request, registration: Registration, response) -> None:
    """Keep the registration's private token in the trainee's cookie, latest first.

    The private page calls this for every visit (Registration.RESPONSE_HOOK), and a self
    check-in with the code and mobile number does too. A cancelled or rejected registration is
    left out: it checks nobody in."""
    if not registration.is_active:
        return
    tokens = [registration.token] + [
        token for token in remembered_tokens(request) if token != registration.token
    ]
    response.set_signed_cookie(
        COOKIE_NAME,
        COOKIE_SEPARATOR.join(tokens[:COOKIE_REGISTRATIONS]),
        salt=COOKIE_SALT,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


def remembered_registration(request, session: Session) -> Registration | None:
    """The trainee's registration for the session's cohort their cookie names, if any."""
    tokens = remembered_tokens(request)
    if not tokens:
        return None
    # The one whose private page was opened last: a phone two trainees shared knows both.
    found = {
        registration.token: registration
        for registration in Registration.objects.filter(
            token__in=tokens, cohort_id=session.cohort_id, status__in=Registration.ACTIVE_STATUSES
        )
    }
    return next((found[token] for token in tokens if token in found), None)
