import datetime
import re

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone, translation

from bookings.models import Registration, RegistrationGroup
from bookings.models.registrations import CODE_ALPHABET
from bookings.services import (
    AlreadyRegistered,
    BookingError,
    CohortFull,
    GroupContact,
    InvalidTransition,
    RegistrationClosed,
    approve_registrations,
    cancel_registration,
    register,
    reject_registrations,
)
from core.sms import MemorySMSBackend
from tests.factories import UserFactory

from .factories import ApplicantFactory, CohortFactory, mobile, register_trainees

pytestmark = pytest.mark.django_db

Status = Registration.Status
UNIT = GroupContact(unit="芝罘区向阳街道党工委", contact_name="王老师", contact_phone=mobile(900))


def written() -> tuple[int, int]:
    return Registration.objects.count(), RegistrationGroup.objects.count()


def statuses(registrations) -> list[str]:
    return [Registration.objects.get(pk=registration.pk).status for registration in registrations]


def sms_phones() -> list[str]:
    return [phone for phone, _message in MemorySMSBackend.outbox]


def manage_url(registration) -> str:
    return f"http://testserver/bookings/r/{registration.token}/"


class Rollback(Exception):
    pass


# Taking seats


def test_register_confirmed_when_seats_are_free(cohort):
    [registration] = register(cohort.pk, applicants=[ApplicantFactory(phone="13800138000")])

    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED
    assert registration.phone == "13800138000"
    assert registration.source == Registration.Source.WEB
    assert registration.group is None
    assert registration.decided_at is not None
    assert registration.consented_at is not None


def test_register_pending_when_staff_approve(cohort):
    cohort.requires_approval = True
    cohort.save()

    [registration] = register(cohort.pk, applicants=[ApplicantFactory()])

    registration.refresh_from_db()
    assert (registration.status, registration.decided_at) == (Status.PENDING, None)


def test_register_pending_holds_a_seat(cohort):
    cohort.requires_approval = True
    cohort.capacity = 1
    cohort.save()
    register_trainees(cohort, 1)

    [registration] = register(cohort.pk, applicants=[ApplicantFactory()])

    assert registration.status == Status.WAITLISTED


def test_register_waitlisted_when_full_and_the_list_is_kept(cohort):
    register_trainees(cohort, 10)

    [registration] = register(cohort.pk, applicants=[ApplicantFactory()])

    registration.refresh_from_db()
    assert (registration.status, registration.decided_at) == (Status.WAITLISTED, None)
    assert Registration.objects.filter(cohort=cohort, status=Status.CONFIRMED).count() == 10


def test_register_refused_when_full_without_a_waiting_list(cohort):
    cohort.waitlist_enabled = False
    cohort.save()
    register_trainees(cohort, 10)
    before = written()

    with translation.override("zh-hans"), pytest.raises(CohortFull) as refused:
        register(cohort.pk, applicants=[ApplicantFactory()])

    assert str(refused.value.message) == "名额已满。"
    assert refused.value.code == "cohort_full"
    assert written() == before


def test_register_refused_when_the_waiting_list_is_full(cohort):
    cohort.waitlist_capacity = 2
    cohort.save()
    register_trainees(cohort, 12)
    before = written()

    with translation.override("zh-hans"), pytest.raises(CohortFull) as refused:
        register(cohort.pk, applicants=[ApplicantFactory()])

    assert str(refused.value.message) == "名额已满。"
    assert written() == before
    assert Registration.objects.filter(status=Status.WAITLISTED).count() == 2


def test_register_group_larger_than_the_seats_left_goes_wholly_onto_the_waiting_list(cohort):
    register_trainees(cohort, 8)

    registrations = register(
        cohort.pk, applicants=ApplicantFactory.build_batch(3), group=UNIT, source="group"
    )

    assert statuses(registrations) == [Status.WAITLISTED] * 3
    assert Registration.objects.filter(status=Status.CONFIRMED).count() == 8
    group = RegistrationGroup.objects.get()
    assert {registration.group_id for registration in registrations} == {group.pk}
    assert (group.unit, group.contact_name, group.contact_phone) == (
        "芝罘区向阳街道党工委",
        "王老师",
        mobile(900),
    )


