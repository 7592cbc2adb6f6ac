"""Every write of attendance: check-ins at the door (scanned, typed, self) and the roster.

One row per trainee and session whatever the concurrency: the unique constraint
(`attendance_once_per_session`) holds it, and a check-in that loses the race to insert finds
the winner's row and answers "already checked in". A first scan takes no lock: two scans of one
person can only collide on that row, and the constraint settles it; only a scan that finds a
row (to turn an absence into a check-in) and the roster lock the rows they change.

Staff changes of a status (the roster, and a scan of someone marked absent or excused) are
logged in Wagtail's audit log, in the transaction of the change, with who, when and from what
to what (`attendance.attendance.mark`, `attendance.attendance.check_in`). A first check-in is
not logged: its row says who recorded it, when and how.
"""

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from bookings.models import Registration, Session
from core.models import User
from core.rows import insert_unless_exists

from .models import Attendance, AttendanceRule
from .qr import ScannedCode

Status = Attendance.Status

# A check-in is taken up to this long before or after its session starts, and a queued scan
# may reach the server up to this long after it was made.
WINDOW = datetime.timedelta(hours=24)
# A phone's clock may run a little ahead of the server's: a scan time this little in the future
# is taken as now, anything further is refused.
CLOCK_SKEW = datetime.timedelta(minutes=2)

MARK_ACTION = "attendance.attendance.mark"
CHECK_IN_ACTION = "attendance.attendance.check_in"


class AttendanceError(Exception):
    """A check-in or a mark that cannot be made; `code` tells a scanner which, the message
    says it to staff."""

    messages = {
        "invalid_code": _("Invalid QR code or registration code."),
        "not_in_cohort": _("Not a trainee of this cohort."),
        "not_confirmed": _("The registration is not confirmed."),
        "session_cancelled": _("The session is cancelled."),
        "outside_window": _("Check-in is only taken within 24 hours of the session's start."),
        "bad_scanned_at": _("The scan time must be within the last 24 hours, not in the future."),
        "reason_required": _("Give a reason for an excused absence."),
        "bad_status": _("Choose present, late, excused or absent."),
    }

    def __init__(self, code: str, message=None, *, registration: Registration | None = None):
        self.code = code
        self.message = message or self.messages[code]
        # Whom a refused scan named, for the scanner to show (not this cohort's, not confirmed).
        self.registration = registration
        super().__init__(str(self.message))


class CheckInRefused(AttendanceError):
    """A scan or typed code that records nothing: unknown, not this cohort's, not confirmed,
    a cancelled session, or a time too far from the session's start."""


@dataclass(frozen=True)
class CheckInResult:
    """What a check-in did: `created` a check-in (also when it turned an absence into one) or
    found the trainee `already` checked in; and who they are, for the scanner to show."""

    CREATED = "created"
    ALREADY = "already"

    outcome: str
    attendance: Attendance
    # The status the scan replaced (absent or excused), None for a first check-in.
    previous_status: str | None = None

    @property
    def created(self) -> bool:
        return self.outcome == self.CREATED

    @property
    def late(self) -> bool:
        return self.attendance.status == Status.LATE

    @property
    def name(self) -> str:
        return self.attendance.registration.name

    @property
    def unit(self) -> str:
        return self.attendance.registration.unit


def scan_time(scanned_at: datetime.datetime | None, now: datetime.datetime) -> datetime.datetime:
    """When the scan was made: `scanned_at` of a queued scan, else now. Refuses
    (`bad_scanned_at`) a time more than a day old, in the future, or without a time zone."""
    if scanned_at is None:
        return now
    if timezone.is_naive(scanned_at):
        raise CheckInRefused("bad_scanned_at")
    if scanned_at > now + CLOCK_SKEW or scanned_at < now - WINDOW:
        raise CheckInRefused("bad_scanned_at")
    return min(scanned_at, now)


