import datetime

import pytest
from django.utils import timezone

from bookings.models import Registration, Session
from tests.attendance.results_fixtures import completed_cohort, programmes  # noqa: F401
from tests.bookings import conftest as booking_fixtures
from tests.bookings.factories import SessionFactory, register_trainees
from tests.factories import UserFactory

# The booking tests' fixtures: a programme under its index, a cohort of ten seats; SMS outbox
# emptied and Chinese active around each test.
_chinese = booking_fixtures._chinese
_sms_outbox = booking_fixtures._sms_outbox
programme_index = booking_fixtures.programme_index
programme = booking_fixtures.programme
cohort = booking_fixtures.cohort


@pytest.fixture
def registration(cohort) -> Registration:
    """A confirmed registration in the cohort (ten seats, no approval)."""
    (registration,) = register_trainees(cohort, 1)
    assert registration.status == Registration.Status.CONFIRMED
    return registration


@pytest.fixture
def session(cohort) -> Session:
    """A session of the cohort that started five minutes ago: check-ins now are on time."""
    starts_at = timezone.now() - datetime.timedelta(minutes=5)
    return SessionFactory(
        cohort=cohort, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=2)
    )


@pytest.fixture
def staff():
    return UserFactory(username="jiaowu-zhang", is_staff=True)
