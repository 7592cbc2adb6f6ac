"""A check-in is recorded once per trainee and session, however many scans arrive at once.

On PostgreSQL, threads with their own connections scan the same trainee at the same moment:
each checks the code, then waits for the others (a barrier before the insert), so all of them
race to insert. The unique constraint lets one in and the others answer "already". The control
drops the constraint and shows the same race recording the trainee once per scan, so the test
would catch a version that relied on anything else (a look-up before the insert, say).
"""

import contextlib
import json
import threading
from collections import Counter

import pytest
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token
from wagtail.models import ModelLogEntry

from attendance.models import Attendance
from attendance.qr import registration_qr_text
from attendance.services import CheckInRefused, check_in, mark
from tests import concurrency
from tests.bookings.helpers import staff_user

# serialized_rollback: each test's flush would otherwise take the migrations' root page with it.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.postgres,
]

SCANS = 16


def racing_scans(count: int):
    """A `before_insert` that holds every scan until all are about to insert."""
    ready = threading.Barrier(count, timeout=10)

    def before_insert():
        # A scan that times out here still inserts: the race only needs most to be ready.
        with contextlib.suppress(threading.BrokenBarrierError):
            ready.wait()

    return before_insert


def scan_all_at_once(session, text, *, before_insert=None) -> list[str]:
    def scan(_index: int) -> str:
        return check_in(session, text, by=None, before_insert=before_insert).outcome

    return concurrency.run_together(SCANS, scan, refusals=(CheckInRefused,))


def test_concurrent_scans_of_one_trainee_record_one_row(postgres, session, registration):
    results = scan_all_at_once(
        session, registration_qr_text(registration), before_insert=racing_scans(SCANS)
    )

    assert Counter(results) == {"created": 1, "already": SCANS - 1}
    assert Attendance.objects.filter(session=session, registration=registration).count() == 1


def test_concurrent_scans_through_the_api_answer_201_once_and_200_after(
    postgres, session, registration
):
    token = Token.objects.create(user=staff_user("attendance.take_attendance"))
    body = json.dumps({"session": session.pk, "code": registration.code})

    def post(_index: int) -> str:
        response = Client().post(
            "/api/v1/checkins/",
            body,
            content_type="application/json",
            headers={"authorization": f"Token {token.key}"},
        )
        return str(response.status_code)

    results = concurrency.run_together(SCANS, post)

    assert Counter(results) == {"201": 1, "200": SCANS - 1}
    assert Attendance.objects.count() == 1


def test_concurrent_scans_after_an_absence_turn_it_once(postgres, session, registration):
    registrar = staff_user("attendance.take_attendance")
    mark(session, registration, Attendance.Status.ABSENT, by=registrar)

    results = scan_all_at_once(session, registration.code, before_insert=racing_scans(SCANS))

    assert Counter(results) == {"created": 1, "already": SCANS - 1}
    assert Attendance.objects.get().status == Attendance.Status.PRESENT
    assert ModelLogEntry.objects.filter(action="attendance.attendance.check_in").count() == 1


@contextlib.contextmanager
def without_the_unique_constraint():
    [constraint] = Attendance._meta.constraints
    with connection.schema_editor() as editor:
        editor.remove_constraint(Attendance, constraint)
    try:
        yield
    finally:
        Attendance.objects.all().delete()
        with connection.schema_editor() as editor:
            editor.add_constraint(Attendance, constraint)


def test_concurrent_scans_without_the_constraint_record_the_trainee_several_times(
    postgres, session, registration
):
    """The control: without the constraint nothing stops the racing scans."""
    with without_the_unique_constraint():
        results = scan_all_at_once(session, registration.code, before_insert=racing_scans(SCANS))
        rows = Attendance.objects.filter(session=session, registration=registration).count()

    assert set(results) == {"created"}
    assert rows == SCANS
