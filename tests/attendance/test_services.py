"""Check-in at the door and the roster: who is recorded, present or late, and what is refused."""

import datetime

import pytest
from django.db.models.signals import pre_save
from django.utils import timezone
from wagtail.models import ModelLogEntry

from attendance.models import Attendance, AttendanceRule
from attendance.qr import registration_qr_text
from attendance.services import (
    AttendanceError,
    CheckInRefused,
    CheckInResult,
    Mark,
    check_in,
    mark,
    mark_many,
)
from bookings.models import Registration
from bookings.services import cancel_registration, rotate_token
from bookings.services.timetable import cancel_session
from tests.bookings.factories import CohortFactory, SessionFactory, register_trainees

pytestmark = pytest.mark.django_db

Status = Attendance.Status
Source = Attendance.Source


def minutes(count: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=count)


def refusal(session, text, **kwargs) -> str:
    with pytest.raises(CheckInRefused) as refused:
        check_in(session, text, by=None, **kwargs)
    return refused.value.code


def log_entries(attendance) -> list[tuple[str, int | None, dict]]:
    return [
        (entry.action, entry.user_id, entry.data)
        for entry in ModelLogEntry.objects.for_instance(attendance).order_by("pk")
    ]


def change(session, registration, previous, status, reason="") -> dict:
    return {
        "session": session.pk,
        "registration": registration.pk,
        "from": previous,
        "to": status,
        "reason": reason,
    }


# check_in: who is recorded, and how


def test_check_in_by_qr_records_the_trainee_present(session, registration, staff):
    before = timezone.now()

    result = check_in(session, registration_qr_text(registration), by=staff)

    attendance = Attendance.objects.get()
    assert result.outcome == CheckInResult.CREATED
    assert result.attendance == attendance
    assert (result.name, result.unit, result.late) == (registration.name, registration.unit, False)
    assert (attendance.session, attendance.registration) == (session, registration)
    assert (attendance.status, attendance.source, attendance.recorded_by) == (
        Status.PRESENT,
        Source.SCAN,
        staff,
    )
    assert before <= attendance.checked_in_at <= timezone.now()
    assert log_entries(attendance) == []


def test_check_in_by_typed_code_records_its_source(session, registration, staff):
    result = check_in(session, registration.code.lower(), by=staff, source=Source.CODE)

    assert result.created
    assert Attendance.objects.get().source == Source.CODE


def test_check_in_again_is_already_with_the_first_time(session, registration, staff):
    first = check_in(session, registration_qr_text(registration), by=staff)

    again = check_in(session, registration.code, by=None, source=Source.CODE)

    assert again.outcome == CheckInResult.ALREADY
    assert again.attendance.checked_in_at == first.attendance.checked_in_at
    assert again.attendance.source == Source.SCAN
    assert Attendance.objects.count() == 1


def test_check_in_that_loses_the_race_to_insert_is_already(session, registration, staff):
    """The row a concurrent scan inserted while this one checked the code: the unique
    constraint refuses the insert, and the scan answers with that row."""

    def concurrent_scan():
        Attendance.objects.create(
            session=session, registration=registration, status=Status.PRESENT, source=Source.SCAN
        )

    result = check_in(session, registration.code, by=staff, before_insert=concurrent_scan)

    assert result.outcome == CheckInResult.ALREADY
    assert Attendance.objects.count() == 1


def test_check_in_after_the_late_threshold_is_late(cohort, registration, staff):
    session = SessionFactory(
        cohort=cohort, starts_at=timezone.now() - minutes(11), ends_at=timezone.now() + minutes(60)
    )

    result = check_in(session, registration.code, by=staff)

    assert result.late is True
    assert result.attendance.status == Status.LATE


def test_check_in_follows_the_programmes_late_threshold(programme, cohort, registration, staff):
    AttendanceRule.objects.create(programme=programme, late_after_minutes=30)
    session = SessionFactory(
        cohort=cohort, starts_at=timezone.now() - minutes(20), ends_at=timezone.now() + minutes(60)
    )

    assert check_in(session, registration.code, by=staff).late is False


def test_queued_scan_keeps_its_time_for_the_late_rule(cohort, registration, staff):
    starts_at = timezone.now() - minutes(60)
    session = SessionFactory(cohort=cohort, starts_at=starts_at, ends_at=starts_at + minutes(120))
    scanned_at = starts_at - minutes(3)

    result = check_in(session, registration.code, by=staff, scanned_at=scanned_at)

    assert result.late is False
    assert result.attendance.checked_in_at == scanned_at


def test_queued_scan_made_after_the_threshold_is_late(cohort, registration, staff):
    starts_at = timezone.now() - minutes(60)
    session = SessionFactory(cohort=cohort, starts_at=starts_at, ends_at=starts_at + minutes(120))

    result = check_in(session, registration.code, by=staff, scanned_at=starts_at + minutes(11))

    assert result.late is True
    assert result.attendance.checked_in_at == starts_at + minutes(11)


