"""Notices: their exact texts, the queries that load them, and the database task backend whose
worker sends them outside the request."""

import datetime
import logging
import signal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.compat import TASKS_LOGGER, TaskResultStatus
from django_tasks_db.models import DBTaskResult

from academy.settings.base import tasks_backend
from bookings.models import Registration
from bookings.notifications import MemorySMSBackend, Notice, send_notices
from bookings.services import register

from .factories import (
    ApplicantFactory,
    CohortFactory,
    SessionFactory,
    mobile,
    register_trainees,
)

pytestmark = pytest.mark.django_db

# The registrations with their cohorts' and programmes' few fields, in one query.
NOTICE_QUERIES = 1
# A confirmation adds its cohort's timetable for the invitation (bookings.calendars.load_sessions:
# sessions, their cohorts with programmes, lecturers' names; these sessions have no course or
# base) and the site roots for the programme's URL (then cached).
INVITATION_QUERIES = 4


def manage_url(registration) -> str:
    return f"http://testserver/bookings/r/{registration.token}/"


# Texts


def test_confirmation_texts_name_the_trainee_cohort_code_and_link(programme):
    cohort = CohortFactory(
        programme=programme,
        title="第3期",
        starts_on=datetime.date(2031, 5, 12),
        ends_on=datetime.date(2031, 5, 14),
    )
    [registration] = register(
        cohort.pk, applicants=[ApplicantFactory(name="李明", email="li@example.org")]
    )

    assert send_notices.call([registration.pk], str(Notice.CONFIRMED)) == 1

    message = (
        "李明，您好：\n"
        "您在 基层党组织书记培训班 第3期（2031年5月12日 开班）的名额已确认。\n"
        f"报名码：{registration.code}\n"
        f"查看报名：{manage_url(registration)}\n"
        "烟台城市党建学院"
    )
    [email] = mail.outbox
    assert (email.subject, email.body, email.to) == (
        "报名已确认：基层党组织书记培训班 第3期",
        message,
        ["li@example.org"],
    )
    assert MemorySMSBackend.outbox == [(registration.phone, message)]


def test_promotion_pending_approval_says_the_academy_will_confirm(programme):
    cohort = CohortFactory(programme=programme, title="第4期", capacity=1, requires_approval=True)
    [first] = register(cohort.pk, applicants=[ApplicantFactory()])
    [waiting] = register(cohort.pk, applicants=[ApplicantFactory(name="张华")])
    Registration.objects.filter(pk=first.pk).update(status=Registration.Status.CANCELLED)
    Registration.objects.filter(pk=waiting.pk).update(status=Registration.Status.PENDING)

    send_notices.call([waiting.pk], str(Notice.PROMOTED))

    assert MemorySMSBackend.outbox == [
        (
            waiting.phone,
            "张华，您好：\n"
            "基层党组织书记培训班 第4期 有名额空出，现已递补给您。 学院审核后将予以确认。\n"
            f"报名码：{waiting.code}\n"
            f"查看报名：{manage_url(waiting)}\n"
            "烟台城市党建学院",
        )
    ]


# Queries


@pytest.mark.parametrize("count", [1, 3])
def test_send_notices_queries_do_not_grow_with_registrations(
    cohort, count, django_assert_num_queries
):
    registrations = register_trainees(cohort, count)
    ids = [registration.pk for registration in registrations]

    with django_assert_num_queries(NOTICE_QUERIES) as queries:
        assert send_notices.call(ids, str(Notice.WAITLISTED)) == count

    assert len(MemorySMSBackend.outbox) == count
    # Neither the programme page's body nor personal data the notices do not show is read.
    [sql] = [query["sql"] for query in queries.captured_queries]
    assert ('"body"' in sql, '"id_number"' in sql, '"title"' in sql) == (False, False, True)


