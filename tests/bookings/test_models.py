"""The cohort's rules, asked by its pages, the API and the services alike."""

import datetime

import pytest
from django.utils import timezone

from bookings.models import Cohort, Registration
from bookings.services import CohortFull, cancel_registration, decide_status

from .factories import CohortFactory, register_trainees

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
MICROSECOND = datetime.timedelta(microseconds=1)
Status = Registration.Status


def today() -> datetime.date:
    return timezone.localdate()


# Finished


@pytest.mark.parametrize(
    ("ends_in_days", "finished"),
    [(-2, True), (-1, True), (0, False), (1, False)],
)
def test_cohort_is_finished_once_its_last_day_is_before_today(programme, ends_in_days, finished):
    cohort = CohortFactory(
        programme=programme,
        starts_on=today() - 5 * DAY,
        ends_on=today() + ends_in_days * DAY,
    )

    assert cohort.is_finished is finished


@pytest.mark.parametrize(
    ("utc_now", "finished"),
    [
        # 23:59:59 on 1 July in Yantai: the cohort's last day is not over.
        (datetime.datetime(2026, 7, 1, 15, 59, 59, tzinfo=datetime.UTC), False),
        # 00:00 on 2 July in Yantai, still 1 July in UTC.
        (datetime.datetime(2026, 7, 1, 16, 0, tzinfo=datetime.UTC), True),
    ],
)
def test_cohort_is_finished_counts_days_in_asia_shanghai(monkeypatch, utc_now, finished):
    cohort = Cohort(starts_on=datetime.date(2026, 6, 29), ends_on=datetime.date(2026, 7, 1))
    monkeypatch.setattr(timezone, "now", lambda: utc_now)

    with timezone.override(datetime.UTC):
        assert cohort.is_finished is finished


def test_cohort_queryset_unfinished_keeps_a_cohort_ending_today(programme):
    ended_yesterday = CohortFactory(
        programme=programme, starts_on=today() - 3 * DAY, ends_on=today() - DAY
    )
    ends_today = CohortFactory(programme=programme, starts_on=today() - 3 * DAY, ends_on=today())
    upcoming = CohortFactory(programme=programme)

    unfinished = Cohort.objects.unfinished()

    assert sorted(unfinished.values_list("pk", flat=True)) == [ends_today.pk, upcoming.pk]
    assert (ended_yesterday.is_finished, ends_today.is_finished) == (True, False)


# The registration window


def test_cohort_accepts_registrations_from_its_opening_until_just_before_its_closing(programme):
    cohort = CohortFactory(programme=programme)
    opens, closes = cohort.registration_opens_at, cohort.registration_closes_at

    assert [
        cohort.accepts_registrations(opens - MICROSECOND),
        cohort.accepts_registrations(opens),
        cohort.accepts_registrations(closes - MICROSECOND),
        cohort.accepts_registrations(closes),
    ] == [False, True, True, False]


def test_cohort_accepts_registrations_now_by_default(programme):
    now = timezone.now()
    open_now = CohortFactory(programme=programme)
    closed = CohortFactory(
        programme=programme,
        registration_opens_at=now - 10 * DAY,
        registration_closes_at=now - DAY,
    )

    assert (open_now.accepts_registrations(), closed.accepts_registrations()) == (True, False)


def test_cohort_registration_not_yet_open_until_its_opening(programme):
    cohort = CohortFactory(programme=programme)
    opens, closes = cohort.registration_opens_at, cohort.registration_closes_at

    assert [
        cohort.registration_not_yet_open(opens - MICROSECOND),
        cohort.registration_not_yet_open(opens),
        cohort.registration_not_yet_open(closes),
    ] == [True, False, False]


# The status of a new registration


