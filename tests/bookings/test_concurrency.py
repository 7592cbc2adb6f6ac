"""A cohort never holds more seats than its capacity, however many register at once.

On PostgreSQL, threads with their own connections register at the same moment; a control run
without the cohort lock shows the race the lock prevents. SQLite's test database is in memory
with a shared cache, where concurrent writers fail with "database table is locked" whatever the
code does, so the SQLite tests copy it to a file and register from separate processes, as
gunicorn workers would.
"""

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections

from bookings.models import Registration, RegistrationGroup
from bookings.services import Applicant, BookingError, GroupContact, cancel_registration, register

from .factories import CohortFactory, mobile, register_trainees

# serialized_rollback: each test's flush would otherwise take the migrations' root page with it.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]

UNIT = GroupContact(unit="芝罘区向阳街道党工委", contact_name="王老师", contact_phone=mobile(9999))


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent transactions on PostgreSQL (DATABASE_URL=postgres://…)")


@pytest.fixture
def sqlite():
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite flow runs only against SQLite")


def applicant(serial: int) -> Applicant:
    return Applicant(name=f"学员{serial}", phone=mobile(serial), unit="芝罘区向阳街道党工委")


def outcome(work) -> str:
    """What one attempt came to: the status registered, or the refusal's class."""
    try:
        registrations = work()
    except BookingError as error:
        return type(error).__name__
    return ",".join(sorted({registration.status for registration in registrations}))


def run_together(count: int, work, *, timeout: float = 60) -> list[str]:
    """Run work(index) in `count` threads, each with its own connection, released at once."""
    start = threading.Barrier(count, timeout=timeout)
    results: list[str] = [""] * count

    def run(index: int) -> None:
        try:
            start.wait()
            results[index] = outcome(lambda: work(index))
        except Exception as error:  # noqa: BLE001 - reported in the assertion
            results[index] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert [thread for thread in threads if thread.is_alive()] == []
    return results


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
DRIVER = """
import json, multiprocessing, sys, traceback
import django

django.setup()
from django.db import connection, connections
from bookings.services import Applicant, BookingError, GroupContact, register


def attempt(job, barrier, results, index):
    try:
        connection.ensure_connection()
        barrier.wait(timeout=60)
        applicants = [Applicant(name="学员", phone=phone, unit="单位") for phone in job["phones"]]
        group = GroupContact("单位", "王老师", "13999999999") if job["group"] else None
        try:
            registrations = register(job["cohort"], applicants=applicants, group=group)
        except BookingError as error:
            outcome = type(error).__name__
        else:
            outcome = ",".join(sorted({r.status for r in registrations}))
    except Exception as error:
        traceback.print_exc()
        outcome = repr(error)
    finally:
        connections.close_all()
    results.put((index, outcome))


jobs = json.load(sys.stdin)
connections.close_all()
context = multiprocessing.get_context("fork")
barrier, results = context.Barrier(len(jobs)), context.Queue()
processes = [
    context.Process(target=attempt, args=(job, barrier, results, index))
    for index, job in enumerate(jobs)
]
for process in processes:
    process.start()
outcomes = dict(results.get(timeout=120) for _job in jobs)
for process in processes:
    process.join()
print(json.dumps([outcomes[index] for index in range(len(jobs))]))
sys.exit(max(process.exitcode for process in processes))
"""


def copy_test_database(path: Path) -> None:
    """Write the in-memory test database, committed rows and all, to a file."""
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()


def run_workers(path: Path, jobs: list[dict]) -> tuple[list[str], str]:
    """Run the jobs in concurrent processes on the SQLite file; their outcomes and stderr."""
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{path}",
        "DJANGO_SETTINGS_MODULE": "academy.settings.test",
    }
    finished = subprocess.run(
        [sys.executable, "-c", DRIVER],
        cwd=settings.BASE_DIR,
        env=env,
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout), finished.stderr


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

    results, errors = run_workers(path, jobs)

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

    results, errors = run_workers(path, jobs)

    assert "database is locked" not in errors
    assert Counter(results) == {"confirmed": 3, "CohortFull": 7}
    assert file_statuses(path) == {"confirmed": 9}
    assert file_group_sizes(path) == [3, 3, 3]
