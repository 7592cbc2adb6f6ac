"""The academy's figures: what it offers, what it held, and who came (the 8,100+ visitors).

Selectors only, read by the public API (`GET /api/v1/figures/`), the home page (through
academy.selectors) and the staff's figures page. Definitions, the same everywhere:

- **visitors**: the distinct trainees (by mobile number, across cohorts) who attended at least
  one session (present or late), plus the actual headcounts of the study visits (来烟学习交流)
  that have one. A trainee counts once however many sessions and cohorts they attended.
- **sessions held**: sessions not cancelled whose end has passed; **study hours**: the study
  hours (学时) of those sessions, added up.
- **by month**: a trainee in the month of their first attended session, a delegation in the
  month of its visit, so the months add up to the visitors.
- **by origin**: a trainee's province and city as given on the registration of their first
  attended session, a delegation's own; these add up to the visitors too.
- **by district**: of the training bases visited. A trainee counts once in each district where
  they attended a session at a base (sessions in the academy's own rooms count under the
  academy), a delegation's headcount once in each district it visited; people who went to
  several districts count in each, so this table does not add up to the visitors.
- **attendance rate**: of a session held, the trainees who attended over the confirmed
  registrations of its cohort; of a cohort, the same summed over its sessions held.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Count, IntegerField, Min, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from bases.models import TrainingBasePage
from bookings.models import Registration, Session
from core.cache import current_generation
from core.models import District
from courses.models import CoursePage
from lecturers.models import LecturerPage

from .models import Attendance, StudyVisit

# Figures are counted at most this often: every visitor's home page shows them.
CACHE_SECONDS = 300
ACADEMY = _("The academy itself")
NOT_GIVEN = _("Not given")


def attended():
    return Attendance.objects.filter(status__in=Attendance.ATTENDED)


def counted_visits():
    """The study visits the figures count: those with an actual headcount."""
    return StudyVisit.objects.filter(actual_headcount__isnull=False)


def held_sessions(at=None):
    return Session.objects.scheduled().filter(ends_at__lte=at or timezone.now())


def page_counts() -> dict[str, int]:
    """Live courses, lecturers and bases, in one query."""
    names = {
        ContentType.objects.get_for_model(model).pk: name
        for name, model in (
            ("courses", CoursePage),
            ("lecturers", LecturerPage),
            ("bases", TrainingBasePage),
        )
    }
    counts = (
        Page.objects.live()
        .filter(content_type__in=names)
        .order_by()
        .values("content_type")
        .annotate(count=Count("pk"))
    )
    figures = dict.fromkeys(names.values(), 0)
    figures.update({names[row["content_type"]]: row["count"] for row in counts})
    return figures


def headline(at=None) -> dict:
    """The headline figures: courses, lecturers, bases, sessions held, study hours, and the
    visitors with their two parts (trainees who attended, delegations' headcounts)."""
    figures = page_counts()
    sessions = held_sessions(at).aggregate(count=Count("pk"), hours=Sum("study_hours"))
    trainees = attended().aggregate(n=Count("registration__phone", distinct=True))["n"]
    delegates = counted_visits().aggregate(n=Sum("actual_headcount"))["n"] or 0
    figures.update(
        sessions_held=sessions["count"],
        study_hours=sessions["hours"] or Decimal("0.0"),
        trainees=trainees,
        delegation_visitors=delegates,
        visitors=trainees + delegates,
    )
    return figures


def cached_headline() -> dict:
    """`headline()`, counted again at most every CACHE_SECONDS, or when a publish bumps the
    page cache's generation (as the demo seeder does)."""
    key = f"attendance:figures:{current_generation()}"
    figures = cache.get(key)
    if figures is None:
        figures = headline()
        cache.set(key, figures, CACHE_SECONDS)
    return figures


# -- who came: by month, origin and district ------------------------------------------------------


@dataclass
class VisitorRow:
    """One line of a visitors table: trainees, delegation visitors and their sum."""

    label: str
    trainees: int = 0
    delegation_visitors: int = 0

    @property
    def visitors(self) -> int:
        return self.trainees + self.delegation_visitors


def first_attendances() -> dict[str, tuple[datetime, str, str]]:
    """For each trainee (mobile number) who attended: the start of their first attended
    session, and the province and city on that registration."""
    rows = (
        attended()
        .order_by()
        .values_list(
            "registration__phone", "registration__origin_province", "registration__origin_city"
        )
        .annotate(first=Min("session__starts_at"))
    )
    first = {}
    for phone, province, city, starts_at in rows:
        if phone not in first or starts_at < first[phone][0]:
            first[phone] = (starts_at, province, city)
    return first


def month_label(moment) -> str:
    return f"{moment:%Y-%m}"


def visitors_by_month() -> list[VisitorRow]:
    """Visitors by month, oldest first."""
    rows: dict[str, VisitorRow] = {}
    zone = timezone.get_default_timezone()
    for starts_at, _province, _city in first_attendances().values():
        month = month_label(timezone.localtime(starts_at, zone))
        rows.setdefault(month, VisitorRow(month)).trainees += 1
    for visited_on, headcount in counted_visits().values_list("visited_on", "actual_headcount"):
        month = month_label(visited_on)
        rows.setdefault(month, VisitorRow(month)).delegation_visitors += headcount
    return [rows[month] for month in sorted(rows)]


def origin_label(province: str, city: str) -> str:
    province, city = province.strip(), city.strip()
    if not province and not city:
        return str(NOT_GIVEN)
    return province + (city if city != province else "")


def visitors_by_origin() -> list[VisitorRow]:
    """Visitors by province and city of origin, the most first."""
    rows: dict[str, VisitorRow] = {}
    for _first, province, city in first_attendances().values():
        label = origin_label(province, city)
        rows.setdefault(label, VisitorRow(label)).trainees += 1
    visits = (
        counted_visits()
        .order_by()
        .values_list("province", "city")
        .annotate(headcount=Sum("actual_headcount"))
    )
    for province, city, headcount in visits:
        label = origin_label(province, city)
        rows.setdefault(label, VisitorRow(label)).delegation_visitors += headcount
    return sorted(rows.values(), key=lambda row: (-row.visitors, row.label))


def visitors_by_district() -> list[VisitorRow]:
    """Visitors by district of the training bases visited, in the districts' order, the
    academy's own rooms last; districts nobody visited are left out."""
    trainees = dict(
        attended()
        .order_by()
        .values_list("session__base__district_id")
        .annotate(n=Count("registration__phone", distinct=True))
    )
    delegates: dict[int | None, int] = defaultdict(int)
    through = StudyVisit.bases.through
    visited = set(
        through.objects.filter(studyvisit__actual_headcount__isnull=False).values_list(
            "studyvisit_id", "trainingbasepage__district_id"
        )
    )
    headcounts = dict(counted_visits().values_list("pk", "actual_headcount"))
    for visit_id, district_id in visited:
        delegates[district_id] += headcounts[visit_id]
    with_bases = {visit_id for visit_id, _district in visited}
    delegates[None] += sum(n for pk, n in headcounts.items() if pk not in with_bases)
    rows = [
        VisitorRow(district.name, trainees.get(district.pk, 0), delegates.get(district.pk, 0))
        for district in District.objects.order_by("sort_order", "name")
    ]
    rows.append(VisitorRow(str(ACADEMY), trainees.get(None, 0), delegates.get(None, 0)))
    return [row for row in rows if row.visitors]


# -- attendance rates -----------------------------------------------------------------------------


def rate(attended_count: int, expected: int) -> Decimal | None:
    """A share in per cent, one decimal; None when nobody was expected."""
    if not expected:
        return None
    return (Decimal(100 * attended_count) / expected).quantize(Decimal("0.1"))


def session_attendance(at=None):
    """The sessions held, oldest first, each with `expected` (its cohort's confirmed
    registrations), `attended`, `late`, `excused`, `absent` and `rate` (per cent)."""
    confirmed = (
        Registration.objects.filter(cohort=OuterRef("cohort"), status=Registration.Status.CONFIRMED)
        .order_by()
        .values("cohort")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Status = Attendance.Status

    def count(*statuses):
        return Count("attendances", filter=Q(attendances__status__in=statuses))

    sessions = list(
        held_sessions(at)
        .select_related("cohort__programme", "course")
        .annotate(
            expected=Coalesce(Subquery(confirmed, output_field=IntegerField()), Value(0)),
            attended=count(*Attendance.ATTENDED),
            late=count(Status.LATE),
            excused=count(Status.EXCUSED),
            absent=count(Status.ABSENT),
        )
        .order_by("starts_at", "pk")
    )
    for session in sessions:
        session.rate = rate(session.attended, session.expected)
    return sessions


@dataclass
class CohortAttendance:
    cohort: object
    sessions: int = 0
    expected: int = 0
    attended: int = 0

    @property
    def rate(self) -> Decimal | None:
        return rate(self.attended, self.expected)


def cohort_attendance(sessions=None) -> list[CohortAttendance]:
    """Each cohort with a session held, newest first: its sessions held, the attendances
    expected and made over them, and the rate."""
    cohorts: dict[int, CohortAttendance] = {}
    for session in session_attendance() if sessions is None else sessions:
        row = cohorts.setdefault(session.cohort_id, CohortAttendance(session.cohort))
        row.sessions += 1
        row.expected += session.expected
        row.attended += session.attended
    return sorted(
        cohorts.values(), key=lambda row: (-row.cohort.starts_on.toordinal(), row.cohort.pk)
    )