@pytest.mark.parametrize("count", [1, 3])
def test_send_confirmations_with_invitations_queries_do_not_grow(
    cohort, count, django_assert_num_queries
):
    SessionFactory(cohort=cohort)
    registrations = register_trainees(cohort, count)
    for registration in registrations:
        Registration.objects.filter(pk=registration.pk).update(email="trainee@example.org")
    ids = [registration.pk for registration in registrations]

    with django_assert_num_queries(NOTICE_QUERIES + INVITATION_QUERIES):
        assert send_notices.call(ids, str(Notice.CONFIRMED)) == count

    assert [len(email.attachments) for email in mail.outbox] == [1] * count


# The database backend and its worker

# The worker runs in a process of its own after the registration has committed, so these tests
# commit for real; serialized_rollback keeps the migrations' root page for the tests after them.
worker_test = pytest.mark.django_db(transaction=True, serialized_rollback=True)

UNREACHABLE = mobile(2)


class FlakySMSBackend:
    """A provider whose gateway cannot reach one number; the others go to the memory outbox."""

    def send(self, phone: str, message: str) -> None:
        if phone == UNREACHABLE:
            raise ConnectionError("SMS gateway unreachable")
        MemorySMSBackend().send(phone, message)


@pytest.fixture
def database_tasks(settings):
    """Tasks are rows for `db_worker`, as with the production settings."""
    settings.TASKS = tasks_backend("database")


def run_worker() -> None:
    """`manage.py db_worker` until the queue is empty (ten tasks at most).

    The command sets signal handlers and log levels for a process of its own; they are put
    back so that the rest of the test run keeps its own.
    """
    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
    handlers = [signal.getsignal(number) for number in signals]
    loggers = [logging.getLogger(name) for name in (TASKS_LOGGER, "django_tasks_db")]
    levels = [logger.level for logger in loggers]
    try:
        call_command(
            "db_worker",
            "--batch",
            "--max-tasks=10",
            "--interval=0",
            "--no-startup-delay",
            "--no-reload",
            verbosity=0,
            stdout=StringIO(),
        )
    finally:
        for number, handler in zip(signals, handlers, strict=True):
            signal.signal(number, handler)
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@worker_test
def test_registration_queues_its_notice_and_the_worker_sends_it_once(cohort, database_tasks):
    [registration] = register(cohort.pk, applicants=[ApplicantFactory(email="li@example.org")])

    [row] = DBTaskResult.objects.all()
    assert (row.status, row.task_path, row.args_kwargs) == (
        TaskResultStatus.READY,
        "bookings.notifications.send_notices",
        {"args": [[registration.pk], "confirmed"], "kwargs": {}},
    )
    assert (mail.outbox, MemorySMSBackend.outbox) == ([], [])

    run_worker()
    run_worker()  # the queue is empty: nothing is sent twice

    row.refresh_from_db()
    assert (row.status, row.return_value) == (TaskResultStatus.SUCCESSFUL, 1)
    [email] = mail.outbox
    assert email.to == ["li@example.org"]
    assert MemorySMSBackend.outbox == [(registration.phone, email.body)]


@worker_test
def test_failing_notice_is_recorded_as_failed_and_registration_stands(
    cohort, database_tasks, settings
):
    settings.SMS_BACKEND = f"{__name__}.FlakySMSBackend"
    [unreachable] = register(cohort.pk, applicants=[ApplicantFactory(phone=UNREACHABLE)])
    [reachable] = register(cohort.pk, applicants=[ApplicantFactory(phone=mobile(3))])

    run_worker()

    rows = {row.args_kwargs["args"][0][0]: row for row in DBTaskResult.objects.all()}
    failed, succeeded = rows[unreachable.pk], rows[reachable.pk]
    assert (failed.status, failed.exception_class_path) == (
        TaskResultStatus.FAILED,
        "builtins.ConnectionError",
    )
    assert failed.traceback.endswith("ConnectionError: SMS gateway unreachable\n")
    assert succeeded.status == TaskResultStatus.SUCCESSFUL
    assert [phone for phone, _message in MemorySMSBackend.outbox] == [reachable.phone]
    assert sorted(Registration.objects.values_list("pk", "status")) == [
        (unreachable.pk, Registration.Status.CONFIRMED),
        (reachable.pk, Registration.Status.CONFIRMED),
    ]