def test_register_group_larger_than_the_seats_left_is_wholly_refused_without_a_list(cohort):
    cohort.waitlist_enabled = False
    cohort.save()
    register_trainees(cohort, 8)
    before = written()

    with translation.override("zh-hans"), pytest.raises(CohortFull) as refused:
        register(cohort.pk, applicants=ApplicantFactory.build_batch(3), group=UNIT)

    assert str(refused.value.message) == "名额已满。"
    assert written() == before
    assert Registration.objects.filter(status=Status.CONFIRMED).count() == 8


def test_register_group_larger_than_the_waiting_places_left_is_wholly_refused(cohort):
    cohort.waitlist_capacity = 2
    cohort.save()
    register_trainees(cohort, 11)
    before = written()

    with pytest.raises(CohortFull):
        register(cohort.pk, applicants=ApplicantFactory.build_batch(2), group=UNIT)

    assert written() == before


def test_register_group_that_fits_is_wholly_confirmed(cohort):
    register_trainees(cohort, 7)

    registrations = register(cohort.pk, applicants=ApplicantFactory.build_batch(3), group=UNIT)

    assert statuses(registrations) == [Status.CONFIRMED] * 3


# Refusals


def test_register_refuses_a_phone_already_registered(cohort):
    register(cohort.pk, applicants=[ApplicantFactory(phone="13800000001")])
    before = written()

    with translation.override("zh-hans"), pytest.raises(AlreadyRegistered) as refused:
        register(cohort.pk, applicants=[ApplicantFactory(phone="13800000001")])

    assert str(refused.value.message) == "以下手机号码已报名本班次：138****0001。"
    assert refused.value.phones == ["13800000001"]
    assert written() == before


def test_register_refuses_a_group_naming_a_phone_already_registered(cohort):
    register(cohort.pk, applicants=[ApplicantFactory(phone="13800000002")])
    before = written()
    applicants = [ApplicantFactory(phone="13800000001"), ApplicantFactory(phone="13800000002")]

    with translation.override("zh-hans"), pytest.raises(AlreadyRegistered) as refused:
        register(cohort.pk, applicants=applicants, group=UNIT)

    assert str(refused.value.message) == "以下手机号码已报名本班次：138****0002。"
    assert written() == before


def test_register_allows_the_phone_in_another_cohort(cohort):
    other = CohortFactory(programme=cohort.programme)
    register(cohort.pk, applicants=[ApplicantFactory(phone="13800000001")])

    [registration] = register(other.pk, applicants=[ApplicantFactory(phone="13800000001")])

    assert registration.status == Status.CONFIRMED


def test_register_allows_the_phone_again_after_cancelling(cohort):
    [first] = register(cohort.pk, applicants=[ApplicantFactory(phone="13800000001")])
    cancel_registration(first)

    [again] = register(cohort.pk, applicants=[ApplicantFactory(phone="13800000001")])

    assert statuses([first, again]) == [Status.CANCELLED, Status.CONFIRMED]


def test_register_refuses_the_same_phone_twice_in_one_group(cohort):
    applicants = [
        ApplicantFactory(phone="13800000001"),
        ApplicantFactory(phone="13900000009"),
        ApplicantFactory(phone="13800000001"),
    ]

    with translation.override("zh-hans"), pytest.raises(BookingError) as refused:
        register(cohort.pk, applicants=applicants, group=UNIT)

    assert str(refused.value.message) == "同一手机号码出现了两次：138****0001。"
    assert written() == (0, 0)


def test_register_refuses_an_empty_group(cohort):
    with translation.override("zh-hans"), pytest.raises(BookingError) as refused:
        register(cohort.pk, applicants=[], group=UNIT)

    assert str(refused.value.message) == "请至少添加一名学员。"
    assert written() == (0, 0)


