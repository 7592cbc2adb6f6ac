"""The study-hours ledger (学时台账): what each attendance earns, and the totals.

A trainee is known by their mobile number across cohorts (each registration stores it). Every
attendance at a scheduled session is a line of the ledger, worth:

- present: the session's own `study_hours`;
- late: what the programme's rule credits (full, half or none; `AttendanceRule.credited_hours`);
- excused or absent: nothing (the line is kept, so the ledger shows the whole record).

A cancelled session counts neither way: its attendance is kept but is no line of the ledger,
and its hours are not scheduled (see `completion`). The sums are computed by the database from
these rows (`credited_hours()`), so nothing is stored that could drift from the attendance.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from bookings.models import Cohort

from ..models import Attendance, AttendanceRule

Status = Attendance.Status
LateCredit = AttendanceRule.LateCredit

# What share of a session's hours a late arrival earns under each rule.
LATE_SHARE = {
    LateCredit.FULL: Decimal("1"),
    LateCredit.HALF: Decimal("0.5"),
    LateCredit.NONE: Decimal("0"),
}
HOURS = DecimalField(max_digits=8, decimal_places=2)
ZERO = Decimal("0.00")
RULE = "session__cohort__programme__attendance_rule"


def late_share() -> Case:
    """The share a late arrival earns under its programme's rule; a programme without a rule
    follows the rule's default (`AttendanceRule.for_programme`)."""
    default = AttendanceRule._meta.get_field("late_credit").default
    return Case(
        *(
            When(**{f"{RULE}__late_credit": credit}, then=Value(share))
            for credit, share in LATE_SHARE.items()
        ),
        default=Value(LATE_SHARE[default]),
        output_field=HOURS,
    )


def credited_hours() -> Case:
    """What one Attendance row earns, in SQL: `AttendanceRule.credited_hours`, row by row."""
    return Case(
        When(status=Status.PRESENT, then=F("session__study_hours")),
        When(status=Status.LATE, then=F("session__study_hours") * late_share()),
        default=Value(ZERO),
        output_field=HOURS,
    )


def academy_year() -> ExtractYear:
    """The calendar year of the session, in the academy's time zone (Asia/Shanghai)."""
    return ExtractYear("session__starts_at", tzinfo=timezone.get_default_timezone())


def ledger_entries(
    *,
    phone: str | None = None,
    cohort: Cohort | int | None = None,
    registration=None,
    year: int | None = None,
) -> QuerySet[Attendance]:
    """The lines of the ledger, each with `credited_hours` and `year`, oldest first.

    Only attendance at scheduled (not cancelled) sessions of the registration's own cohort;
    narrowed to a trainee's `phone`, a `cohort`, a `registration` or a `year` when given.
    """
    entries = (
        Attendance.objects.filter(
            session__cancelled_at__isnull=True,
            session__cohort_id=F("registration__cohort_id"),
        )
        .annotate(credited_hours=credited_hours(), year=academy_year())
        .select_related("session__cohort__programme", "registration")
        .order_by("session__starts_at", "pk")
    )
    if phone is not None:
        entries = entries.filter(registration__phone=phone)
    if cohort is not None:
        entries = entries.filter(session__cohort=cohort)
    if registration is not None:
        entries = entries.filter(registration=registration)
    if year is not None:
        entries = entries.filter(year=year)
    return entries


def sum_hours() -> Coalesce:
    return Coalesce(Sum("credited_hours"), Value(ZERO), output_field=HOURS)


def count_attended() -> Count:
    return Count("pk", filter=Q(status__in=Attendance.ATTENDED))


@dataclass(frozen=True)
class CohortHours:
    """A trainee's hours in one cohort: what they earned in how many sessions attended."""

    cohort: Cohort
    registration_id: int
    hours: Decimal
    attended: int

    @property
    def hours_text(self) -> str:
        return format_hours(self.hours)


@dataclass(frozen=True)
class YearHours:
    """A trainee's hours in one calendar year, across cohorts."""

    year: int
    hours: Decimal
    attended: int

    @property
    def hours_text(self) -> str:
        return format_hours(self.hours)


def hours_by_cohort(entries: QuerySet[Attendance]) -> list[CohortHours]:
    """Totals per registration (a trainee has one per cohort), oldest cohort first."""
    rows = list(
        entries.order_by()
        .values("registration_id", "session__cohort_id")
        .annotate(hours=sum_hours(), attended=count_attended())
    )
    cohorts = Cohort.objects.select_related("programme").in_bulk(
        {row["session__cohort_id"] for row in rows}
    )
    totals = [
        CohortHours(
            cohort=cohorts[row["session__cohort_id"]],
            registration_id=row["registration_id"],
            hours=row["hours"],
            attended=row["attended"],
        )
        for row in rows
    ]
    return sorted(totals, key=lambda total: (total.cohort.starts_on, total.cohort.pk))


def hours_by_year(entries: QuerySet[Attendance]) -> list[YearHours]:
    """Totals per calendar year, earliest first."""
    rows = (
        entries.order_by()
        .values("year")
        .annotate(hours=sum_hours(), attended=count_attended())
        .order_by("year")
    )
    return [
        YearHours(year=row["year"], hours=row["hours"], attended=row["attended"]) for row in rows
    ]


def total_hours(entries: QuerySet[Attendance]) -> Decimal:
    return entries.order_by().aggregate(hours=sum_hours())["hours"]


@dataclass(frozen=True)
class TraineeLedger:
    """One trainee's ledger: every line, and the totals per cohort, per year and overall."""

    phone: str
    entries: list[Attendance]
    by_cohort: list[CohortHours]
    by_year: list[YearHours]
    total: Decimal


def trainee_ledger(phone: str, *, year: int | None = None) -> TraineeLedger:
    entries = ledger_entries(phone=phone, year=year)
    return TraineeLedger(
        phone=phone,
        entries=list(entries),
        by_cohort=hours_by_cohort(entries),
        by_year=hours_by_year(entries),
        total=total_hours(entries),
    )


def format_hours(hours: Decimal | None) -> str:
    """Hours as people write them: 32, 32.5, 1.25 (no trailing zeros, no exponent)."""
    if hours is None:
        return ""
    text = f"{Decimal(hours):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def session_day(entry: Attendance) -> datetime.date:
    return timezone.localdate(entry.session.starts_at, timezone=timezone.get_default_timezone())
