"""Issuing and revoking completion certificates: who gets one, the serial numbers, the one
valid certificate per registration, and the audit log written with each change."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.models import ModelLogEntry

from attendance.models import Certificate
from attendance.results.services import (
    AlreadyRevoked,
    ReasonRequired,
    issue_certificates,
    revoke_certificate,
)
from tests.attendance.results_fixtures import Status, mark, staff_user, trainee
from tests.bookings.factories import mobile

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def logs(action: str):
    return ModelLogEntry.objects.filter(action=action).order_by("pk")


def test_issue_to_everyone_who_meets_the_rule(completed_cohort):
    staff = staff_user()

    issued = issue_certificates(completed_cohort["cohort"], by=staff)

    # 王芳 has an unexcused absence; the others are certified in name order.
    assert [(c.name, c.serial, c.hours) for c in issued] == [
        ("张晓明", f"YTDJ-{YEAR}-000001", Decimal("8.00")),
        ("李华", f"YTDJ-{YEAR}-000002", Decimal("8.00")),
    ]
    zhang = Certificate.objects.get(registration=completed_cohort["zhang"])
    assert (
        zhang.programme_title,
        zhang.cohort_title,
        zhang.starts_on,
        zhang.ends_on,
        zhang.issued_by,
        zhang.is_valid,
    ) == (
        "基层党组织书记培训班",
        "第1期",
        datetime.date(2026, 3, 2),
        datetime.date(2026, 3, 7),
        staff,
        True,
    )
    assert [
        (e.object_id, e.user, e.data["serial"]) for e in logs("attendance.certificate.issue")
    ] == [(str(c.pk), staff, c.serial) for c in issued]


def test_issuing_again_issues_nothing_new(completed_cohort):
    staff = staff_user()
    issue_certificates(completed_cohort["cohort"], by=staff)

    again = issue_certificates(completed_cohort["cohort"], by=staff)

    assert again == []
    assert Certificate.objects.count() == 2
    assert logs("attendance.certificate.issue").count() == 2


def test_serial_numbers_go_on_across_cohorts_of_a_year(completed_cohort):
    staff = staff_user()
    issue_certificates(completed_cohort["cohort"], by=staff)
    other = completed_cohort["cohort"]
    # 王芳's absence becomes excused on the roster: she completes now.
    wang_absence = completed_cohort["wang"].attendances.get(status=Status.ABSENT)
    wang_absence.status = Status.EXCUSED
    wang_absence.save()

    [wang] = issue_certificates(other, by=staff)

    assert wang.serial == f"YTDJ-{YEAR}-000003"


def test_issue_to_chosen_registrations_only(completed_cohort):
    [li] = issue_certificates(
        completed_cohort["cohort"], by=staff_user(), registration_ids=[completed_cohort["li"].pk]
    )

    assert li.name == "李华"


def test_revoke_with_a_reason_is_logged(completed_cohort):
    staff = staff_user()
    [zhang, _] = issue_certificates(completed_cohort["cohort"], by=staff)

    revoked = revoke_certificate(zhang, by=staff, reason="  学时记录有误，\n待核实  ")

    zhang.refresh_from_db()
    assert (zhang.is_valid, zhang.revoked_by, zhang.revoke_reason) == (
        False,
        staff,
        "学时记录有误， 待核实",
    )
    assert revoked.revoked_at is not None
    [entry] = logs("attendance.certificate.revoke")
    assert (entry.object_id, entry.user, entry.data) == (
        str(zhang.pk),
        staff,
        {"serial": zhang.serial, "reason": "学时记录有误， 待核实"},
    )


def test_revoke_needs_a_reason(completed_cohort):
    [zhang, _] = issue_certificates(completed_cohort["cohort"], by=staff_user())

    with pytest.raises(ReasonRequired):
        revoke_certificate(zhang, by=staff_user(), reason="   ")

    zhang.refresh_from_db()
    assert zhang.is_valid
    assert not logs("attendance.certificate.revoke").exists()


def test_a_certificate_is_revoked_once(completed_cohort):
    staff = staff_user()
    [zhang, _] = issue_certificates(completed_cohort["cohort"], by=staff)
    revoke_certificate(zhang, by=staff, reason="重复颁发")

    with pytest.raises(AlreadyRevoked):
        revoke_certificate(zhang, by=staff, reason="再次撤销")

    assert logs("attendance.certificate.revoke").count() == 1


def test_after_a_revocation_a_new_certificate_gets_a_new_serial(completed_cohort):
    staff = staff_user()
    [zhang, li] = issue_certificates(completed_cohort["cohort"], by=staff)
    revoke_certificate(zhang, by=staff, reason="姓名有误")

    [again] = issue_certificates(completed_cohort["cohort"], by=staff)

    assert (again.registration, again.serial) == (zhang.registration, f"YTDJ-{YEAR}-000003")
    assert Certificate.objects.filter(registration=zhang.registration).count() == 2


def test_one_valid_certificate_per_registration_whatever_writes_it(completed_cohort):
    [zhang, _] = issue_certificates(completed_cohort["cohort"], by=staff_user())
    zhang.pk, zhang.serial = None, "YTDJ-2000-000001"

    with pytest.raises(IntegrityError), transaction.atomic():
        zhang.save()


def test_a_revoked_certificate_keeps_its_reason_whatever_writes_it(completed_cohort):
    [zhang, _] = issue_certificates(completed_cohort["cohort"], by=staff_user())
    zhang.revoked_at = timezone.now()

    with pytest.raises(IntegrityError), transaction.atomic():
        zhang.save()


def test_nobody_to_certify_issues_nothing(completed_cohort):
    group = completed_cohort["cohort"]
    group.capacity = 10
    group.save()
    newcomer = trainee(group, name="赵强", phone=mobile(4))
    mark(completed_cohort["sessions"][0], newcomer, Status.PRESENT)
    issue_certificates(group, by=staff_user())

    assert issue_certificates(group, by=staff_user()) == []
    assert not Certificate.objects.filter(registration=newcomer).exists()