@pytest.mark.parametrize(
    ("opens_in_days", "closes_in_days"),
    [(1, 5), (-5, -1)],
    ids=["before it opens", "after it closes"],
)
def test_register_refused_outside_the_registration_window(programme, opens_in_days, closes_in_days):
    now = timezone.now()
    cohort = CohortFactory(
        programme=programme,
        registration_opens_at=now + datetime.timedelta(days=opens_in_days),
        registration_closes_at=now + datetime.timedelta(days=closes_in_days),
    )

    with translation.override("zh-hans"), pytest.raises(RegistrationClosed) as refused:
        register(cohort.pk, applicants=[ApplicantFactory()])

    assert str(refused.value.message) == "本班次当前不在报名时间内。"
    assert refused.value.code == "registration_closed"
    assert written() == (0, 0)


# Cancelling, approving, rejecting


def test_cancel_frees_the_seat_and_promotes_the_first_waitlisted(
    cohort, django_capture_on_commit_callbacks
):
    cohort.capacity = 1
    cohort.save()
    [seated] = register(cohort.pk, applicants=[ApplicantFactory()])
    [first] = register(cohort.pk, applicants=[ApplicantFactory(email="first@example.org")])
    [second] = register(cohort.pk, applicants=[ApplicantFactory(email="second@example.org")])

    with django_capture_on_commit_callbacks(execute=True):
        promoted = cancel_registration(seated)

    assert promoted == [first.pk]
    assert statuses([seated, first, second]) == [
        Status.CANCELLED,
        Status.CONFIRMED,
        Status.WAITLISTED,
    ]
    assert Registration.objects.get(pk=first.pk).decided_at is not None
    assert Registration.objects.get(pk=seated.pk).cancelled_at is not None
    assert [message.to for message in mail.outbox] == [["first@example.org"]]
    assert str(cohort) in mail.outbox[0].subject
    assert first.code in mail.outbox[0].body
    assert manage_url(first) in mail.outbox[0].body
    assert sms_phones() == [seated.phone, first.phone]
    assert first.code in MemorySMSBackend.outbox[1][1]
    assert manage_url(first) in MemorySMSBackend.outbox[1][1]


def test_cancel_promotes_to_pending_when_staff_approve(cohort):
    cohort.capacity = 1
    cohort.requires_approval = True
    cohort.save()
    [seated, waiting] = register_trainees(cohort, 2)

    promoted = cancel_registration(seated)

    assert promoted == [waiting.pk]
    assert statuses([seated, waiting]) == [Status.CANCELLED, Status.PENDING]


def test_cancel_of_a_waitlisted_registration_promotes_nobody(
    cohort, django_capture_on_commit_callbacks
):
    cohort.capacity = 1
    cohort.save()
    [seated, first, second] = register_trainees(cohort, 3)

    with django_capture_on_commit_callbacks(execute=True):
        promoted = cancel_registration(first)

    assert promoted == []
    assert statuses([seated, first, second]) == [
        Status.CONFIRMED,
        Status.CANCELLED,
        Status.WAITLISTED,
    ]
    assert sms_phones() == [first.phone]


def test_reject_frees_the_seat_and_promotes_the_first_waitlisted(
    cohort, django_capture_on_commit_callbacks
):
    cohort.capacity = 1
    cohort.requires_approval = True
    cohort.save()
    [pending, first, second] = register_trainees(cohort, 3)

    with django_capture_on_commit_callbacks(execute=True):
        rejected = reject_registrations([pending.pk], by=None)

    assert rejected == 1
    assert statuses([pending, first, second]) == [
        Status.REJECTED,
        Status.PENDING,
        Status.WAITLISTED,
    ]
    assert Registration.objects.get(pk=pending.pk).decided_at is not None
    assert sms_phones() == [pending.phone, first.phone]


def test_reject_ignores_registrations_that_are_not_pending(cohort):
    cohort.requires_approval = True
    cohort.save()
    [pending] = register_trainees(cohort, 1)
    approve_registrations([pending.pk], by=None)

    rejected = reject_registrations([pending.pk], by=None)

    assert (rejected, statuses([pending])) == (0, [Status.CONFIRMED])


