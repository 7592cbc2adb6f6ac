import pytest

from bookings.models import Registration
from tests.bookings import conftest as booking_fixtures
from tests.bookings.factories import register_trainees

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
