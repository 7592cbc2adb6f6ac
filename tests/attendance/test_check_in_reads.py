"""A check-in's two statements: the session, its late threshold and the scanned registration in
one read (`selectors.session_for_check_in`), then one INSERT (`core.rows`)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from attendance.models import Attendance, AttendanceRule
from attendance.qr import ScannedCode, registration_qr_text
from attendance.selectors import session_for_check_in
from bookings.models import Session
from core.rows import insert_unless_exists, instance_from_row
from tests.bookings.factories import register_trainees

pytestmark = pytest.mark.django_db


def read(session_id, text):
    scanned = ScannedCode.read(text)
    with CaptureQueriesContext(connection) as queries:
        session = session_for_check_in(session_id, scanned)
        registration = scanned.registration()
    return session, registration, len(queries)


def test_session_and_a_scanned_registration_in_one_statement(session, registration):
    found, named, statements = read(session.pk, registration_qr_text(registration))

    assert statements == 1
    assert (found, named) == (session, registration)
    assert (found.starts_at, found.cohort_id, found.cancelled_at) == (
        session.starts_at,
        session.cohort_id,
        None,
    )
    assert (named.name, named.unit, named.status) == (
        registration.name,
        registration.unit,
        registration.status,
    )


def test_a_typed_code_is_found_as_typed(session, registration):
    found, named, statements = read(session.pk, f" {registration.code.lower()} ")

    assert (found, named, statements) == (session, registration, 1)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(lambda registration: "ACDEFGHJ", id="unknown code"),
        pytest.param(lambda registration: f"{registration.pk + 999}:abc", id="unknown pk"),
        pytest.param(lambda registration: f"{registration.pk}:{'x' * 43}", id="forged"),
        pytest.param(lambda registration: "", id="empty"),
    ],
)
def test_no_registration_for_an_unknown_or_forged_code(session, registration, text):
    found, named, statements = read(session.pk, text(registration))

    assert (found, named, statements) == (session, None, 1)


def test_no_session_is_none(registration):
    assert session_for_check_in(987654, ScannedCode.read(registration.code)) is None


def test_the_late_threshold_is_the_programmes_rule_or_the_default(session, programme):
    default = AttendanceRule._meta.get_field("late_after_minutes").default
    assert session_for_check_in(session.pk).late_after_minutes == default

    AttendanceRule.objects.create(programme=programme, late_after_minutes=25)

    assert session_for_check_in(session.pk).late_after_minutes == 25


def test_the_other_fields_are_read_when_asked(session):
    found = session_for_check_in(session.pk)

    assert "title" in found.get_deferred_fields()
    assert found.display_title == session.display_title


def test_a_cancelled_sessions_time_of_cancellation_is_read(session):
    Session.objects.filter(pk=session.pk).update(cancelled_at=timezone.now())

    assert session_for_check_in(session.pk).is_cancelled


def test_insert_prepares_fields_as_save_does(session, registration):
    before = timezone.now()
    attendance = Attendance(
        session=session,
        registration=registration,
        status=Attendance.Status.LATE,
        source=Attendance.Source.CODE,
        checked_in_at=before,
    )

    assert insert_unless_exists(attendance) is True

    stored = Attendance.objects.get(pk=attendance.pk)
    assert stored.created_at >= before and stored.updated_at >= before  # auto_now(_add)
    assert (stored.status, stored.source, stored.checked_in_at) == ("late", "code", before)
    assert stored.reason == ""  # the field's default


def test_a_second_insert_of_the_same_trainee_writes_nothing(session, cohort):
    (registration,) = register_trainees(cohort, 1)
    first = Attendance(session=session, registration=registration, status="present")
    again = Attendance(session=session, registration=registration, status="late")

    assert insert_unless_exists(first) is True
    assert insert_unless_exists(again) is False

    assert list(Attendance.objects.values_list("status", flat=True)) == ["present"]


def test_a_row_read_by_a_cursor_is_converted_as_a_queryset_converts_it(session):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, starts_at FROM {Session._meta.db_table} WHERE id = %s", [session.pk]
        )
        row = cursor.fetchone()

    read_back = instance_from_row(Session, ("id", "starts_at"), row)

    # SQLite's cursor gives a naive datetime, PostgreSQL's an aware one: both come out aware.
    assert isinstance(read_back.starts_at, datetime.datetime)
    assert timezone.is_aware(read_back.starts_at)
    assert read_back.starts_at == session.starts_at
