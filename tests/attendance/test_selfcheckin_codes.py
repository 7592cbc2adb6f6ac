"""The rotating self check-in code (attendance.selfcheckin): a 30-second step signed with the
session, the previous step still good, only inside the programme's window around the start."""

import datetime
import time
from unittest import mock

import pytest
from django.utils import timezone

from attendance.models import AttendanceRule
from attendance.selfcheckin import (
    STEP_SECONDS,
    SelfCheckInRefused,
    check_in_window,
    make_ticket,
    read_ticket,
    session_code,
    session_for_code,
    time_step,
)
from tests.bookings.factories import SessionFactory

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def session(cohort):
    return SessionFactory(
        cohort=cohort, starts_at=START, ends_at=START + datetime.timedelta(hours=2)
    )


def at(minutes: float = 0, seconds: float = 0) -> datetime.datetime:
    return START + datetime.timedelta(minutes=minutes, seconds=seconds)


def refusal(code: str, when: datetime.datetime) -> str:
    with pytest.raises(SelfCheckInRefused) as refused:
        session_for_code(code, at=when)
    return refused.value.code


def test_code_names_the_session_and_changes_every_30_seconds(session):
    step_start = datetime.datetime.fromtimestamp(time_step(at()) * STEP_SECONDS, tz=datetime.UTC)

    first = session_code(session, at=step_start)
    same_step = session_code(session, at=step_start + datetime.timedelta(seconds=29))
    next_step = session_code(session, at=step_start + datetime.timedelta(seconds=30))

    assert first == same_step
    assert next_step != first
    assert first.startswith(f"{session.pk}-{time_step(step_start)}-")
    assert len(first.split("-", 2)[2]) == 16  # the signature is base64url: it may hold "-" too
    assert session_for_code(first, at=step_start) == session


def test_previous_step_is_accepted_and_older_ones_expire(session):
    code = session_code(session, at=at())

    assert session_for_code(code, at=at(seconds=STEP_SECONDS)) == session
    assert refusal(code, at(seconds=2 * STEP_SECONDS)) == SelfCheckInRefused.EXPIRED


def test_code_from_the_future_is_invalid(session):
    code = session_code(session, at=at(minutes=5))

    assert refusal(code, at()) == SelfCheckInRefused.INVALID


@pytest.mark.parametrize(
    "tamper",
    [
        lambda code: code[:-1] + ("A" if code[-1] != "A" else "B"),
        lambda code: "9" + code,
        lambda code: code.replace("-", "-1", 1),
        lambda code: code.rpartition("-")[0],
        lambda code: "",
        lambda code: "x" * 500,
        lambda code: "１２-３４-abc",
    ],
)
def test_tampered_code_is_invalid(session, tamper):
    assert refusal(tamper(session_code(session, at=at())), at()) == SelfCheckInRefused.INVALID


def test_another_sessions_signature_does_not_open_this_session(session):
    other = SessionFactory(cohort=session.cohort, starts_at=START, ends_at=at(minutes=120))
    theirs = session_code(other, at=at())
    forged = f"{session.pk}-{theirs.split('-', 1)[1]}"

    assert session_for_code(theirs, at=at()) == other
    assert refusal(forged, at()) == SelfCheckInRefused.INVALID


def test_window_follows_the_programmes_rule(session):
    AttendanceRule.objects.create(
        programme=session.cohort.programme, opens_minutes_before=15, closes_minutes_after=45
    )

    window = check_in_window(session)

    assert (window.opens_at, window.closes_at) == (at(minutes=-15), at(minutes=45))


@pytest.mark.parametrize(
    ("minutes", "outcome"),
    [
        (-31, SelfCheckInRefused.NOT_OPEN),
        (-30, None),
        (0, None),
        (30, None),
        (30.5, SelfCheckInRefused.CLOSED),
    ],
)
def test_default_window_is_30_minutes_either_side_of_the_start(session, minutes, outcome):
    when = at(minutes=minutes)
    code = session_code(session, at=when)

    if outcome is None:
        assert session_for_code(code, at=when) == session
    else:
        assert refusal(code, when) == outcome


def test_not_open_yet_says_when_it_opens(session):
    with pytest.raises(SelfCheckInRefused) as refused:
        session_for_code(session_code(session, at=at(minutes=-60)), at=at(minutes=-60))

    opens = timezone.localtime(at(minutes=-30))
    assert refused.value.message == f"本课次 {opens:%H:%M} 开始自助签到。"


def test_cancelled_session_is_refused(session):
    session.cancelled_at = at(minutes=-120)
    session.save()

    assert refusal(session_code(session, at=at()), at()) == SelfCheckInRefused.CANCELLED


def test_ticket_keeps_the_session_and_scan_time(session):
    scanned_at = timezone.now().replace(microsecond=0)
    ticket = make_ticket(session, scanned_at=scanned_at)

    assert read_ticket(ticket) == (session, scanned_at)


def test_forged_ticket_is_invalid(session):
    ticket = make_ticket(session, scanned_at=timezone.now())

    with pytest.raises(SelfCheckInRefused) as forged:
        read_ticket(ticket[:-2] + ("xx" if not ticket.endswith("xx") else "yy"))
    assert forged.value.code == SelfCheckInRefused.INVALID


def test_ticket_older_than_ten_minutes_has_expired(session):
    eleven_minutes_ago = time.time() - 11 * 60
    with mock.patch("django.core.signing.time.time", return_value=eleven_minutes_ago):
        ticket = make_ticket(session, scanned_at=timezone.now())

    with pytest.raises(SelfCheckInRefused) as expired:
        read_ticket(ticket)
    assert expired.value.code == SelfCheckInRefused.EXPIRED
