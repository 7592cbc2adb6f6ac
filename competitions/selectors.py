"""Reads of a round's judging that several pages share: the ranking (staff results, the API,
exports, the live screen, published results) and a judge's own assignments.

`round_ranking` loads a round in a fixed number of queries, whatever its size: the round and
its rubric, its active assignments with their scores' totals and their values on the heaviest
criterion (one row each), the projects, the judges. `competitions.scoring` does the arithmetic.
Only submitted scores of active assignments without a declared conflict count.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Count, FilteredRelation, Q
from django.db.models.functions import Coalesce

from core.models import User

from . import scoring
from .models import Assignment, Criterion, Project, Round, Score

# The round's tie rule (Round.TieRule) as scoring's tie-breakers.
TIE_RULES = {
    Round.TieRule.HEAVIEST_THEN_EARLIER: (scoring.HEAVIEST_CRITERION, scoring.EARLIEST_SUBMISSION),
    Round.TieRule.EARLIER: (scoring.EARLIEST_SUBMISSION,),
    Round.TieRule.SHARED: (),
}


@dataclass(frozen=True, slots=True)
class ProjectRow:
    """What the results show of a project."""

    id: int
    title: str
    organisation_name: str
    category: str
    running_order: int | None
    submitted_at: datetime
    budget_requested: Decimal


@dataclass(frozen=True, slots=True)
class JudgeRow:
    id: int
    name: str


@dataclass(slots=True)
class RankingLine:
    """A project's line: its judges' totals (in the panel's order, None where a judge of the
    panel was not assigned or has not submitted), aggregate, rank, and scoring progress."""

    project: ProjectRow
    rank: int | None
    aggregate: Decimal | None
    heaviest: Decimal | None
    advances: bool
    totals: list[Decimal | None]
    assigned: int
    submitted: int
    conflicts: int

    @property
    def complete(self) -> bool:
        """Every judge assigned has submitted, and none waits to be replaced after a conflict."""
        return self.assigned > 0 and self.submitted == self.assigned and not self.conflicts


@dataclass(slots=True)
class RoundRanking:
    """A round's results: the ranking, the panel, and (computed when first asked for, since
    the live screen never needs it) the judges' consistency report."""

    round: Round
    criteria: list[Criterion]
    heaviest: Criterion | None
    maximum: Decimal
    judges: list[JudgeRow]
    lines: list[RankingLine]
    totals: dict[int, dict[int, Decimal]] = field(default_factory=dict)
    judge_names: dict[int, str] = field(default_factory=dict)
    _consistency: scoring.ConsistencyReport | None = None

    @property
    def consistency(self) -> scoring.ConsistencyReport:
        if self._consistency is None:
            self._consistency = scoring.consistency(
                self.totals, maximum=self.maximum or Decimal(100)
            )
        return self._consistency

    @property
    def scored(self) -> list[RankingLine]:
        return [line for line in self.lines if line.rank is not None]

    @property
    def submitted(self) -> int:
        return sum(line.submitted for line in self.lines)

    @property
    def assigned(self) -> int:
        return sum(line.assigned for line in self.lines)


def judge_name(first_name: str, last_name: str, username: str) -> str:
    """As Chinese names are written: family name first, no space; else the username."""
    return f"{last_name}{first_name}".strip() or username


def round_with_rubric(round_id: int) -> Round:
    return Round.objects.select_related("competition").prefetch_related("criteria").get(pk=round_id)


