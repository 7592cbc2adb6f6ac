"""Two staff saving clashing sessions at the same instant never both succeed.

On PostgreSQL, threads with their own connections save at the same moment: the first through
the check holds the lecturer, base or room while the other waits for it, and a control run
without the locks shows the race they prevent. A room is locked at its place, so a room of the
same name at another place does not wait. A staff member saving in the admin while
another writer holds the lock gets the usual form error. On SQLite the IMMEDIATE transaction
is the lock; the SQLite test copies the in-memory test database to a file and saves from
separate processes, as gunicorn workers would (see tests/bookings/test_concurrency.py).
"""

import contextlib
import datetime
import functools
import sqlite3
import threading
import time
from collections import Counter

import pytest
from django.db import connection, transaction
from django.utils import timezone

from bookings.models import Session
from bookings.services.timetable import DoubleBooking, schedule_session
from tests import concurrency
from tests.bookings.factories import (
    CohortFactory,
    ProgrammeIndexPageFactory,
    ProgrammePageFactory,
    at_local,
)
from tests.concurrency import copy_test_database, run_in_processes
from tests.factories import LecturerPageFactory, SuperuserFactory, TrainingBasePageFactory

# serialized_rollback: each test's flush would otherwise take the migrations' root page with it.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SESSIONS_URL = "/admin/snippets/bookings/session/"


@pytest.fixture
def cohorts(site_tree):
    """Two cohorts of one programme, starting on the same day."""
    ProgrammeIndexPageFactory()
    programme = ProgrammePageFactory(title="基层党组织书记培训班")
    first = CohortFactory(programme=programme, title="第1期")
    return first, CohortFactory(programme=programme, title="第2期", starts_on=first.starts_on)


@pytest.fixture
def place(site_tree):
    """What two sessions could share: a lecturer, a base, a room of the academy."""
    return {
        "lecturer": LecturerPageFactory(title="王教授"),
        "base": TrainingBasePageFactory(title="向阳街道党群服务中心"),
        "room": "学院301教室",
    }


def clashing_session(cohort, place, shared: str, title: str) -> tuple[Session, list]:
    """A session 9:00–11:00 on the cohort's first day sharing only `shared` with its twin.

    Only sessions sharing the base have one, so a shared room is one of the academy's rooms.
    """
    starts_at = at_local(cohort.starts_on, 9)
    session = Session(
        cohort=cohort,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        base=place["base"] if shared == "base" else None,
        room=place["room"] if shared == "room" else f"{title}教室",
    )
    return session, [place["lecturer"]] if shared == "lecturer" else []


