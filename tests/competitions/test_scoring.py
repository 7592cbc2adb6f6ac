"""The scoring arithmetic on hand-computed cases (competitions/scoring.py's docstring states the
rules); no database."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from competitions import scoring
from competitions.scoring import (
    EARLIEST_SUBMISSION,
    HEAVIEST_CRITERION,
    HIGH,
    LOW,
    NARROW,
    Criterion,
    Entry,
    Rubric,
    Sheet,
    aggregate,
    consistency,
    normalised_aggregates,
    rank_projects,
)

D = Decimal
# 需求分析 20, 项目设计 30, 可行性 20, 预算合理性 15, 创新性 15: each of weight 1.
RUBRIC = Rubric(
    [
        Criterion("need", D(1), D(20)),
        Criterion("design", D(1), D(30)),
        Criterion("feasibility", D(1), D(20)),
        Criterion("budget", D(1), D(15)),
        Criterion("innovation", D(1), D(15)),
    ]
)
T0 = datetime(2025, 3, 1, 9, tzinfo=UTC)


def totals_sheets(project, totals, *, design=None):
    """One sheet per total (judges judge0, judge1, …), with 项目设计 points `design`."""
    design = design or [D(0)] * len(totals)
    return [
        Sheet(project, f"judge{index}", D(total), D(points))
        for index, (total, points) in enumerate(zip(totals, design, strict=True))
    ]


def test_rubric_total_sums_the_values():
    values = dict(
        zip(
            ["need", "design", "feasibility", "budget", "innovation"],
            [D(18), D(27), D(16), D(12), D("13.5")],
            strict=True,
        )
    )
    assert RUBRIC.maximum == D(100)
    assert RUBRIC.total(values) == D("86.50")


def test_rubric_total_counts_each_value_weight_times():
    rubric = Rubric(
        [
            Criterion("a", weight=D(2), maximum=D(10)),  # 7 of 10, twice → 14
            Criterion("b", weight=D("0.5"), maximum=D(30)),  # 25.5 of 30, half → 12.75
            Criterion("c", weight=D("1.25"), maximum=D(10)),  # 0.5 → 0.625, half up 0.63 alone
        ]
    )
    assert rubric.maximum == D("47.50")  # 20 + 15 + 12.5
    assert rubric.total({"a": D(7), "b": D("25.5"), "c": D("0.5")}) == D("27.38")  # 27.375
    assert rubric.points("c", D("0.5")) == D("0.63")


def test_rubric_total_counts_a_missing_criterion_as_zero():
    assert RUBRIC.total({"need": D(20), "design": D(30)}) == D("50.00")


def test_sheet_from_values_takes_the_heaviest_criterion_points():
    sheet = Sheet.from_values(
        RUBRIC, "P", "J", {"need": D(18), "design": D("27.5")}, heaviest="design"
    )
    assert (sheet.total, sheet.heaviest) == (D("45.50"), D("27.50"))


def test_trimmed_mean_of_five_drops_one_highest_and_one_lowest():
    # 72 and 95 dropped: (86 + 90 + 88) / 3 = 88
    assert aggregate([D(86), D(90), D(72), D(95), D(88)]) == D("88.00")


def test_trimmed_mean_drops_only_one_of_equal_extremes():
    # one 90 and the 70 dropped: (90 + 80 + 80) / 3 = 83.333…
    assert aggregate([D(90), D(90), D(80), D(80), D(70)]) == D("83.33")


def test_trimmed_mean_of_four_is_the_plain_mean():
    # (86 + 90 + 72 + 95) / 4 = 85.75
    assert aggregate([D(86), D(90), D(72), D(95)]) == D("85.75")


def test_trimmed_mean_of_seven_drops_only_two():
    # 60 and 99 dropped: (70 + 75 + 80 + 85 + 90) / 5 = 80
    assert aggregate([D(60), D(70), D(75), D(80), D(85), D(90), D(99)]) == D("80.00")


def test_mean_rounds_half_up_to_two_decimals():
    assert aggregate([D(80), D(81), D(81)], scoring.MEAN) == D("80.67")  # 242 / 3
    assert aggregate([D("80.01"), D("80.00")], scoring.MEAN) == D("80.01")  # 80.005


def test_median_of_odd_and_even_counts():
    assert aggregate([D(86), D(90), D(72)], scoring.MEDIAN) == D("86.00")
    # 72 86 | 90 95: (86 + 90) / 2
    assert aggregate([D(86), D(90), D(72), D(95)], scoring.MEDIAN) == D("88.00")


def test_aggregate_of_nothing_is_refused():
    with pytest.raises(ValueError):
        aggregate([])


NORMALISED_TOTALS = {
    # Judge A uses the whole scale, B a narrow band, C gives everyone 80.
    "P1": {"A": D(90), "B": D(72), "C": D(80)},
    "P2": {"A": D(50), "B": D(76), "C": D(80)},
    "P3": {"A": D(70), "B": D(71), "C": D(80)},
}


def test_normalised_scores_by_hand():
    # A: mean 70, σ = √(800/3) = 16.33 → z 1.2247, −1.2247, 0.
    # B: mean 73, σ = √(14/3) = 2.1602 → z −0.4629, 1.3887, −0.9258.
    # C: flat → 0, 0, 0.
    # Mean z: P1 0.25394, P2 0.05466, P3 −0.30861.
    # Panel: mean 669 / 9 = 74.333, σ = √(972 / 9) = √108 = 10.392.
    # P1 74.333 + 10.392 × 0.25394 = 76.97; P2 74.90; P3 71.13.
    assert normalised_aggregates(NORMALISED_TOTALS, scoring.MEAN) == {
        "P1": D("76.97"),
        "P2": D("74.90"),
        "P3": D("71.13"),
    }


def test_normalising_changes_the_order_a_wide_scale_imposed():
    sheets = [
        Sheet(project, judge, total)
        for project, judges in NORMALISED_TOTALS.items()
        for judge, total in judges.items()
    ]
    plain = rank_projects(sheets, method=scoring.MEAN)
    # (90+72+80)/3 = 80.67, (70+71+80)/3 = 73.67, (50+76+80)/3 = 68.67
    assert [(r.project, r.aggregate) for r in plain] == [
        ("P1", D("80.67")),
        ("P3", D("73.67")),
        ("P2", D("68.67")),
    ]
    normalised = rank_projects(sheets, method=scoring.MEAN, normalise=True)
    assert [(r.project, r.aggregate) for r in normalised] == [
        ("P1", D("76.97")),
        ("P2", D("74.90")),
        ("P3", D("71.13")),
    ]
    assert normalised[0].totals == {"A": D("90.00"), "B": D("72.00"), "C": D("80.00")}


def test_normalised_judge_with_flat_totals_contributes_zero():
    # Only a flat judge: every z is 0, every project maps to the panel's mean.
    totals = {"P1": {"A": D(80)}, "P2": {"A": D(80)}}
    assert normalised_aggregates(totals, scoring.MEAN) == {"P1": D("80.00"), "P2": D("80.00")}


def test_normalised_trimmed_mean_by_hand():
    # Five judges each score two projects; with two totals a judge's z is +1 and −1 (or 0, 0
    # when flat). j0–j2 prefer P1, j3 is flat, j4 prefers P2.
    # P1's z: 1, 1, 1, 0, −1 → trimmed (0, 1, 1) / 3 = 0.6667; P2's: −1, −1, −1, 0, 1 → −0.6667.
    totals = {
        "P1": {"j0": D(85), "j1": D(75), "j2": D(95), "j3": D(80), "j4": D(65)},
        "P2": {"j0": D(75), "j1": D(65), "j2": D(85), "j3": D(80), "j4": D(75)},
    }
    # Panel: mean 780 / 10 = 78; squares 49+9+289+4+169+9+169+49+4+9 = 760 → σ = √76 = 8.7178.
    # 78 ± 8.7178 × 2 / 3 = 78 ± 5.8119.
    assert normalised_aggregates(totals, scoring.TRIMMED_MEAN) == {
        "P1": D("83.81"),
        "P2": D("72.19"),
    }


def test_rank_breaks_a_tie_on_the_heaviest_criterion():
    # Both total 80 from every judge; A's judges gave 项目设计 25, B's 28.
    sheets = totals_sheets("A", [80, 80, 80], design=[25, 25, 25]) + totals_sheets(
        "B", [80, 80, 80], design=[28, 28, 28]
    )
    results = rank_projects(sheets, entries=[Entry("A", T0), Entry("B", T0 + timedelta(days=1))])
    assert [(r.project, r.rank, r.heaviest) for r in results] == [
        ("B", 1, D("28.00")),
        ("A", 2, D("25.00")),
    ]


def test_rank_heaviest_criterion_is_aggregated_as_the_totals_are():
    # Trimmed mean of 项目设计: A (10, 29, 29, 29, 30) → 29; B (28, 28, 28, 28, 28) → 28.
    # A mean would give A 25.4 and put B first.
    sheets = totals_sheets("A", [80] * 5, design=[10, 29, 29, 29, 30]) + totals_sheets(
        "B", [80] * 5, design=[28] * 5
    )
    results = rank_projects(sheets, entries=[Entry("B", T0), Entry("A", T0)])
    assert [(r.project, r.heaviest) for r in results] == [("A", D("29.00")), ("B", D("28.00"))]


def test_rank_breaks_a_remaining_tie_by_the_earlier_submission():
    sheets = totals_sheets("late", [80, 90], design=[25, 25]) + totals_sheets(
        "early", [85, 85], design=[25, 25]
    )
    results = rank_projects(
        sheets,
        entries=[Entry("late", T0 + timedelta(minutes=1)), Entry("early", T0)],
    )
    assert [(r.project, r.rank) for r in results] == [("early", 1), ("late", 2)]


def test_rank_shares_a_tie_the_rule_cannot_break():
    sheets = (
        totals_sheets("A", [90, 90])
        + totals_sheets("B", [80, 80])
        + totals_sheets("C", [80, 80])
        + totals_sheets("D", [70, 70])
    )
    entries = [Entry(project, T0) for project in "ABCD"]
    results = rank_projects(sheets, entries=entries, advance_count=2)
    assert [(r.project, r.rank, r.advances) for r in results] == [
        ("A", 1, True),
        ("B", 2, True),
        ("C", 2, True),  # tied at the cut-off: both go through
        ("D", 4, False),
    ]


def test_rank_tie_rule_of_the_round_is_followed():
    # Heaviest criterion alone: the earlier submission does not count.
    sheets = totals_sheets("A", [80], design=[20]) + totals_sheets("B", [80], design=[20])
    entries = [Entry("A", T0 + timedelta(hours=1)), Entry("B", T0)]
    results = rank_projects(sheets, entries=entries, tie_rule=[HEAVIEST_CRITERION])
    assert [(r.project, r.rank) for r in results] == [("A", 1), ("B", 1)]
    results = rank_projects(sheets, entries=entries, tie_rule=[EARLIEST_SUBMISSION])
    assert [(r.project, r.rank) for r in results] == [("B", 1), ("A", 2)]


def test_rank_compares_the_scores_shown_not_hidden_decimals():
    # 80.004 and 80.001 both show 80.00: tied, so the heaviest criterion decides.
    sheets = [Sheet("A", "j", D("80.004"), D(30)), Sheet("B", "j", D("80.001"), D(29))]
    results = rank_projects(sheets)
    assert [(r.project, r.aggregate, r.rank) for r in results] == [
        ("A", D("80.00"), 1),
        ("B", D("80.00"), 2),
    ]


def test_advancing_takes_the_top_advance_count():
    sheets = [
        s for p, t in zip("ABCDE", [91, 85, 77, 60, 88], strict=True) for s in totals_sheets(p, [t])
    ]
    results = rank_projects(sheets, advance_count=3)
    assert [(r.project, r.rank, r.advances) for r in results] == [
        ("A", 1, True),
        ("E", 2, True),
        ("B", 3, True),
        ("C", 4, False),
        ("D", 5, False),
    ]


def test_rank_lists_unscored_entries_last_without_rank():
    sheets = totals_sheets("A", [70])
    results = rank_projects(sheets, entries=[Entry("B", T0), Entry("A", T0)], advance_count=5)
    assert [(r.project, r.aggregate, r.rank, r.advances) for r in results] == [
        ("A", D("70.00"), 1, True),
        ("B", None, None, False),
    ]
    assert results[1].totals == {}


def test_rank_five_judges_trimmed_and_four_plain():
    sheets = totals_sheets("five", [86, 90, 72, 95, 88]) + totals_sheets("four", [86, 90, 72, 95])
    results = rank_projects(sheets)
    assert [(r.project, r.aggregate) for r in results] == [
        ("five", D("88.00")),
        ("four", D("85.75")),
    ]


def test_unknown_method_or_breaker_is_refused():
    with pytest.raises(ValueError):
        rank_projects([], method="max")
    with pytest.raises(ValueError):
        rank_projects(totals_sheets("A", [1]) + totals_sheets("B", [1]), tie_rule=["x"])


def consistency_panel():
    """Five projects; B, C and D within 2 points of each project's level, A 10 above it."""
    level = {"P1": 80, "P2": 70, "P3": 60, "P4": 85, "P5": 75}
    noise = {"B": [1, -1, 0, 2, -2], "C": [-1, 0, 1, -2, 2], "D": [0, 1, -1, 0, 0]}
    totals = {}
    for index, (project, base) in enumerate(level.items()):
        totals[project] = {"A": D(base + 10)} | {
            judge: D(base + offsets[index]) for judge, offsets in noise.items()
        }
    return totals


