"""A cohort's timetable as week grids: days Monday to Sunday across, half-days down.

One builder for the admin's 周课表 (with each session's double bookings, a staff matter) and the
public cohort page (without them). It places sessions already loaded by
`bookings.selectors.cohort_sessions`, so the public page reuses its timetable's two queries and
the admin adds the two of `clashes_of`, whatever the number of sessions.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Cohort, Session
from .services.timetable import Clash, clashes_of

# Rows of a week: a session sits in the half-day it starts in (Asia/Shanghai).
MORNING, AFTERNOON, EVENING = "morning", "afternoon", "evening"
PERIODS = (
    (MORNING, _("Morning"), datetime.time(0, 0)),
    (AFTERNOON, _("Afternoon"), datetime.time(12, 0)),
    (EVENING, _("Evening"), datetime.time(18, 0)),
)
# Rows a week always shows; the evening only when it has sessions.
ALWAYS_SHOWN = (MORNING, AFTERNOON)


def period_of(starts_at: datetime.datetime) -> str:
    start = timezone.localtime(starts_at, timezone.get_default_timezone()).time()
    return [key for key, _label, begins in PERIODS if start >= begins][-1]


@dataclass
class GridSession:
    session: Session
    clashes: list[Clash] = field(default_factory=list)


@dataclass
class GridDay:
    date: datetime.date
    in_cohort: bool


@dataclass
class GridRow:
    period: str
    label: str
    cells: list[list[GridSession]]


@dataclass
class GridWeek:
    days: list[GridDay]
    rows: list[GridRow]

    @property
    def first_day(self) -> datetime.date:
        return self.days[0].date


def week_grid(
    cohort: Cohort, sessions: list[Session], *, with_clashes: bool = False
) -> list[GridWeek]:
    """The weeks (Monday to Sunday) from the cohort's first day to its last, widened to any
    session outside them, each a grid of half-days by days; a cell holds its sessions in order
    of start. `sessions` are the cohort's, from `cohort_sessions`. `with_clashes` adds each
    scheduled session's double bookings (two queries)."""
    zone = timezone.get_default_timezone()
    sessions = sorted(sessions, key=lambda session: (session.starts_at, session.pk))
    clashes = clashes_of(sessions) if with_clashes else {}
    placed: dict[tuple[datetime.date, str], list[GridSession]] = {}
    for session in sessions:
        day = timezone.localtime(session.starts_at, zone).date()
        placed.setdefault((day, period_of(session.starts_at)), []).append(
            GridSession(session, clashes.get(session.pk, []))
        )
    days = [day for day, _period in placed]
    first = min([cohort.starts_on, *days])
    last = max([cohort.ends_on, *days])
    monday = first - datetime.timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        week_days = [monday + datetime.timedelta(days=offset) for offset in range(7)]
        rows = [
            GridRow(key, label, [placed.get((day, key), []) for day in week_days])
            for key, label, _begins in PERIODS
            if key in ALWAYS_SHOWN or any((day, key) in placed for day in week_days)
        ]
        grid_days = [GridDay(day, cohort.starts_on <= day <= cohort.ends_on) for day in week_days]
        weeks.append(GridWeek(grid_days, rows))
        monday += datetime.timedelta(days=7)
    return weeks