def late_after_minutes(session: Session) -> int:
    """The programme's late threshold: read with the session when it came from
    `selectors.session_for_check_in`, else looked up."""
    minutes = getattr(session, "late_after_minutes", None)
    if minutes is None:
        minutes = AttendanceRule.for_cohort(session.cohort_id).late_after_minutes
    return minutes


def is_late(session: Session, at: datetime.datetime) -> bool:
    return at > session.starts_at + datetime.timedelta(minutes=late_after_minutes(session))


def check_registration(session: Session, registration: Registration | None) -> Registration:
    """The registration, if it may be checked in for the session; else CheckInRefused."""
    if registration is None:
        raise CheckInRefused("invalid_code")
    if registration.cohort_id != session.cohort_id:
        raise CheckInRefused("not_in_cohort", registration=registration)
    if registration.status != Registration.Status.CONFIRMED:
        raise CheckInRefused("not_confirmed", registration=registration)
    return registration


def check_in(
    session: Session,
    text: str | ScannedCode,
    *,
    by: User | None,
    source: str = Attendance.Source.SCAN,
    scanned_at: datetime.datetime | None = None,
    before_insert: Callable[[], None] | None = None,
) -> CheckInResult:
    """Check in the trainee whose QR text or registration code staff scanned or typed
    (`text`, or it already read: `selectors.session_for_check_in` finds the registration with
    the session).

    1. Refuse a scan time more than a day old or in the future, a cancelled session, and a
       scan more than a day from the session's start (a queued scan counts at its own time).
    2. Refuse an unknown or revoked code, a trainee of another cohort, a registration that is
       not confirmed.
    3. Present, or late after the programme's `late_after_minutes`, at the scan's time.
    4. Insert the row. A row already there (an earlier scan, or a concurrent one: the unique
       constraint turns the insert into nothing) is "already", at its first time; a trainee
       marked absent or excused becomes present or late, logged as a correction. Most scans
       are first scans: they cost one INSERT, no look-up before it.

    `before_insert` exists for the concurrency test; nothing else passes it.
    """
    now = timezone.now()
    at = scan_time(scanned_at, now)
    if session.is_cancelled:
        raise CheckInRefused("session_cancelled")
    if abs(at - session.starts_at) > WINDOW:
        raise CheckInRefused("outside_window")
    scanned = text if isinstance(text, ScannedCode) else ScannedCode.read(text)
    registration = check_registration(session, scanned.registration())
    status = Status.LATE if is_late(session, at) else Status.PRESENT
    if before_insert:
        before_insert()
    attendance = Attendance(
        session=session,
        registration=registration,
        status=status,
        source=source,
        checked_in_at=at,
        recorded_by=by,
    )
    if not insert_unless_exists(attendance):
        return check_in_again(session, registration, status, source=source, at=at, by=by)
    return CheckInResult(CheckInResult.CREATED, attendance)


def check_in_again(
    session: Session,
    registration: Registration,
    status: str,
    *,
    source: str,
    at: datetime.datetime,
    by: User | None,
) -> CheckInResult:
    """A scan of someone who has a row: "already" if they attended; if they were marked absent
    or excused, they came after all. The row is read under a lock, since two scans may arrive
    together: the first turns it, the second finds it done."""
    with transaction.atomic():
        attendance = Attendance.objects.select_for_update().get(
            session=session, registration=registration
        )
        attendance.registration = registration
        if attendance.attended:
            return CheckInResult(CheckInResult.ALREADY, attendance)
        previous = attendance.status
        attendance.status = status
        attendance.source = source
        attendance.checked_in_at = at
        attendance.reason = ""
        attendance.recorded_by = by
        attendance.save(
            update_fields=[
                "status",
                "source",
                "checked_in_at",
                "reason",
                "recorded_by",
                "updated_at",
            ]
        )
        log_change(attendance, CHECK_IN_ACTION, previous=previous, by=by)
    return CheckInResult(CheckInResult.CREATED, attendance, previous_status=previous)


