"""Reads of attendance shared by the API, the roster in the admin and the dashboard."""

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from bookings.models import Registration, Session

from .models import Attendance, AttendanceRule

Status = Attendance.Status


def session_for_check_in(session_id: int) -> Session | None:
    """The session, with its programme's late threshold (`late_after_minutes`) read in the
    same query: a check-in needs both, and is the one request that must be quick."""
    sessions = Session.objects.annotate(
        late_after_minutes=AttendanceRule.late_after_minutes_of(OuterRef("cohort_id"))
    )
    try:
        return sessions.get(pk=session_id)  # no ORDER BY to build, as first() would
    except Session.DoesNotExist:
        return None


@dataclass
class RosterEntry:
    """A trainee on a session's roster, and their attendance there (None: not yet)."""

    registration: Registration
    attendance: Attendance | None

    @property
    def status(self) -> str | None:
        return self.attendance.status if self.attendance else None


@dataclass(frozen=True)
class RosterCounts:
    expected: int
    present: int
    late: int
    excused: int
    absent: int
    not_yet: int

    @property
    def checked_in(self) -> int:
        return self.present + self.late


def roster(session: Session) -> list[RosterEntry]:
    """Every confirmed trainee of the session's cohort, and anyone else who has a row for it
    (a registration cancelled after it was recorded), by name; 2 queries."""
    attendances = {
        attendance.registration_id: attendance
        for attendance in Attendance.objects.filter(session=session).select_related("recorded_by")
    }
    registrations = Registration.objects.filter(cohort=session.cohort_id).filter(
        Q(status=Registration.Status.CONFIRMED) | Q(pk__in=list(attendances))
    )
    return [
        RosterEntry(registration, attendances.get(registration.pk))
        for registration in registrations.order_by("name", "pk")
    ]


def roster_counts(entries: list[RosterEntry]) -> RosterCounts:
    statuses = [entry.status for entry in entries]
    return RosterCounts(
        expected=len(entries),
        present=statuses.count(Status.PRESENT),
        late=statuses.count(Status.LATE),
        excused=statuses.count(Status.EXCUSED),
        absent=statuses.count(Status.ABSENT),
        not_yet=statuses.count(None),
    )


def with_check_in_progress(sessions):
    """Sessions annotated with `expected` (the cohort's confirmed trainees) and how many of
    them were recorded `checked_in` (present or late), `late`, `excused` and `absent`, in the
    one query that reads them."""
    confirmed = (
        Registration.objects.filter(cohort=OuterRef("cohort"), status=Registration.Status.CONFIRMED)
        .order_by()
        .values("cohort")
        .annotate(count=Count("pk"))
        .values("count")
    )

    def counted(*statuses):
        return Count("attendances", filter=Q(attendances__status__in=statuses))

    return sessions.annotate(
        expected=Coalesce(Subquery(confirmed, output_field=IntegerField()), 0),
        checked_in=counted(Status.PRESENT, Status.LATE),
        late=counted(Status.LATE),
        excused=counted(Status.EXCUSED),
        absent=counted(Status.ABSENT),
    )
