"""Reads of attendance shared by the API, the roster in the admin and the dashboard."""

import functools
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from bookings.models import Cohort, Registration, Session
from core.rows import fetch_one, instance_from_row

from .models import Attendance, AttendanceRule
from .qr import ScannedCode

Status = Attendance.Status


# What a check-in reads of the session and of the registration it names.
SESSION_FIELDS = ("id", "cohort_id", "starts_at", "ends_at", "cancelled_at")
SCANNED_FIELDS = ("id", "cohort_id", "status", "code", "token", "name", "unit")


def session_for_check_in(session_id: int, scanned: ScannedCode | None = None) -> Session | None:
    """The session, with its programme's late threshold (`late_after_minutes`), and the
    registration `scanned` names, all in one statement (`scanned.found()` receives it); None
    when there is no such session.

    A check-in is the one request that must be quick: thousands of trainees pass the doors
    within minutes, one scan each. This is its one read, in SQL (the tables and columns named
    from the models) because no queryset reads two unrelated rows at once; the instances hold
    these fields, the others are deferred.
    """
    lookup = scanned.lookup if scanned is not None else None
    params: list = [AttendanceRule._meta.get_field("late_after_minutes").default]
    if lookup:
        params.append(lookup[1])
    params.append(session_id)
    row = fetch_one(check_in_sql(lookup[0] if lookup else None), params)
    if row is None:
        return None
    using, width = connection.alias, len(SESSION_FIELDS)
    session = instance_from_row(Session, SESSION_FIELDS, row[:width], using)
    session.late_after_minutes = row[width]
    if scanned is not None:
        found = row[width + 1 :]
        scanned.found(
            instance_from_row(Registration, SCANNED_FIELDS, found, using)
            if lookup and found[0] is not None
            else None
        )
    return session


@functools.cache
def check_in_sql(registration_by: str | None) -> str:
    """`session_for_check_in`'s statement; the registration looked up by `id` or `code`."""
    quote = connection.ops.quote_name

    def table(model) -> str:
        return quote(model._meta.db_table)

    def column(model, name: str, alias: str) -> str:
        by_name = {field.attname: field.column for field in model._meta.concrete_fields}
        return f"{alias}.{quote(by_name.get(name) or model._meta.get_field(name).column)}"

    rule = (
        f"SELECT {column(AttendanceRule, 'late_after_minutes', 'r')} "
        f"FROM {table(AttendanceRule)} r INNER JOIN {table(Cohort)} c "
        f"ON {column(Cohort, 'programme_id', 'c')} = {column(AttendanceRule, 'programme_id', 'r')} "
        f"WHERE {column(Cohort, 'id', 'c')} = {column(Session, 'cohort_id', 's')}"
    )
    select = [column(Session, name, "s") for name in SESSION_FIELDS]
    select.append(f"COALESCE(({rule}), %s)")
    joined = ""
    if registration_by:
        select += [column(Registration, name, "g") for name in SCANNED_FIELDS]
        joined = (
            f" LEFT OUTER JOIN {table(Registration)} g "
            f"ON {column(Registration, registration_by, 'g')} = %s"
        )
    return (
        f"SELECT {', '.join(select)} FROM {table(Session)} s{joined} "
        f"WHERE {column(Session, 'id', 's')} = %s"
    )


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