def log_change(attendance: Attendance, action: str, *, previous: str | None, by: User | None):
    log(
        attendance,
        action,
        user=by,
        timestamp=attendance.updated_at,
        data={
            "session": attendance.session_id,
            "registration": attendance.registration_id,
            "from": previous,
            "to": attendance.status,
            "reason": attendance.reason,
        },
    )


@dataclass(frozen=True)
class Mark:
    """A status the roster sets for one registration, with the reason of an excused absence."""

    status: str
    reason: str = ""

    def as_tuple(self) -> tuple[str, str]:
        return self.status, self.reason


def roster_row(
    session: Session, registration: Registration, wanted: Mark, by: User | None
) -> tuple[Attendance, bool]:
    """A new row for a registration the roster found without one, and True; or, when a scan
    inserted one since the rows were read, that row, locked, and False."""
    attendance = Attendance(
        session=session,
        registration=registration,
        status=wanted.status,
        reason=wanted.reason,
        source=Attendance.Source.ROSTER,
        recorded_by=by,
    )
    if insert_unless_exists(attendance):
        return attendance, True
    locked = Attendance.objects.select_for_update()
    return locked.get(session=session, registration=registration), False


def mark(
    session: Session, registration: Registration, status: str, *, by: User | None, reason=""
) -> Attendance | None:
    """Set one trainee's status for a session from the roster; see `mark_many`."""
    changed = mark_many(session, {registration.pk: Mark(status, reason)}, by=by)
    return changed[0] if changed else None


def mark_many(session: Session, marks: Mapping[int, Mark], *, by: User | None) -> list[Attendance]:
    """Set the statuses the roster form gives, by registration id, in one transaction.

    1. Refuse the whole form if the session is cancelled, a status is unknown, an excused
       absence has no reason, or a registration is not a confirmed trainee of the cohort (one
       already on the roster may still be corrected, whatever became of it since).
    2. Lock the session's rows being changed, so a scan arriving meanwhile waits, then write
       each change: a new row (source "roster") or the row's new status and reason.
    3. Log each change (`attendance.attendance.mark`: who, when, from what to what). A status
       and reason given as they already are change nothing and log nothing.

    Returns the rows changed.
    """
    if session.is_cancelled:
        raise AttendanceError("session_cancelled")
    cleaned = {}
    for registration_id, wanted in marks.items():
        reason = " ".join(wanted.reason.split())
        if wanted.status not in Status.values:
            raise AttendanceError("bad_status")
        if wanted.status == Status.EXCUSED and not reason:
            raise AttendanceError("reason_required")
        cleaned[registration_id] = Mark(
            wanted.status, reason if wanted.status == Status.EXCUSED else ""
        )

    with transaction.atomic():
        rows = {
            attendance.registration_id: attendance
            for attendance in Attendance.objects.select_for_update()
            .filter(session=session, registration_id__in=cleaned)
            .order_by("pk")
        }
        registrations = Registration.objects.in_bulk(cleaned)
        for registration_id in cleaned:
            if registration_id not in rows:
                check_registration(session, registrations.get(registration_id))
        changed = []
        for registration_id, wanted in cleaned.items():
            attendance = rows.get(registration_id)
            if attendance is None:
                attendance, created = roster_row(
                    session, registrations[registration_id], wanted, by
                )
                if created:
                    log_change(attendance, MARK_ACTION, previous=None, by=by)
                    changed.append(attendance)
                    continue
            if (attendance.status, attendance.reason) == wanted.as_tuple():
                continue
            previous = attendance.status
            attendance.status = wanted.status
            attendance.reason = wanted.reason
            attendance.recorded_by = by
            attendance.save(update_fields=["status", "reason", "recorded_by", "updated_at"])
            log_change(attendance, MARK_ACTION, previous=previous, by=by)
            changed.append(attendance)
    return changed
