"""The scoring arithmetic of a round, in plain Python and Decimal: no ORM, no Django.

Everything the results, the live screen, the API and the exports show is computed here, from
what `selectors.py` loads, so one statement of each rule serves them all and the tests check it
on hand-computed cases.

**A judge's total.** Each criterion is scored from 0 to its `maximum` (one decimal) and counts
`weight` times: a judge's total for a project is the sum of value × weight over the rubric
(`Rubric.total`; `services.write_score` stores the same sum on the score as it saves it), out of the
sum of maximum × weight. The usual rubric (需求分析 20, 项目设计 30, 可行性 20, 预算合理性 15,
创新性 15, each of weight 1) is thus scored in points out of 100; a criterion scored 0–10 with
a weight of 2 counts each point twice. A criterion the judge left without a value counts 0.
Totals are rounded half up to two decimals.

**The aggregate per project**, from its judges' totals:
- `trimmed_mean` (去掉一个最高分和一个最低分): with at least 5 totals, one highest and one lowest
  are dropped (only one of each, even when several are equal) and the rest averaged; with fewer,
  the plain mean;
- `mean`; `median` (the mean of the middle two for an even count).
Aggregates are rounded half up to two decimals, and **rankings compare the rounded scores**: two
projects shown with the same score are tied, and the round's tie rule decides, never a
difference the audience cannot see.

**Normalisation** (optional, for panels whose judges use different scales). Each judge's totals
in the round become z-scores, `(total − the judge's mean) / the judge's standard deviation`
(population deviation, over the projects that judge scored); a judge whose totals do not vary
(or who scored one project) gives every project 0, i.e. no opinion either way. The z-scores are
aggregated with the round's method and mapped back onto the rubric's scale with the whole
panel's figures: `score = μ + σ × aggregated z`, μ and σ being the mean and population standard
deviation of every total in the round. A project the panel rates one of its judges' standard
deviations above their mean thus shows μ + σ; the map is increasing, so it ranks exactly as the
aggregated z-scores do. It is not clipped: a project every judge rates far above the rest may
show a little over the maximum, which says what it is, rather than tying at the top.

**Ties.** The round states a rule, an ordered list of tie-breakers; the default
(`heaviest_criterion`, then `earliest_submission`) is the higher aggregate on the heaviest
criterion (`Round.heaviest_criterion`: the largest weight, then the largest maximum, then the
first in the rubric; its weighted scores aggregated with the round's method, without
normalisation), then the project submitted earlier. Projects still equal share a rank
("1, 2, 2, 4"). Projects no judge scored are listed after the rest, without a rank.

**Who advances**: the projects ranked within the round's `advance_count`. A tie at the cut-off
that the rule cannot break takes every project of that rank through: it is for the panel to
decide, not the order of rows in a database.

**Consistency.** For each judge: how many projects they scored, the mean and spread (population
standard deviation) of their totals, and their offset: the mean, over the projects they scored
with other judges, of their total minus the other judges' mean on that project (comparing them
on the same projects, so a judge handed weaker projects is not called harsh). The offset's z is
`offset / (σd / √n)`, σd being the population deviation of every such difference in the round
and n the judge's compared projects. A judge is flagged
- `high` (偏宽) or `low` (偏严) when |z| > 2 and the offset is at least 5 % of the rubric's
  maximum total (5 points out of 100): systematic, and large enough to matter;
- `narrow` (区分度低) or `wide` (分差过大) when, over at least 3 projects, their spread is under
  half, or over twice, the median spread of the panel's judges.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

TRIMMED_MEAN = "trimmed_mean"
MEAN = "mean"
MEDIAN = "median"
METHODS = (TRIMMED_MEAN, MEAN, MEDIAN)
# Judges needed before the trimmed mean drops the highest and the lowest total.
TRIM_FROM = 5

HEAVIEST_CRITERION = "heaviest_criterion"
EARLIEST_SUBMISSION = "earliest_submission"
DEFAULT_TIE_RULE = (HEAVIEST_CRITERION, EARLIEST_SUBMISSION)

# Consistency flags (see the module's docstring).
HIGH, LOW, NARROW, WIDE = "high", "low", "narrow", "wide"
OUTLIER_Z = Decimal(2)
OUTLIER_SHARE = Decimal("0.05")
SPREAD_FROM = 3

CENT = Decimal("0.01")
ZERO = Decimal(0)


def rounded(value: Decimal) -> Decimal:
    """Two decimals, half up, as scores are shown and compared."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Criterion:
    """One line of a rubric: scored 0…`maximum`, counted `weight` times in the total."""

    key: Hashable
    weight: Decimal
    maximum: Decimal


