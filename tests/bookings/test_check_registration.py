"""`check_registration`: what `register` would decide or refuse, with nothing written (an
import's preview asks it for each cohort)."""

import pytest
from django.db import transaction
from django.utils import translation
from wagtail.models import ModelLogEntry

from bookings.models import Registration
from bookings.services import AlreadyRegistered, BookingError, CohortFull, register
from bookings.services.registrations import check_registration
from core.validators import mask_phone

from .factories import ApplicantFactory, CohortFactory, mobile

pytestmark = pytest.mark.django_db


def check(cohort, applicants):
    with transaction.atomic():
        found, status, _now = check_registration(cohort.pk, applicants=applicants)
    return found, status


def test_check_registration_gives_the_status_and_writes_nothing(programme):
    cohort = CohortFactory(programme=programme, capacity=2)
    applicants = [ApplicantFactory(), ApplicantFactory()]

    assert check(cohort, applicants) == (cohort, "confirmed")
    assert check(cohort, [*applicants, ApplicantFactory()]) == (cohort, "waitlisted")
    assert (Registration.objects.count(), ModelLogEntry.objects.count()) == (0, 0)


def test_check_registration_refuses_as_register_does(programme):
    cohort = CohortFactory(programme=programme, capacity=1, waitlist_enabled=False)
    [taken] = register(cohort.pk, applicants=[ApplicantFactory(phone=mobile(1))])

    with pytest.raises(AlreadyRegistered):
        check(cohort, [ApplicantFactory(phone=taken.phone)])
    with pytest.raises(CohortFull):
        check(cohort, [ApplicantFactory()])
    with translation.override("zh-hans"):
        with pytest.raises(BookingError) as twice:
            check(cohort, [ApplicantFactory(phone=mobile(2)), ApplicantFactory(phone=mobile(2))])
        assert str(twice.value.message) == f"同一手机号码出现了两次：{mask_phone(mobile(2))}。"
    assert Registration.objects.count() == 1