def test_scan_time_a_little_ahead_of_the_server_is_taken_as_now(session, registration, staff):
    result = check_in(session, registration.code, by=staff, scanned_at=timezone.now() + minutes(1))

    assert result.attendance.checked_in_at <= timezone.now()


@pytest.mark.parametrize(
    "scanned_at",
    [
        pytest.param(lambda now: now + minutes(3), id="in the future"),
        pytest.param(lambda now: now - datetime.timedelta(hours=24, minutes=1), id="too old"),
        pytest.param(lambda now: now.replace(tzinfo=None), id="without a time zone"),
    ],
)
def test_check_in_refuses_a_bad_scan_time(session, registration, scanned_at):
    assert refusal(session, registration.code, scanned_at=scanned_at(timezone.now())) == (
        "bad_scanned_at"
    )
    assert Attendance.objects.count() == 0


# check_in: what is refused


def test_check_in_refuses_an_unknown_code(session, registration):
    assert refusal(session, "ACDEFGHJ") == "invalid_code"


def test_check_in_refuses_a_forged_qr(session, registration):
    assert refusal(session, f"{registration.pk}:{'x' * 43}") == "invalid_code"


def test_check_in_refuses_a_qr_revoked_by_a_reset_link(session, registration):
    text = registration_qr_text(registration)
    rotate_token(registration)

    assert refusal(session, text) == "invalid_code"


def test_check_in_refuses_a_trainee_of_another_cohort(programme, session):
    (stranger,) = register_trainees(CohortFactory(programme=programme), 1)

    assert refusal(session, stranger.code) == "not_in_cohort"


def test_check_in_refuses_a_registration_not_confirmed(cohort, session):
    cohort.capacity = 1
    cohort.save()
    seated, waiting = register_trainees(cohort, 2)
    assert waiting.status == Registration.Status.WAITLISTED

    assert refusal(session, waiting.code) == "not_confirmed"
    cancel_registration(seated, by=None)
    assert refusal(session, seated.code) == "not_confirmed"


def test_check_in_refuses_a_cancelled_session(session, registration):
    cancel_session(session.pk, by=None)
    session.refresh_from_db()

    assert refusal(session, registration.code) == "session_cancelled"


@pytest.mark.parametrize("offset", [datetime.timedelta(hours=25), -datetime.timedelta(hours=25)])
def test_check_in_refuses_a_scan_more_than_a_day_from_the_start(cohort, registration, offset):
    starts_at = timezone.now() + offset
    session = SessionFactory(cohort=cohort, starts_at=starts_at, ends_at=starts_at + minutes(90))

    assert refusal(session, registration.code) == "outside_window"


def test_check_in_of_a_queued_scan_counts_its_own_time_for_the_window(cohort, registration):
    starts_at = timezone.now() - datetime.timedelta(hours=23, minutes=59)
    session = SessionFactory(cohort=cohort, starts_at=starts_at, ends_at=starts_at + minutes(90))

    result = check_in(session, registration.code, by=None, scanned_at=starts_at + minutes(1))

    assert result.created


def test_refusal_messages_are_in_chinese(session):
    with pytest.raises(CheckInRefused) as refused:
        check_in(session, "nothing", by=None)

    assert str(refused.value.message) == "二维码或报名码无效。"


# A scan after the roster said absent


@pytest.mark.parametrize("marked", [Status.ABSENT, Status.EXCUSED])
def test_scan_after_being_marked_absent_makes_them_present_and_is_logged(
    session, registration, staff, marked
):
    reason = "单位有会" if marked == Status.EXCUSED else ""
    mark(session, registration, marked, by=staff, reason=reason)
    scanner = type(staff).objects.create(username="scanner")

    result = check_in(session, registration.code, by=scanner)

    attendance = Attendance.objects.get()
    assert result.outcome == CheckInResult.CREATED
    assert result.previous_status == marked
    assert (attendance.status, attendance.source, attendance.reason) == (
        Status.PRESENT,
        Source.SCAN,
        "",
    )
    assert log_entries(attendance) == [
        (
            "attendance.attendance.mark",
            staff.pk,
            change(session, registration, None, marked, reason),
        ),
        (
            "attendance.attendance.check_in",
            scanner.pk,
            change(session, registration, marked, Status.PRESENT),
        ),
    ]


def test_scan_after_being_marked_late_is_already(session, registration, staff):
    mark(session, registration, Status.LATE, by=staff)

    result = check_in(session, registration.code, by=staff)

    assert result.outcome == CheckInResult.ALREADY
    assert Attendance.objects.get().status == Status.LATE


# The roster


def test_mark_records_a_trainee_not_yet_scanned_and_logs_it(session, registration, staff):
    attendance = mark(session, registration, Status.ABSENT, by=staff)

    assert (attendance.status, attendance.source, attendance.checked_in_at) == (
        Status.ABSENT,
        Source.ROSTER,
        None,
    )
    assert attendance.recorded_by == staff
    assert log_entries(attendance) == [
        ("attendance.attendance.mark", staff.pk, change(session, registration, None, "absent"))
    ]