class Rubric:
    """A round's criteria, in the rubric's order, and how a judge's values make a total."""

    def __init__(self, criteria: Iterable[Criterion]):
        self.criteria = tuple(criteria)
        self.maximum = sum(
            (criterion.maximum * criterion.weight for criterion in self.criteria), ZERO
        )
        self.weights = {criterion.key: criterion.weight for criterion in self.criteria}

    def total(self, values: Mapping[Hashable, Decimal]) -> Decimal:
        """A judge's total for one project, rounded to two decimals."""
        return rounded(
            sum(
                (value * self.weights[key] for key, value in values.items() if key in self.weights),
                ZERO,
            )
        )

    def points(self, key: Hashable, value: Decimal) -> Decimal:
        """One criterion's value as points of the total."""
        return rounded(value * self.weights[key])


# The aggregates, unrounded; `aggregate` rounds.


def mean(values: Sequence[Decimal]) -> Decimal:
    if not values:
        raise ValueError("The mean of no values.")
    return sum(values, ZERO) / len(values)


def median(values: Sequence[Decimal]) -> Decimal:
    if not values:
        raise ValueError("The median of no values.")
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def trimmed_mean(values: Sequence[Decimal]) -> Decimal:
    """Drop one highest and one lowest value from 5 or more, then the mean; the mean below 5."""
    if len(values) < TRIM_FROM:
        return mean(values)
    ordered = sorted(values)
    return mean(ordered[1:-1])


AGGREGATES: dict[str, Callable[[Sequence[Decimal]], Decimal]] = {
    TRIMMED_MEAN: trimmed_mean,
    MEAN: mean,
    MEDIAN: median,
}


def aggregate(values: Sequence[Decimal], method: str = TRIMMED_MEAN) -> Decimal:
    """The round's aggregate of one project's values, rounded to two decimals."""
    return rounded(AGGREGATES[method](values))


def spread(values: Sequence[Decimal]) -> Decimal:
    """Population standard deviation (0 for fewer than two values)."""
    if len(values) < 2:
        return ZERO
    centre = mean(values)
    return (sum(((value - centre) ** 2 for value in values), ZERO) / len(values)).sqrt()


def z_scores(totals: Mapping[Hashable, Decimal]) -> dict[Hashable, Decimal]:
    """One judge's totals as z-scores over the projects they scored; all 0 when flat."""
    deviation = spread(list(totals.values()))
    if not deviation:
        return dict.fromkeys(totals, ZERO)
    centre = mean(list(totals.values()))
    return {project: (total - centre) / deviation for project, total in totals.items()}


# Ranking.


class Sheet(NamedTuple):
    """One judge's submitted score for one project: their total and their points on the
    round's heaviest criterion (for the tie rule). A tuple: a round makes 100,000 of them."""

    project: Hashable
    judge: Hashable
    total: Decimal
    heaviest: Decimal = ZERO

    @classmethod
    def from_values(
        cls,
        rubric: Rubric,
        project: Hashable,
        judge: Hashable,
        values: Mapping[Hashable, Decimal],
        *,
        heaviest: Hashable = None,
    ) -> Sheet:
        """A sheet from the judge's value on each criterion."""
        points = (
            rubric.points(heaviest, values.get(heaviest, ZERO)) if heaviest is not None else ZERO
        )
        return cls(project, judge, rubric.total(values), points)