def test_approve_confirms_pending_registrations(cohort, django_capture_on_commit_callbacks):
    cohort.requires_approval = True
    cohort.save()
    [pending, other] = register_trainees(cohort, 2)

    with django_capture_on_commit_callbacks(execute=True):
        approved = approve_registrations([pending.pk], by=None)

    assert approved == 1
    assert statuses([pending, other]) == [Status.CONFIRMED, Status.PENDING]
    assert Registration.objects.get(pk=pending.pk).decided_at is not None
    assert sms_phones() == [pending.phone]


def test_approve_leaves_waitlisted_registrations_alone(cohort):
    cohort.capacity = 1
    cohort.requires_approval = True
    cohort.save()
    [_pending, waiting] = register_trainees(cohort, 2)

    approved = approve_registrations([waiting.pk], by=None)

    assert (approved, statuses([waiting])) == (0, [Status.WAITLISTED])


@pytest.mark.parametrize("end", ["cancelled", "rejected"])
def test_cancel_refused_once_cancelled_or_rejected(cohort, end):
    cohort.requires_approval = True
    cohort.save()
    [registration] = register_trainees(cohort, 1)
    if end == "cancelled":
        cancel_registration(registration)
    else:
        reject_registrations([registration.pk], by=None)
    before = list(Registration.objects.values_list("pk", "status", "updated_at"))

    with translation.override("zh-hans"), pytest.raises(InvalidTransition) as refused:
        cancel_registration(registration)

    assert str(refused.value.message) == "该报名已无法更改。"
    assert list(Registration.objects.values_list("pk", "status", "updated_at")) == before


def test_cancel_by_the_trainee_refused_once_the_cohort_has_begun(cohort):
    [registration] = register_trainees(cohort, 1)
    type(cohort).objects.filter(pk=cohort.pk).update(starts_on=timezone.localdate())

    with translation.override("zh-hans"), pytest.raises(InvalidTransition) as refused:
        cancel_registration(registration)

    assert str(refused.value.message) == "班次已开班，如需取消请联系学院工作人员。"
    assert statuses([registration]) == [Status.CONFIRMED]


def test_cancel_by_staff_allowed_once_the_cohort_has_begun(cohort):
    [registration] = register_trainees(cohort, 1)
    type(cohort).objects.filter(pk=cohort.pk).update(starts_on=timezone.localdate())

    cancel_registration(registration, by=UserFactory(is_staff=True))

    assert statuses([registration]) == [Status.CANCELLED]


# Notices


def test_register_sends_notices_only_after_commit(cohort, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        [registration] = register(
            cohort.pk, applicants=[ApplicantFactory(email="trainee@example.org")]
        )
        assert (mail.outbox, MemorySMSBackend.outbox) == ([], [])

    assert len(callbacks) == 1
    assert (mail.outbox, MemorySMSBackend.outbox) == ([], [])

    callbacks[0]()

    assert [message.to for message in mail.outbox] == [["trainee@example.org"]]
    assert sms_phones() == [registration.phone]
    assert registration.code in MemorySMSBackend.outbox[0][1]


def test_register_rolled_back_sends_no_notice(cohort, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        register(cohort.pk, applicants=[ApplicantFactory(email="trainee@example.org")])
        raise Rollback

    assert callbacks == []
    assert (mail.outbox, MemorySMSBackend.outbox) == ([], [])
    assert written() == (0, 0)


def test_register_group_sends_one_notice_per_trainee_and_one_to_the_contact(
    cohort, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registrations = register(cohort.pk, applicants=ApplicantFactory.build_batch(3), group=UNIT)

    assert sorted(sms_phones()) == sorted(
        [UNIT.contact_phone, *(registration.phone for registration in registrations)]
    )
    assert mail.outbox == []


# Codes and tokens


def test_register_codes_are_eight_unambiguous_characters_and_tokens_unguessable(cohort):
    registrations = register_trainees(cohort, 40)

    codes = [registration.code for registration in registrations]
    tokens = [registration.token for registration in registrations]
    assert {len(code) for code in codes} == {8}
    assert set("".join(codes)) <= set(CODE_ALPHABET)
    assert not set("".join(codes)) & set("01258BILOSZ")
    assert len(set(codes)) == 40
    assert min(len(token) for token in tokens) >= 40
    assert len(set(tokens)) == 40
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", token) for token in tokens)
