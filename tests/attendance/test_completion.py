"""The completion rule (结业) on hand-computed cases: exactly the percentage, cancelled sessions,
half credit for lateness, unexcused absences marked or unrecorded, and who is eligible."""

from decimal import Decimal

import pytest

from attendance.models import AttendanceRule
from attendance.results.completion import cohort_completions, registration_completion
from bookings.services import cancel_registration
from tests.attendance.results_fixtures import (
    Status,
    cohort,
    local,
    mark,
    programme,
    session,
    staff_user,
    trainee,
)
from tests.bookings.factories import mobile

pytestmark = pytest.mark.django_db

LateCredit = AttendanceRule.LateCredit
AFTER = local(2026, 12, 31)


def one_trainee(hours: list[str], statuses: list[str | None], **rule):
    """A cohort with sessions of `hours` and one trainee marked `statuses` (None: no record)."""
    group = cohort(programme(**rule))
    registration = trainee(group)
    for day, (length, status) in enumerate(zip(hours, statuses, strict=True)):
        one = session(group, local(2026, 4, 1 + day), length)
        if status:
            mark(one, registration, status)
    return registration


def test_the_fixture_cohort_by_hand(completed_cohort):
    completions = cohort_completions(completed_cohort["cohort"], at=AFTER)

    assert [
        (c.registration.name, c.hours, c.scheduled_hours, c.percent, c.unexcused_absences)
        for c in completions
    ] == [
        ("张晓明", Decimal("8.00"), Decimal("10.00"), Decimal("80.0"), 0),
        ("李华", Decimal("8.00"), Decimal("10.00"), Decimal("80.0"), 0),
        ("王芳", Decimal("8.00"), Decimal("10.00"), Decimal("80.0"), 1),
    ]
    assert [c.completes for c in completions] == [True, True, False]
    assert [(c.attended, c.excused) for c in completions] == [(4, 1), (5, 0), (4, 0)]


def test_exactly_the_percentage_completes(programmes):
    # 4 of 5 two-hour sessions, the fifth excused: 8 / 10 = 80 %.
    registration = one_trainee(["2.0"] * 5, [Status.PRESENT] * 4 + [Status.EXCUSED])

    completion = registration_completion(registration, at=AFTER)

    assert (completion.hours, completion.percent) == (Decimal("8.00"), Decimal("80.0"))
    assert completion.completes


def test_a_hair_below_the_percentage_does_not(programmes):
    # 8 of 10 hours is 80 %, one point short of an 81 % rule.
    registration = one_trainee(
        ["2.0"] * 5, [Status.PRESENT] * 4 + [Status.EXCUSED], completion_percent=81
    )

    assert not registration_completion(registration, at=AFTER).completes


@pytest.mark.parametrize(
    ("credit", "hours", "completes"),
    [
        (LateCredit.FULL, Decimal("10.00"), True),
        (LateCredit.HALF, Decimal("8.00"), True),  # 4 + 4/2 + 2 = 8 of 10: exactly 80 %
        (LateCredit.NONE, Decimal("6.00"), False),  # 4 + 0 + 2 = 6 of 10: 60 %
    ],
)
def test_half_credit_for_lateness(programmes, credit, hours, completes):
    registration = one_trainee(
        ["4.0", "4.0", "2.0"], [Status.PRESENT, Status.LATE, Status.PRESENT], late_credit=credit
    )

    completion = registration_completion(registration, at=AFTER)

    assert (completion.hours, completion.completes) == (hours, completes)


def test_a_cancelled_session_counts_neither_way(programmes):
    # Four 2-hour sessions held (8 h scheduled) and a cancelled one the trainee was marked
    # absent from and another they attended: 8 / 8 = 100 %, no unexcused absence.
    group = cohort(programme())
    registration = trainee(group)
    for day in range(4):
        mark(session(group, local(2026, 4, 1 + day), "2.0"), registration, Status.PRESENT)
    mark(session(group, local(2026, 4, 6), "2.0", cancelled=True), registration, Status.ABSENT)
    mark(session(group, local(2026, 4, 7), "3.0", cancelled=True), registration, Status.PRESENT)

    completion = registration_completion(registration, at=AFTER)

    assert (completion.hours, completion.scheduled_hours) == (Decimal("8.00"), Decimal("8.00"))
    assert completion.unexcused_absences == 0
    assert completion.completes


def test_a_held_session_without_any_record_is_an_unexcused_absence(programmes):
    # 9 of 10 hours, but nobody recorded the trainee at the last session.
    registration = one_trainee(["2.0", "2.0", "2.0", "3.0", "1.0"], [Status.PRESENT] * 4 + [None])

    completion = registration_completion(registration, at=AFTER)

    assert (completion.percent, completion.unexcused_absences) == (Decimal("90.0"), 1)
    assert not completion.completes


def test_a_session_still_to_come_is_no_absence(programmes):
    registration = one_trainee(["2.0"] * 5, [Status.PRESENT] * 4 + [None])

    # On 4 April, after the fourth session and before the fifth (5 April, 9:00–11:00).
    completion = registration_completion(registration, at=local(2026, 4, 4, 12))

    assert completion.unexcused_absences == 0
    assert completion.completes  # 8 of the 10 scheduled hours


def test_unexcused_absences_allowed_by_the_programme(programmes):
    registration = one_trainee(
        ["2.0"] * 5, [Status.PRESENT] * 4 + [Status.ABSENT], allow_unexcused_absence=True
    )

    completion = registration_completion(registration, at=AFTER)

    assert completion.unexcused_absences == 1
    assert completion.completes


def test_a_cohort_without_scheduled_hours_completes_nobody(programmes):
    group = cohort(programme())
    registration = trainee(group)
    mark(session(group, local(2026, 4, 1), "2.0", cancelled=True), registration, Status.PRESENT)

    completion = registration_completion(registration, at=AFTER)

    assert (completion.scheduled_hours, completion.percent) == (Decimal("0.00"), Decimal("0.0"))
    assert not completion.completes


def test_only_confirmed_registrations_are_considered(completed_cohort):
    cancel_registration(completed_cohort["li"], by=staff_user())
    group = completed_cohort["cohort"]
    # A trainee on the waiting list is not listed either.
    group.capacity = 2
    group.save()
    trainee(group, name="赵强", phone=mobile(4))

    names = [c.registration.name for c in cohort_completions(group, at=AFTER)]

    assert names == ["张晓明", "王芳"]
    completed_cohort["li"].refresh_from_db()
    li = registration_completion(completed_cohort["li"], at=AFTER)
    assert (li.hours, li.meets_hours, li.completes) == (Decimal("8.00"), True, False)


def test_completions_take_a_constant_number_of_queries(completed_cohort, django_assert_num_queries):
    group = completed_cohort["cohort"]
    group.programme.attendance_rule  # noqa: B018 - the programme's rule, cached on it

    with django_assert_num_queries(4):
        completions = cohort_completions(group, at=AFTER)

    assert len(completions) == 3