def round_ranking(round_: Round | int, *, complete_only: bool = False) -> RoundRanking:
    """The round's ranking from the submitted scores, in a fixed number of queries.

    `complete_only` ranks only the projects every assigned judge has scored (the live screen,
    where a project's score is public once complete); the others are listed unranked.
    """
    if not isinstance(round_, Round):
        round_ = round_with_rubric(round_)
    criteria = list(round_.criteria.all())
    heaviest = round_.heaviest_criterion()
    rubric = scoring.Rubric(
        scoring.Criterion(criterion.pk, criterion.weight, criterion.maximum)
        for criterion in criteria
    )
    rows = assignment_rows(round_, heaviest)
    assigned: dict[int, int] = defaultdict(int)
    submitted: dict[int, int] = defaultdict(int)
    conflicts: dict[int, int] = defaultdict(int)
    sheets = []
    judge_ids = set()
    weight = heaviest.weight if heaviest is not None else Decimal(0)
    as_decimal = DecimalReader()
    for project_id, judge_id, conflict_at, status, total, value in rows:
        judge_ids.add(judge_id)
        assigned[project_id] += 1
        if conflict_at is not None:
            conflicts[project_id] += 1
        elif status == Score.Status.SUBMITTED:
            submitted[project_id] += 1
            points = as_decimal(value) if value is not None else scoring.ZERO
            if weight != 1:
                points *= weight
            sheets.append(scoring.Sheet(project_id, judge_id, as_decimal(total), points))
    projects = project_rows(assigned)
    if complete_only:
        complete = {
            project_id
            for project_id in assigned
            if submitted[project_id] == assigned[project_id] and not conflicts[project_id]
        }
        sheets = [sheet for sheet in sheets if sheet.project in complete]
    results = scoring.rank_projects(
        sheets,
        entries=[
            scoring.Entry(project.id, project.submitted_at)
            for project in sorted(projects.values(), key=running_order_key)
        ],
        method=round_.aggregate,
        normalise=round_.normalise,
        tie_rule=TIE_RULES.get(round_.tie_rule, scoring.DEFAULT_TIE_RULE),
        advance_count=round_.advance_count or 0,
    )
    judges = judge_rows(judge_ids)
    lines = [
        RankingLine(
            project=projects[result.project],
            rank=result.rank,
            aggregate=result.aggregate,
            heaviest=result.heaviest,
            advances=result.advances,
            totals=[result.totals.get(judge.id) for judge in judges],
            assigned=assigned[result.project],
            submitted=submitted[result.project],
            conflicts=conflicts[result.project],
        )
        for result in results
    ]
    return RoundRanking(
        round=round_,
        criteria=criteria,
        heaviest=heaviest,
        maximum=rubric.maximum,
        judges=judges,
        lines=lines,
        totals={result.project: result.totals for result in results if result.totals},
        judge_names={judge.id: judge.name for judge in judges},
    )


class DecimalReader(dict):
    """A database's number as the Decimal the model field holds, each distinct one converted
    once: SQLite returns decimals as floats, and a round of 100,000 scores has at most a few
    thousand distinct totals (Django's own converters, one Decimal per row and column, were a
    third of the ranking's time)."""

    def __call__(self, value) -> Decimal:
        try:
            return self[value]
        except KeyError:
            number = value if isinstance(value, Decimal) else Decimal(repr(value))
            self[value] = number
            return number


def assignment_rows(round_: Round, heaviest: Criterion | None) -> list[tuple]:
    """(project, judge, conflict declared, score status, total, value on the heaviest
    criterion) of each active assignment of the round: one query, one row each, as the
    database returns them (DecimalReader turns the numbers into Decimals)."""
    assignments = Assignment.objects.filter(round=round_).active()
    if heaviest is not None:
        assignments = assignments.annotate(
            heaviest_value=FilteredRelation(
                "score__values", condition=Q(score__values__criterion_id=heaviest.pk)
            )
        )
        value = "heaviest_value__value"
    else:
        value = "score__total"  # unused: no rubric, no tie on a criterion
    query = assignments.values_list(
        "project_id",
        "judge_id",
        "conflict_declared_at",
        "score__status",
        Coalesce("score__total", Decimal(0)),
        value,
    ).order_by()
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def project_rows(project_ids) -> dict[int, ProjectRow]:
    return {
        row[0]: ProjectRow(*row)
        for row in Project.objects.filter(pk__in=list(project_ids))
        .values_list(
            "pk",
            "title",
            "organisation_name",
            "category__name",
            "running_order",
            "submitted_at",
            "budget_requested",
        )
        .order_by()
    }