@dataclass(frozen=True, slots=True)
class Entry:
    """A project in the running, with its submission time for the tie rule."""

    project: Hashable
    submitted_at: datetime | None = None


@dataclass(slots=True)
class ProjectResult:
    """A project's line in the results: each judge's total, the aggregate, rank, advancing."""

    project: Hashable
    totals: dict[Hashable, Decimal]
    aggregate: Decimal | None
    heaviest: Decimal | None
    submitted_at: datetime | None
    rank: int | None = None
    advances: bool = False

    @property
    def scored(self) -> bool:
        return self.aggregate is not None


def totals_by_project(
    sheets: Iterable[Sheet],
) -> tuple[dict[Hashable, dict[Hashable, Decimal]], dict[Hashable, list[Decimal]]]:
    """Each project's totals by judge, and its judges' points on the heaviest criterion."""
    totals: dict[Hashable, dict[Hashable, Decimal]] = defaultdict(dict)
    heaviest: dict[Hashable, list[Decimal]] = defaultdict(list)
    for sheet in sheets:
        totals[sheet.project][sheet.judge] = sheet.total
        heaviest[sheet.project].append(sheet.heaviest)
    return totals, heaviest


def normalised_aggregates(
    totals: Mapping[Hashable, Mapping[Hashable, Decimal]], method: str
) -> dict[Hashable, Decimal]:
    """Each project's aggregate of its judges' z-scores, mapped back as μ + σ × z."""
    by_judge: dict[Hashable, dict[Hashable, Decimal]] = defaultdict(dict)
    for project, judges in totals.items():
        for judge, total in judges.items():
            by_judge[judge][project] = total
    z_by_project: dict[Hashable, list[Decimal]] = defaultdict(list)
    for judge_totals in by_judge.values():
        for project, z in z_scores(judge_totals).items():
            z_by_project[project].append(z)
    every_total = [total for judges in totals.values() for total in judges.values()]
    centre, deviation = mean(every_total), spread(every_total)
    return {
        project: rounded(centre + deviation * AGGREGATES[method](zs))
        for project, zs in z_by_project.items()
    }


def tie_key(result: ProjectResult, tie_rule: Sequence[str]) -> tuple:
    """What sorts a project among others of the same aggregate: smaller first."""
    key: list = []
    for breaker in tie_rule:
        if breaker == HEAVIEST_CRITERION:
            key.append(-(result.heaviest or ZERO))
        elif breaker == EARLIEST_SUBMISSION:
            # A project without a time goes after those with one.
            submitted = result.submitted_at
            key.append((submitted is None, submitted.timestamp() if submitted else 0))
        else:
            raise ValueError(f"Unknown tie-breaker {breaker!r}.")
    return tuple(key)


def rank_projects(
    sheets: Iterable[Sheet],
    *,
    entries: Iterable[Entry] = (),
    method: str = TRIMMED_MEAN,
    normalise: bool = False,
    tie_rule: Sequence[str] = DEFAULT_TIE_RULE,
    advance_count: int = 0,
) -> list[ProjectResult]:
    """The round's ranking: every scored project in rank order, then the unscored entries.

    `entries` name the projects in the running with their submission times, in a stable order
    (the last resort among projects that share a rank); a project with sheets but no entry is
    ranked too, without a time. `sheets` are submitted scores only: the caller filters.
    """
    if method not in AGGREGATES:
        raise ValueError(f"Unknown aggregate {method!r}.")
    totals, heaviest = totals_by_project(sheets)
    order: dict[Hashable, Entry] = {entry.project: entry for entry in entries}
    for project in totals:
        order.setdefault(project, Entry(project))
    if normalise:
        aggregates = normalised_aggregates(totals, method)
    else:
        aggregates = {
            project: aggregate(list(judges.values()), method) for project, judges in totals.items()
        }
    results = [
        ProjectResult(
            project=entry.project,
            totals=totals.get(entry.project, {}),
            aggregate=aggregates.get(entry.project),
            heaviest=(
                aggregate(heaviest[entry.project], method) if entry.project in heaviest else None
            ),
            submitted_at=entry.submitted_at,
        )
        for entry in order.values()
    ]
    scored = [result for result in results if result.scored]
    position = {project: index for index, project in enumerate(order)}
    scored.sort(
        key=lambda result: (
            -result.aggregate,
            tie_key(result, tie_rule),
            position[result.project],
        )
    )
    previous_key, previous_rank = None, 0
    for index, result in enumerate(scored, start=1):
        key = (result.aggregate, tie_key(result, tie_rule))
        result.rank = previous_rank if key == previous_key else index
        result.advances = result.rank <= advance_count
        previous_key, previous_rank = key, result.rank
    return scored + [result for result in results if not result.scored]