def local_text(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


# What each of the writers saved, or "DoubleBooking".
run_together = functools.partial(concurrency.run_together, refusals=(DoubleBooking,))


def wait_for_a_lock_waiter(timeout: float = 30) -> bool:
    """Wait until another connection to this database waits for a lock; whether one did."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # A transaction sees one snapshot of pg_stat_activity unless it asks for a new one.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


# PostgreSQL: threads


@pytest.mark.postgres
@pytest.mark.parametrize("shared", ["lecturer", "base", "room"])
def test_concurrent_clashing_sessions_save_only_one(postgres, cohorts, place, shared):
    waited = []

    def after_check():
        # The first through the check holds on until the other waits for its locks.
        waited.append(wait_for_a_lock_waiter())

    def work(index: int) -> str:
        session, lecturers = clashing_session(cohorts[index], place, shared, f"讲座{index}")
        schedule_session(session, lecturers=lecturers, after_check=after_check, by=None)
        return "saved"

    results = run_together(2, work)

    assert Counter(results) == {"saved": 1, "DoubleBooking": 1}
    assert waited == [True]
    assert Session.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.parametrize("shared", ["lecturer", "base", "room"])
def test_concurrent_clashing_sessions_without_the_locks_both_save(postgres, cohorts, place, shared):
    """The control: both look for clashes before either saves, and both find none."""
    checked = threading.Barrier(2, timeout=10)

    def after_check():
        # A thread that times out here still saves: the race only needs both to have checked.
        with contextlib.suppress(threading.BrokenBarrierError):
            checked.wait()

    def work(index: int) -> str:
        session, lecturers = clashing_session(cohorts[index], place, shared, f"讲座{index}")
        schedule_session(session, lecturers=lecturers, lock=False, after_check=after_check, by=None)
        return "saved"

    results = run_together(2, work)

    assert results == ["saved", "saved"]
    assert Session.objects.count() == 2


@pytest.mark.postgres
def test_same_named_room_at_another_place_does_not_wait(postgres, cohorts, place):
    """A writer of 学院301教室 at a base goes ahead while another holds the academy's one."""
    holding, done = threading.Event(), threading.Event()

    def after_check():
        holding.set()
        # Keeps the academy's room locked until the other writer has finished.
        assert done.wait(30)

    def work(index: int) -> str:
        if index == 0:
            session, _lecturers = clashing_session(cohorts[0], place, "room", "讲座0")
            schedule_session(session, lecturers=[], after_check=after_check, by=None)
            return "saved"
        try:
            assert holding.wait(30)
            session, _lecturers = clashing_session(cohorts[1], place, "room", "讲座1")
            session.base = place["base"]
            with transaction.atomic():
                with connection.cursor() as cursor:
                    # Waiting for the academy's room would fail here instead of hanging.
                    cursor.execute("SET LOCAL lock_timeout = '5s'")
                schedule_session(session, lecturers=[], by=None)
            return "saved"
        finally:
            done.set()

    results = run_together(2, work)

    assert results == ["saved", "saved"]
    assert set(Session.objects.values_list("base", "room")) == {
        (None, "学院301教室"),
        (place["base"].pk, "学院301教室"),
    }


@pytest.mark.postgres
def test_admin_save_waiting_for_a_clashing_writer_gets_the_form_error(
    postgres, client, cohorts, place
):
    """The form's own check passes, the save waits for the lock, then refuses the clash."""
    client.force_login(SuperuserFactory(username="admin"))
    starts_at = at_local(cohorts[0].starts_on, 9)
    form = {
        "cohort": cohorts[1].pk,
        "course": "",
        "title": "党的建设专题讲座",
        "starts_at": local_text(starts_at),
        "ends_at": local_text(starts_at + datetime.timedelta(hours=2)),
        "lecturers": [place["lecturer"].pk],
        "base": "",
        "room": "学院302教室",
        "study_hours": "2.0",
    }
    holding = threading.Event()
    waited = []
    responses = []

    def after_check():
        holding.set()
        waited.append(wait_for_a_lock_waiter())

    def work(index: int) -> str:
        if index == 0:
            session, lecturers = clashing_session(cohorts[0], place, "lecturer", "红色物业现场教学")
            schedule_session(session, lecturers=lecturers, after_check=after_check, by=None)
            return "saved"
        assert holding.wait(30)
        responses.append(client.post(f"{SESSIONS_URL}add/", form))
        return str(responses[0].status_code)

    results = run_together(2, work)

    assert results == ["saved", "200"]
    assert waited == [True]
    [error] = responses[0].context["form"].non_field_errors().as_data()
    assert error.code == "double_booking"
    assert error.messages == [
        f"时间冲突：“红色物业现场教学”（基层党组织书记培训班 第1期，{local_text(starts_at)}–11:00）"
        "已安排了讲师 王教授。"
    ]
    assert error.messages[0] in responses[0].content.decode()
    assert list(Session.objects.values_list("title", flat=True)) == ["红色物业现场教学"]


# SQLite: processes on a file database, as gunicorn workers would run

# Sets Django up once, then forks one process per job; each connects, waits for the others on
# a barrier, schedules its session, and reports what came of it. Prints the outcomes as JSON.
# Schedules one job's session in a process of its own.
DRIVER = """
import datetime
from bookings.models import Session
from bookings.services.timetable import DoubleBooking, schedule_session
from lecturers.models import LecturerPage


def attempt(job):
    session = Session(
        cohort_id=job["cohort"],
        title=job["title"],
        starts_at=datetime.datetime.fromisoformat(job["starts_at"]),
        ends_at=datetime.datetime.fromisoformat(job["ends_at"]),
        room=job["room"],
    )
    try:
        lecturers = LecturerPage.objects.filter(pk__in=job["lecturers"])
        schedule_session(session, lecturers=lecturers, by=None)
    except DoubleBooking as error:
        return type(error).__name__
    return "saved"
"""


def test_sqlite_concurrent_clashing_sessions_save_only_one(sqlite, cohorts, place, tmp_path):
    starts_at = at_local(cohorts[0].starts_on, 9)
    path = tmp_path / "academy.sqlite3"
    copy_test_database(path)
    jobs = [
        {
            "cohort": cohorts[index % 2].pk,
            "title": f"讲座{index}",
            "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + datetime.timedelta(hours=2)).isoformat(),
            "room": f"学院{index}教室",
            "lecturers": [place["lecturer"].pk],
        }
        for index in range(10)
    ]

    results, errors = run_in_processes(path, DRIVER, jobs)

    assert "database is locked" not in errors
    assert Counter(results) == {"saved": 1, "DoubleBooking": 9}
    with sqlite3.connect(path) as database:
        assert database.execute("SELECT COUNT(*) FROM bookings_session").fetchone() == (1,)