def judge_rows(judge_ids) -> list[JudgeRow]:
    users = (
        User.objects.filter(pk__in=list(judge_ids))
        .values_list("pk", "first_name", "last_name", "username")
        .order_by("username")
    )
    return [JudgeRow(pk, judge_name(first, last, username)) for pk, first, last, username in users]


def running_order_key(project: ProjectRow):
    """Running order first (a live roadshow's), then submission."""
    return (project.running_order is None, project.running_order or 0, project.submitted_at)


# -- a judge's own work --------------------------------------------------------------------------


def judge_assignments(judge: User):
    """The judge's active assignments in rounds that are open or closed (never a round being
    prepared), with their round, project and score, newest round first."""
    return (
        Assignment.objects.active()
        .filter(judge=judge)
        .exclude(round__status=Round.Status.DRAFT)
        .select_related("round__competition", "project__category", "score")
        .order_by("-round__competition__year", "round__sort_order", "round_id", "project__pk")
    )


def judge_assignment(judge: User, pk) -> Assignment:
    """One of the judge's own assignments, else Assignment.DoesNotExist: another judge's, a
    withdrawn one and one in a round being prepared are all not found alike."""
    return judge_assignments(judge).get(pk=pk)


@dataclass(slots=True)
class RoundProgress:
    """A judge's progress in one round: how many of their projects they have submitted."""

    round: Round
    assignments: list[Assignment]

    @property
    def submitted(self) -> int:
        return sum(1 for a in self.assignments if score_status(a) == Score.Status.SUBMITTED)

    @property
    def total(self) -> int:
        return len(self.assignments)

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.total) if self.total else 0


def score_status(assignment: Assignment) -> str | None:
    try:
        return assignment.score.status
    except Score.DoesNotExist:
        return None


def judge_progress(judge: User) -> list[RoundProgress]:
    """The judge's assignments grouped by round, in `judge_assignments`' order."""
    progress: dict[int, RoundProgress] = {}
    for assignment in judge_assignments(judge):
        entry = progress.setdefault(assignment.round_id, RoundProgress(assignment.round, []))
        entry.assignments.append(assignment)
    return list(progress.values())


def judge_rounds(judge: User):
    """Rounds where the judge has an active assignment (for their view of a closed round)."""
    return Round.objects.filter(
        assignments__judge=judge, assignments__withdrawn_at__isnull=True
    ).distinct()


# -- the dashboard -------------------------------------------------------------------------------


@dataclass(slots=True)
class RoundJudging:
    """An open round's judging progress for the staff dashboard."""

    round: Round
    assigned: int
    submitted: int
    judges_behind: int
    conflicts: int
    results_url: str = ""

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.assigned) if self.assigned else 0


def open_rounds_progress() -> list[RoundJudging]:
    """Every open round: scores submitted of assigned, judges with work left, conflicts
    waiting for reassignment. Two queries whatever the number of rounds."""
    rounds = list(
        Round.objects.filter(status=Round.Status.OPEN)
        .select_related("competition")
        .annotate(
            assigned=Count("assignments", filter=Q(assignments__withdrawn_at__isnull=True)),
            submitted=Count(
                "assignments",
                filter=Q(
                    assignments__withdrawn_at__isnull=True,
                    assignments__conflict_declared_at__isnull=True,
                    assignments__score__status=Score.Status.SUBMITTED,
                ),
            ),
            conflicts=Count(
                "assignments",
                filter=Q(
                    assignments__withdrawn_at__isnull=True,
                    assignments__conflict_declared_at__isnull=False,
                ),
            ),
        )
        .order_by("competition__title", "sort_order")
    )
    behind: dict[int, int] = defaultdict(int)
    pending = (
        Assignment.objects.active()
        .filter(round__in=rounds, conflict_declared_at__isnull=True)
        .exclude(score__status=Score.Status.SUBMITTED)
        .values_list("round_id", "judge_id")
        .distinct()
        .order_by()
    )
    for round_id, _judge_id in pending:
        behind[round_id] += 1
    return [
        RoundJudging(
            round=round_,
            assigned=round_.assigned,
            submitted=round_.submitted,
            judges_behind=behind[round_.pk],
            conflicts=round_.conflicts,
        )
        for round_ in rounds
    ]