def test_mark_corrects_a_scan_and_logs_from_what_to_what(session, registration, staff):
    scanned = check_in(session, registration.code, by=None).attendance

    mark(session, registration, Status.EXCUSED, by=staff, reason="  因病 请假 ")

    attendance = Attendance.objects.get()
    assert (attendance.status, attendance.reason) == (Status.EXCUSED, "因病 请假")
    assert attendance.checked_in_at == scanned.checked_in_at
    assert attendance.source == Source.SCAN
    assert log_entries(attendance) == [
        (
            "attendance.attendance.mark",
            staff.pk,
            change(session, registration, "present", "excused", "因病 请假"),
        )
    ]


def test_mark_as_it_already_is_changes_and_logs_nothing(session, registration, staff):
    mark(session, registration, Status.ABSENT, by=staff)

    assert mark(session, registration, Status.ABSENT, by=staff) is None

    assert len(log_entries(Attendance.objects.get())) == 1


def test_mark_excused_needs_a_reason(session, registration, staff):
    with pytest.raises(AttendanceError) as refused:
        mark(session, registration, Status.EXCUSED, by=staff, reason="  ")

    assert refused.value.code == "reason_required"
    assert Attendance.objects.count() == 0


def test_mark_drops_the_reason_of_a_status_other_than_excused(session, registration, staff):
    attendance = mark(session, registration, Status.PRESENT, by=staff, reason="迟到五分钟")

    assert attendance.reason == ""


def test_mark_refuses_an_unknown_status(session, registration, staff):
    with pytest.raises(AttendanceError) as refused:
        mark(session, registration, "gone", by=staff)

    assert refused.value.code == "bad_status"


def test_mark_refuses_a_cancelled_session(session, registration, staff):
    cancel_session(session.pk, by=None)
    session.refresh_from_db()

    with pytest.raises(AttendanceError) as refused:
        mark(session, registration, Status.PRESENT, by=staff)

    assert refused.value.code == "session_cancelled"


def test_mark_refuses_a_trainee_of_another_cohort(programme, session, staff):
    (stranger,) = register_trainees(CohortFactory(programme=programme), 1)

    with pytest.raises(AttendanceError) as refused:
        mark(session, stranger, Status.PRESENT, by=staff)

    assert refused.value.code == "not_in_cohort"


def test_mark_corrects_a_row_whose_registration_was_cancelled_since(session, registration, staff):
    check_in(session, registration.code, by=None)
    cancel_registration(registration, by=staff)

    mark(session, registration, Status.ABSENT, by=staff)

    assert Attendance.objects.get().status == Status.ABSENT


def test_mark_many_writes_the_whole_roster_or_nothing(cohort, session, staff):
    first, second, third = register_trainees(cohort, 3)
    check_in(session, first.code, by=None)

    with pytest.raises(AttendanceError):
        mark_many(
            session,
            {
                first.pk: Mark(Status.LATE),
                second.pk: Mark(Status.ABSENT),
                third.pk: Mark(Status.EXCUSED),  # no reason
            },
            by=staff,
        )
    assert list(Attendance.objects.values_list("registration", "status")) == [
        (first.pk, Status.PRESENT)
    ]

    changed = mark_many(
        session,
        {
            first.pk: Mark(Status.LATE),
            second.pk: Mark(Status.ABSENT),
            third.pk: Mark(Status.EXCUSED, "出差"),
        },
        by=staff,
    )

    assert {(row.registration_id, row.status, row.reason) for row in changed} == {
        (first.pk, Status.LATE, ""),
        (second.pk, Status.ABSENT, ""),
        (third.pk, Status.EXCUSED, "出差"),
    }
    assert ModelLogEntry.objects.filter(action="attendance.attendance.mark").count() == 3


def test_a_change_whose_audit_entry_fails_is_undone(session, registration, staff):
    mark(session, registration, Status.ABSENT, by=staff)

    def fail(sender, instance, **kwargs):
        raise RuntimeError("disk full")

    pre_save.connect(fail, sender=ModelLogEntry)
    try:
        with pytest.raises(RuntimeError):
            check_in(session, registration.code, by=staff)
        with pytest.raises(RuntimeError):
            mark(session, registration, Status.LATE, by=staff)
    finally:
        pre_save.disconnect(fail, sender=ModelLogEntry)

    assert Attendance.objects.get().status == Status.ABSENT


def test_log_entries_read_from_what_to_what(session, registration, staff):
    mark(session, registration, Status.EXCUSED, by=staff, reason="出差")
    check_in(session, registration.code, by=staff)

    entries = ModelLogEntry.objects.for_instance(Attendance.objects.get()).order_by("pk")

    assert [(entry.message, str(entry.formatter.label)) for entry in entries] == [
        ("未记录 → 请假（出差）", "点名"),
        ("请假 → 出席", "标记缺勤后签到"),
    ]
