"""A cohort never holds more seats than its capacity, however many register at once.

On PostgreSQL, threads with their own connections register at the same moment; a control run
without the cohort lock shows the race the lock prevents. SQLite's test database is in memory
with a shared cache, where concurrent writers fail with "database table is locked" whatever the
code does, so the SQLite tests copy it to a file and register from separate processes, as
gunicorn workers would (tests/concurrency.py runs both).
"""

import contextlib
import sqlite3
import threading
from collections import Counter
from pathlib import Path

import pytest

from bookings.models import Registration, RegistrationGroup
from bookings.services import Applicant, BookingError, GroupContact, cancel_registration, register
from tests import concurrency
from tests.concurrency import copy_test_database, run_in_processes

from .factories import CohortFactory, mobile, register_trainees

# serialized_rollback: each test's flush would otherwise take the migrations' root page with it.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]

UNIT = GroupContact(unit="芝罘区向阳街道党工委", contact_name="王老师", contact_phone=mobile(9999))


def applicant(serial: int) -> Applicant:
    return Applicant(name=f"学员{serial}", phone=mobile(serial), unit="芝罘区向阳街道党工委")


def run_together(count: int, work) -> list[str]:
    """Run work(index) at once in `count` threads; what each registered, or its refusal."""

    def registered(index: int) -> str:
        return ",".join(sorted({registration.status for registration in work(index)}))

    return concurrency.run_together(count, registered, refusals=(BookingError,))


def statuses_in_database() -> dict[str, int]:
    return dict(Counter(Registration.objects.values_list("status", flat=True)))


def group_sizes() -> list[int]:
    return sorted(Counter(Registration.objects.values_list("group_id", flat=True)).values())


# PostgreSQL: threads


@pytest.mark.postgres
def test_concurrent_registrations_never_oversell(postgres, programme):
    cohort = CohortFactory(programme=programme, capacity=10)

    results = run_together(
        50, lambda index: register(cohort.pk, applicants=[applicant(1000 + index)])
    )

    assert Counter(results) == {"confirmed": 10, "waitlisted": 40}
    assert statuses_in_database() == {"confirmed": 10, "waitlisted": 40}


@pytest.mark.postgres
def test_concurrent_registrations_without_the_lock_oversell(postgres, programme):
    """The control: with every count taken before any write, all of them see free seats."""
    cohort = CohortFactory(programme=programme, capacity=10)
    counted = threading.Barrier(50, timeout=10)

    def after_count():
        # A thread that times out here still writes: the race only needs most to have counted.
        with contextlib.suppress(threading.BrokenBarrierError):
            counted.wait()

    results = run_together(
        50,
        lambda index: register(
            cohort.pk, applicants=[applicant(1000 + index)], lock=False, after_count=after_count
        ),
    )

    assert set(results) <= {"confirmed", "waitlisted"}
    assert statuses_in_database()["confirmed"] > 10


@pytest.mark.postgres
def test_concurrent_groups_get_seats_whole_or_not_at_all(postgres, programme):
    cohort = CohortFactory(programme=programme, capacity=10, waitlist_enabled=False)

    results = run_together(
        10,
        lambda index: register(
            cohort.pk,
            applicants=[applicant(1000 + 10 * index + n) for n in range(3)],
            group=UNIT,
        ),
    )

    assert Counter(results) == {"confirmed": 3, "CohortFull": 7}
    assert statuses_in_database() == {"confirmed": 9}
    assert group_sizes() == [3, 3, 3]
    assert RegistrationGroup.objects.count() == 3


@pytest.mark.postgres
def test_concurrent_registrations_of_one_phone_register_it_once(postgres, programme):
    cohort = CohortFactory(programme=programme, capacity=10)

    results = run_together(10, lambda _index: register(cohort.pk, applicants=[applicant(7)]))

    assert Counter(results) == {"confirmed": 1, "AlreadyRegistered": 9}
    assert statuses_in_database() == {"confirmed": 1}


@pytest.mark.postgres
def test_concurrent_cancellations_and_registrations_keep_the_seats_full(postgres, programme):
    cohort = CohortFactory(programme=programme, capacity=10)
    seated = register_trainees(cohort, 10)
    register_trainees(cohort, 5)

    def work(index: int):
        if index < 5:
            cancel_registration(seated[index])
            return []
        return register(cohort.pk, applicants=[applicant(2000 + index)])

    results = run_together(25, work)

    assert Counter(results) == {"": 5, "waitlisted": 20}
    assert statuses_in_database() == {"confirmed": 10, "cancelled": 5, "waitlisted": 20}


# SQLite: processes on a file database, as gunicorn workers would run

# Sets Django up once, then forks one process per job; each connects, waits for the others on
# a barrier, registers, and reports what came of it. Prints the outcomes as a JSON list.
# Registers one job (its phones, alone or as a group) in a process of its own.
DRIVER = """
from bookings.services import Applicant, BookingError, GroupContact, register


def attempt(job):
    applicants = [Applicant(name="学员", phone=phone, unit="单位") for phone in job["phones"]]
    group = GroupContact("单位", "王老师", "13999999999") if job["group"] else None
    try:
        registrations = register(job["cohort"], applicants=applicants, group=group)
    except BookingError as error:
        return type(error).__name__
    return ",".join(sorted({r.status for r in registrations}))
"""


def file_statuses(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as database:
        rows = database.execute(
            "SELECT status, COUNT(*) FROM bookings_registration GROUP BY status"
        ).fetchall()
    return dict(rows)


def file_group_sizes(path: Path) -> list[int]:
    with sqlite3.connect(path) as database:
        rows = database.execute(
            "SELECT COUNT(*) FROM bookings_registration GROUP BY group_id"
        ).fetchall()
    return sorted(count for (count,) in rows)


def test_sqlite_concurrent_registrations_never_oversell(sqlite, programme, tmp_path):
    cohort = CohortFactory(programme=programme, capacity=10)
    path = tmp_path / "academy.sqlite3"
    copy_test_database(path)
    jobs = [{"cohort": cohort.pk, "phones": [mobile(1000 + n)], "group": False} for n in range(20)]

    results, errors = run_in_processes(path, DRIVER, jobs)

    assert "database is locked" not in errors
    assert Counter(results) == {"confirmed": 10, "waitlisted": 10}
    assert file_statuses(path) == {"confirmed": 10, "waitlisted": 10}


def test_sqlite_concurrent_groups_get_seats_whole_or_not_at_all(sqlite, programme, tmp_path):
    cohort = CohortFactory(programme=programme, capacity=10, waitlist_enabled=False)
    path = tmp_path / "academy.sqlite3"
    copy_test_database(path)
    jobs = [
        {
            "cohort": cohort.pk,
            "phones": [mobile(1000 + 10 * n + i) for i in range(3)],
            "group": True,
        }
        for n in range(10)
    ]

    results, errors = run_in_processes(path, DRIVER, jobs)

    assert "database is locked" not in errors
    assert Counter(results) == {"confirmed": 3, "CohortFull": 7}
    assert file_statuses(path) == {"confirmed": 9}
    assert file_group_sizes(path) == [3, 3, 3]