def test_consistency_flags_a_lenient_judge():
    report = consistency(consistency_panel())
    by_judge = {line.judge: line for line in report.judges}
    # A's difference from the others' mean is 10 on every project; each other judge's is −10/3
    # plus their noise, which averages out to −3.33.
    assert (by_judge["A"].mean, by_judge["A"].offset, by_judge["A"].flags) == (
        D("84.00"),
        D("10.00"),
        (HIGH,),
    )
    assert by_judge["A"].z == D("3.76")
    assert [(j, by_judge[j].offset, by_judge[j].flags) for j in "BCD"] == [
        ("B", D("-3.33"), ()),
        ("C", D("-3.33"), ()),
        ("D", D("-3.33"), ()),
    ]
    assert (report.mean, report.spread) == (D("76.50"), D("9.69"))


def test_consistency_flags_a_harsh_and_a_flat_judge():
    totals = consistency_panel()
    for project in totals:
        totals[project]["A"] -= 20  # now 10 under the level
        totals[project]["E"] = D(75)  # the same for everyone
    by_judge = {line.judge: line for line in consistency(totals).judges}
    assert by_judge["A"].flags == (LOW,)
    assert by_judge["E"].flags == (NARROW,)
    assert by_judge["E"].spread == D("0.00")


def test_consistency_does_not_flag_a_small_systematic_offset():
    # A is 2 above the others everywhere: systematic (|z| large), but under 5 points of 100.
    totals = {f"P{n}": {"A": D(72), "B": D(70), "C": D(70)} for n in range(10)}
    by_judge = {line.judge: line for line in consistency(totals).judges}
    assert by_judge["A"].offset == D("2.00")
    assert by_judge["A"].flags == ()


def test_consistency_of_nothing():
    report = consistency({})
    assert (report.mean, report.judges) == (None, [])
