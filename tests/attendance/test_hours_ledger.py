"""The study-hours ledger (学时台账) on hand-computed cases: what each attendance earns under
its programme's rule, cancelled sessions left out, and the totals per cohort and per year."""

from decimal import Decimal

import pytest

from attendance.models import AttendanceRule
from attendance.results.hours import (
    format_hours,
    hours_by_cohort,
    hours_by_year,
    ledger_entries,
    total_hours,
    trainee_ledger,
)
from tests.attendance.results_fixtures import (
    Status,
    cohort,
    local,
    mark,
    programme,
    session,
    trainee,
)
from tests.bookings.factories import mobile

pytestmark = pytest.mark.django_db

LateCredit = AttendanceRule.LateCredit
PHONE = mobile(1)


@pytest.fixture
def two_cohorts(programmes):
    """One trainee (by phone) in two cohorts of two programmes, a year apart.

    2025, 书记班 (late earns half), sessions of 2, 3, 2.5, 1 and 2 hours and a cancelled 4:
      present 2 + late 3/2 + late 2.5/2 + excused 0 + absent 0 (+ cancelled, present: nothing)
      = 2 + 1.5 + 1.25 = 4.75 hours, 3 sessions attended;
    2026, 社区班 (no rule: the default, late earns all), a 3-hour session at 00:30 on New
      Year's Day (still 2025 in UTC) and a 2-hour one: late 3 + present 2 = 5 hours.
    In all 9.75 hours. Another trainee of the first cohort is in no line of theirs.
    """
    first = cohort(programme("书记班", late_credit=LateCredit.HALF), "2025年第1期")
    second = cohort(programme("社区班"), "2026年第1期")
    zhang_2025 = trainee(first, name="张晓明", phone=PHONE)
    zhang_2026 = trainee(second, name="张晓明", phone=PHONE)
    other = trainee(first, name="李华", phone=mobile(2))
    s = [
        session(first, local(2025, 6, 2), "2.0"),
        session(first, local(2025, 6, 3), "3.0"),
        session(first, local(2025, 6, 4), "2.5"),
        session(first, local(2025, 6, 5), "1.0"),
        session(first, local(2025, 6, 6), "2.0"),
        session(first, local(2025, 6, 7), "4.0", cancelled=True),
    ]
    statuses = [
        Status.PRESENT,
        Status.LATE,
        Status.LATE,
        Status.EXCUSED,
        Status.ABSENT,
        Status.PRESENT,
    ]
    for one, status in zip(s, statuses, strict=True):
        mark(one, zhang_2025, status)
    mark(s[0], other, Status.PRESENT)
    new_year = session(second, local(2026, 1, 1, 0, 30), "3.0")
    mark(new_year, zhang_2026, Status.LATE)
    mark(session(second, local(2026, 1, 2), "2.0"), zhang_2026, Status.PRESENT)
    return {"first": first, "second": second, "sessions": s}


def test_ledger_lines_earn_what_the_rule_credits(two_cohorts):
    entries = ledger_entries(phone=PHONE)

    assert [(str(e.session.study_hours), e.status, e.credited_hours) for e in entries] == [
        ("2.0", Status.PRESENT, Decimal("2.00")),
        ("3.0", Status.LATE, Decimal("1.50")),
        ("2.5", Status.LATE, Decimal("1.25")),
        ("1.0", Status.EXCUSED, Decimal("0.00")),
        ("2.0", Status.ABSENT, Decimal("0.00")),
        ("3.0", Status.LATE, Decimal("3.00")),
        ("2.0", Status.PRESENT, Decimal("2.00")),
    ]


def test_ledger_leaves_out_cancelled_sessions_and_other_trainees(two_cohorts):
    cancelled = two_cohorts["sessions"][5]

    assert not ledger_entries(phone=PHONE).filter(session=cancelled).exists()
    assert {e.registration.phone for e in ledger_entries(phone=PHONE)} == {PHONE}
    assert ledger_entries(phone=mobile(2)).count() == 1


def test_totals_per_cohort_per_year_and_overall(two_cohorts):
    entries = ledger_entries(phone=PHONE)

    by_cohort = hours_by_cohort(entries)
    by_year = hours_by_year(entries)

    assert [(t.cohort, t.hours, t.attended) for t in by_cohort] == [
        (two_cohorts["first"], Decimal("4.75"), 3),
        (two_cohorts["second"], Decimal("5.00"), 2),
    ]
    # 00:30 on 1 January 2026 in Yantai is 2026, though it is still 2025 in UTC.
    assert [(t.year, t.hours, t.attended) for t in by_year] == [
        (2025, Decimal("4.75"), 3),
        (2026, Decimal("5.00"), 2),
    ]
    assert total_hours(entries) == Decimal("9.75")


def test_trainee_ledger_of_one_year(two_cohorts):
    ledger = trainee_ledger(PHONE, year=2026)

    assert ledger.total == Decimal("5.00")
    assert len(ledger.entries) == 2
    assert [t.cohort for t in ledger.by_cohort] == [two_cohorts["second"]]


def test_a_trainee_without_attendance_has_no_hours(two_cohorts):
    ledger = trainee_ledger(mobile(99))

    assert (ledger.entries, ledger.by_cohort, ledger.by_year, ledger.total) == (
        [],
        [],
        [],
        Decimal("0.00"),
    )


@pytest.mark.parametrize("credit", list(LateCredit))
@pytest.mark.parametrize("status", list(Status))
def test_sql_credit_agrees_with_the_rule_model(programmes, credit, status):
    rule_programme = programme(late_credit=credit)
    group = cohort(rule_programme)
    registration = trainee(group)
    one = session(group, local(2026, 5, 6), "2.5")
    mark(one, registration, status)

    [entry] = ledger_entries(registration=registration)

    rule = AttendanceRule.for_programme(rule_programme)
    assert entry.credited_hours == rule.credited_hours(Decimal("2.5"), status)


@pytest.mark.parametrize(
    ("hours", "text"),
    [
        (Decimal("32.00"), "32"),
        (Decimal("32.50"), "32.5"),
        (Decimal("1.25"), "1.25"),
        (Decimal("0.00"), "0"),
        (Decimal("10"), "10"),
    ],
)
def test_hours_are_written_without_trailing_zeros(hours, text):
    assert format_hours(hours) == text