@pytest.mark.parametrize(
    ("cohort_fields", "count", "seats_taken", "waiting", "status"),
    [
        ({}, 1, 0, 0, Status.CONFIRMED),
        ({}, 1, 9, 0, Status.CONFIRMED),
        ({}, 3, 7, 0, Status.CONFIRMED),
        ({"requires_approval": True}, 1, 9, 0, Status.PENDING),
        ({}, 1, 10, 0, Status.WAITLISTED),
        ({}, 2, 9, 0, Status.WAITLISTED),
        ({}, 1, 10, 500, Status.WAITLISTED),
        ({"waitlist_enabled": False}, 1, 9, 0, Status.CONFIRMED),
        ({"waitlist_enabled": False}, 1, 10, 0, None),
        ({"waitlist_enabled": False}, 2, 9, 0, None),
        ({"waitlist_capacity": 2}, 1, 10, 1, Status.WAITLISTED),
        ({"waitlist_capacity": 2}, 1, 10, 2, None),
        ({"waitlist_capacity": 2}, 2, 10, 0, Status.WAITLISTED),
        ({"waitlist_capacity": 2}, 3, 10, 0, None),
        ({"waitlist_capacity": 0}, 1, 10, 0, None),
        ({"requires_approval": True, "waitlist_capacity": 0}, 1, 10, 0, None),
    ],
)
def test_cohort_status_for_new_registrations(cohort_fields, count, seats_taken, waiting, status):
    cohort = Cohort(capacity=10, **cohort_fields)

    assert cohort.status_for_new(count, seats_taken=seats_taken, waiting=waiting) == status


def test_cohort_status_for_new_registrations_counts_one_by_default():
    cohort = Cohort(capacity=1, waitlist_enabled=False)

    assert cohort.status_for_new(seats_taken=0, waiting=0) == Status.CONFIRMED
    assert cohort.status_for_new(seats_taken=1, waiting=0) is None


def test_decide_status_raises_cohort_full_where_the_cohort_says_full():
    cohort = Cohort(capacity=2, waitlist_enabled=False)

    assert decide_status(cohort, 2, 0, 0) == Status.CONFIRMED
    with pytest.raises(CohortFull):
        decide_status(cohort, 1, 2, 0)


def with_seats(cohort) -> Cohort:
    return Cohort.objects.with_seats().get(pk=cohort.pk)


def test_cohort_queryset_with_seats_counts_held_seats_and_the_waiting_list(programme):
    cohort = CohortFactory(programme=programme, capacity=2, requires_approval=True)
    [pending, _other, _waiting, cancelled] = register_trainees(cohort, 4)
    cancel_registration(cancelled)
    cancel_registration(pending)

    annotated = with_seats(cohort)

    assert (annotated.seats_taken, annotated.waitlisted, annotated.seats_left) == (2, 0, 0)
    assert annotated.programme == programme


@pytest.mark.parametrize(
    ("cohort_fields", "registered", "seats_left", "status"),
    [
        ({"capacity": 2}, 0, 2, Status.CONFIRMED),
        ({"capacity": 2}, 1, 1, Status.CONFIRMED),
        ({"capacity": 2, "requires_approval": True}, 1, 1, Status.PENDING),
        ({"capacity": 2}, 2, 0, Status.WAITLISTED),
        ({"capacity": 2, "waitlist_capacity": 1}, 2, 0, Status.WAITLISTED),
        ({"capacity": 2, "waitlist_capacity": 1}, 3, 0, None),
        ({"capacity": 2, "waitlist_enabled": False}, 2, 0, None),
    ],
)
def test_cohort_new_registration_status_reads_the_seat_counts(
    programme, cohort_fields, registered, seats_left, status
):
    cohort = CohortFactory(programme=programme, **cohort_fields)
    register_trainees(cohort, registered)

    annotated = with_seats(cohort)

    assert (annotated.seats_left, annotated.new_registration_status) == (seats_left, status)


def test_cohort_seats_left_is_never_negative(programme):
    cohort = CohortFactory(programme=programme, capacity=3)
    register_trainees(cohort, 3)
    Cohort.objects.filter(pk=cohort.pk).update(capacity=1)

    annotated = with_seats(cohort)

    assert (annotated.seats_taken, annotated.seats_left) == (3, 0)