# Consistency.


@dataclass(slots=True)
class JudgeReport:
    """A judge's scoring against the panel's (see the module's docstring for the flags)."""

    judge: Hashable
    count: int
    mean: Decimal
    spread: Decimal
    compared: int
    offset: Decimal | None
    z: Decimal | None
    flags: tuple[str, ...] = field(default=())

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


@dataclass(slots=True)
class ConsistencyReport:
    """The panel's figures and one line per judge."""

    mean: Decimal | None
    spread: Decimal | None
    median_spread: Decimal | None
    judges: list[JudgeReport]


def consistency(
    totals: Mapping[Hashable, Mapping[Hashable, Decimal]], *, maximum: Decimal = Decimal(100)
) -> ConsistencyReport:
    """Each judge's mean, spread and offset from the others on the same projects, flagged.

    `totals` is each project's totals by judge (`ProjectResult.totals`), `maximum` the rubric's
    maximum total (`Rubric.maximum`), against which an offset's size is judged.
    """
    by_judge: dict[Hashable, list[Decimal]] = defaultdict(list)
    differences: dict[Hashable, list[Decimal]] = defaultdict(list)
    for judges in totals.values():
        whole = sum(judges.values(), ZERO)
        for judge, total in judges.items():
            by_judge[judge].append(total)
            if len(judges) > 1:
                others = (whole - total) / (len(judges) - 1)
                differences[judge].append(total - others)
    every_total = [total for values in by_judge.values() for total in values]
    if not every_total:
        return ConsistencyReport(mean=None, spread=None, median_spread=None, judges=[])
    every_difference = [value for values in differences.values() for value in values]
    difference_spread = spread(every_difference)
    spreads = {judge: spread(values) for judge, values in by_judge.items()}
    eligible = [spreads[judge] for judge, values in by_judge.items() if len(values) >= SPREAD_FROM]
    median_spread = median(eligible) if eligible else None
    reports = []
    for judge, values in by_judge.items():
        compared = differences.get(judge, [])
        offset = mean(compared) if compared else None
        z = None
        if offset is not None:
            if difference_spread:
                z = offset / (difference_spread / Decimal(math.sqrt(len(compared))))
            else:
                z = ZERO
        flags = []
        if z is not None and abs(z) > OUTLIER_Z and abs(offset) >= OUTLIER_SHARE * maximum:
            flags.append(HIGH if offset > 0 else LOW)
        if median_spread is not None and len(values) >= SPREAD_FROM:
            if spreads[judge] < median_spread / 2:
                flags.append(NARROW)
            elif spreads[judge] > median_spread * 2:
                flags.append(WIDE)
        reports.append(
            JudgeReport(
                judge=judge,
                count=len(values),
                mean=rounded(mean(values)),
                spread=rounded(spreads[judge]),
                compared=len(compared),
                offset=rounded(offset) if offset is not None else None,
                z=rounded(z) if z is not None else None,
                flags=tuple(flags),
            )
        )
    return ConsistencyReport(
        mean=rounded(mean(every_total)),
        spread=rounded(spread(every_total)),
        median_spread=rounded(median_spread) if median_spread is not None else None,
        judges=reports,
    )
