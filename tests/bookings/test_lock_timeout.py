"""A request that waits for a cohort or session another request holds gets a clear "busy, try
again" within LOCK_TIMEOUT_SECONDS instead of hanging (PostgreSQL; on SQLite the transaction
is the lock and BEGIN IMMEDIATE waits its own busy timeout)."""

import contextlib
import json
import threading
import time

import pytest
from django.contrib.messages import get_messages
from django.db import connections, transaction

from bookings.models import Registration, Session
from bookings.services import Applicant, lock_cohort, register
from bookings.services.timetable import cancel_session
from core.locking import LockTimeout, lock_object

from .factories import CohortFactory, SessionFactory, mobile

# serialized_rollback: each test's flush would otherwise take the migrations' root page with it.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.postgres,
]

BUSY = "系统正在处理对同一事项的其他操作，请稍后重试。"


@pytest.fixture
def short_timeout(settings):
    settings.LOCK_TIMEOUT_SECONDS = 0.5


@contextlib.contextmanager
def held(lock):
    """Another request, in its own thread and connection, holds `lock()` until the block ends."""
    taken, release = threading.Event(), threading.Event()
    failures = []

    def hold():
        try:
            with transaction.atomic():
                lock()
                taken.set()
                release.wait(30)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(repr(error))
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert taken.wait(10), failures
        yield
    finally:
        release.set()
        thread.join(30)
    assert (thread.is_alive(), failures) == (False, [])


def applicant(serial: int = 1) -> Applicant:
    return Applicant(name=f"学员{serial}", phone=mobile(serial), unit="芝罘区向阳街道党工委")


def test_a_registration_for_a_held_cohort_is_busy_within_the_timeout(
    postgres, short_timeout, programme
):
    cohort = CohortFactory(programme=programme)

    with held(lambda: lock_cohort(cohort.pk)):
        started = time.monotonic()
        with pytest.raises(LockTimeout):
            register(cohort.pk, applicants=[applicant()])
        waited = time.monotonic() - started

    assert 0.4 <= waited < 3
    assert Registration.objects.count() == 0
    [registration] = register(cohort.pk, applicants=[applicant()])
    assert registration.status == Registration.Status.CONFIRMED


def test_the_api_answers_503_busy_while_the_cohort_is_held(
    postgres, short_timeout, programme, client
):
    cohort = CohortFactory(programme=programme)
    body = {"name": "张三", "phone": mobile(1), "unit": "芝罘区向阳街道党工委", "consent": True}

    with held(lambda: lock_cohort(cohort.pk)):
        response = client.post(
            f"/api/v1/cohorts/{cohort.pk}/registrations/",
            json.dumps(body),
            content_type="application/json",
            headers={"accept-language": "zh-hans"},
        )

    assert response.status_code == 503
    assert response.json() == {"detail": BUSY, "code": "busy"}
    assert Registration.objects.count() == 0


def test_a_trainee_cancelling_while_the_cohort_is_held_is_told_to_try_again(
    postgres, short_timeout, programme, client
):
    cohort = CohortFactory(programme=programme)
    [registration] = register(cohort.pk, applicants=[applicant()])

    with held(lambda: lock_cohort(cohort.pk)):
        response = client.post(f"{registration.get_absolute_url()}cancel/")

    assert response.status_code == 302
    assert [str(message) for message in get_messages(response.wsgi_request)] == [BUSY]
    assert Registration.objects.get().status == Registration.Status.CONFIRMED


def test_a_session_cancel_while_the_session_is_held_is_busy(postgres, short_timeout, programme):
    session = SessionFactory(cohort=CohortFactory(programme=programme))

    with held(lambda: lock_object(Session, session.pk)), pytest.raises(LockTimeout):
        cancel_session(session.pk, by=None)

    assert Session.objects.get().cancelled_at is None
