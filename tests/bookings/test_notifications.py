"""Notices: their exact texts, one task per message, the queries a message costs, and the
database task backend whose worker sends them outside the request."""

import datetime
import logging
import signal
import threading
from collections import Counter
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.compat import TASKS_LOGGER, TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from wagtail.models import Site

from bookings.models import Registration
from bookings.notifications import Notice, send_notice
from bookings.services import BookingError, GroupContact, register
from core.sms import MemorySMSBackend
from tests import concurrency

from .factories import ApplicantFactory, CohortFactory, SessionFactory, mobile

pytestmark = pytest.mark.django_db

# The registration with its cohort's and programme's few fields, in one query.
NOTICE_QUERIES = 1
# A confirmation mail adds its cohort's timetable for the invitation (bookings.calendars.
# load_sessions: sessions, their cohorts with programmes, lecturers' names; these sessions have
# no course or base).
INVITATION_QUERIES = 3

UNIT = GroupContact(unit="芝罘区向阳街道党工委", contact_name="王老师", contact_phone=mobile(900))


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

    assert send_notice.call(registration.pk, str(Notice.CONFIRMED), "email") is True
    assert send_notice.call(registration.pk, str(Notice.CONFIRMED), "sms") is True

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

    send_notice.call(waiting.pk, str(Notice.PROMOTED), "sms")

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


def test_group_notice_tells_the_contact_where_the_groups_page_is(programme):
    cohort = CohortFactory(programme=programme, title="第3期", starts_on=datetime.date(2031, 5, 12))
    contact = GroupContact(
        unit="芝罘区向阳街道党工委",
        contact_name="王老师",
        contact_phone=mobile(900),
        contact_email="wang@example.org",
    )
    first, _second = register(
        cohort.pk, applicants=ApplicantFactory.build_batch(2, email=""), group=contact
    )
    group = first.group

    assert send_notice.call(first.pk, str(Notice.GROUP), "sms") is True
    assert send_notice.call(first.pk, str(Notice.GROUP), "email") is True

    message = (
        "王老师，您好：\n"
        "芝罘区向阳街道党工委的学员已报名 基层党组织书记培训班 第3期（2031年5月12日 开班）。\n"
        f"各学员的报名码和状态：http://testserver/bookings/g/{group.token}/\n"
        "烟台城市党建学院"
    )
    assert MemorySMSBackend.outbox == [(mobile(900), message)]
    [email] = mail.outbox
    assert (email.subject, email.body, email.to, email.attachments) == (
        "团体报名已提交：基层党组织书记培训班 第3期",
        message,
        ["wang@example.org"],
        [],
    )


def test_group_notice_by_mail_waits_for_the_contacts_address(cohort):
    [first] = register(cohort.pk, applicants=[ApplicantFactory(email="li@example.org")], group=UNIT)

    assert send_notice.call(first.pk, str(Notice.GROUP), "email") is False
    assert mail.outbox == []


def test_code_notice_gives_the_code_and_private_link_again(programme):
    cohort = CohortFactory(programme=programme, title="第3期")
    [registration] = register(cohort.pk, applicants=[ApplicantFactory(name="李明")])

    send_notice.call(registration.pk, str(Notice.CODE), "sms")

    assert MemorySMSBackend.outbox == [
        (
            registration.phone,
            "李明，您好：\n"
            "应您的要求，再次发送您在 基层党组织书记培训班 第3期 的报名信息。\n"
            f"报名码：{registration.code}\n"
            f"查看报名：{manage_url(registration)}\n"
            "烟台城市党建学院",
        )
    ]


def test_plain_text_notices_carry_quotes_and_angle_brackets_verbatim(programme):
    name = 'O\'Brien <script>"x"</script> & 张三'
    cohort = CohortFactory(programme=programme, title="\"红色物业\"专题 <第2期> & '加开'")
    [registration] = register(
        cohort.pk, applicants=[ApplicantFactory(name=name, email="ob@example.org")]
    )

    send_notice.call(registration.pk, str(Notice.CONFIRMED), "email")
    send_notice.call(registration.pk, str(Notice.CONFIRMED), "sms")

    cohort_name = "基层党组织书记培训班 \"红色物业\"专题 <第2期> & '加开'"
    [email] = mail.outbox
    [(_phone, sms)] = MemorySMSBackend.outbox
    assert email.subject == f"报名已确认：{cohort_name}"
    assert email.body.splitlines()[:2] == [
        f"{name}，您好：",
        f"您在 {cohort_name}（{cohort.starts_on:%Y年%-m月%-d日} 开班）的名额已确认。",
    ]
    assert sms == email.body
    assert email.content_subtype == "plain"
    assert not getattr(email, "alternatives", [])


def test_email_notice_to_a_registration_without_address_sends_nothing(cohort):
    [registration] = register(cohort.pk, applicants=[ApplicantFactory()])

    assert send_notice.call(registration.pk, str(Notice.CONFIRMED), "email") is False

    assert (mail.outbox, MemorySMSBackend.outbox) == ([], [])


def test_notice_to_a_deleted_registration_sends_nothing(cohort):
    [registration] = register(cohort.pk, applicants=[ApplicantFactory(email="li@example.org")])
    Registration.objects.filter(pk=registration.pk).delete()

    assert send_notice.call(registration.pk, str(Notice.CONFIRMED), "email") is False
    assert send_notice.call(registration.pk, str(Notice.CONFIRMED), "sms") is False

    assert (mail.outbox, MemorySMSBackend.outbox) == ([], [])


# Queries


@pytest.mark.parametrize("count", [1, 3])
def test_each_sms_notice_costs_one_query_however_large_the_group(
    cohort, count, django_assert_num_queries
):
    registrations = register(cohort.pk, applicants=ApplicantFactory.build_batch(count), group=UNIT)

    for registration in registrations:
        with django_assert_num_queries(NOTICE_QUERIES) as queries:
            assert send_notice.call(registration.pk, str(Notice.CONFIRMED), "sms") is True

        # Neither the programme page's body nor personal data the notices do not show is read.
        [sql] = [query["sql"] for query in queries.captured_queries]
        assert ('"body"' in sql, '"id_number"' in sql, '"title"' in sql) == (False, False, True)
    assert [phone for phone, _message in MemorySMSBackend.outbox] == [
        registration.phone for registration in registrations
    ]


@pytest.mark.parametrize("count", [1, 3])
def test_each_confirmation_mail_with_invitation_costs_the_same_queries(
    cohort, count, django_assert_num_queries
):
    SessionFactory(cohort=cohort)
    registrations = register(
        cohort.pk,
        applicants=[ApplicantFactory(email=f"trainee{n}@example.org") for n in range(count)],
        group=UNIT,
    )
    Site.get_site_root_paths()  # the programme's URL in the invitation; cached once a process

    for registration in registrations:
        with django_assert_num_queries(NOTICE_QUERIES + INVITATION_QUERIES):
            assert send_notice.call(registration.pk, str(Notice.CONFIRMED), "email") is True

    assert [(email.to, len(email.attachments)) for email in mail.outbox] == [
        ([registration.email], 1) for registration in registrations
    ]
    assert MemorySMSBackend.outbox == []


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


def run_worker_in_a_thread() -> None:
    """db_worker's loop until the queue is empty, with a connection of its own.

    A thread cannot set signal handlers, so this runs the command's worker without them.
    """
    errors = []

    def work():
        try:
            Worker(
                queue_names=["default"],
                interval=0,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=10,
                worker_id="thread",
                excluded_queue_names=[],
            ).run()
        except Exception as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert errors == []


def task_args(rows) -> list[list]:
    return [row.args_kwargs["args"] for row in rows.order_by("enqueued_at", "id")]


def test_write_queues_one_task_per_message_inside_its_transaction(
    cohort, database_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        first, second = register(
            cohort.pk,
            applicants=[ApplicantFactory(email="li@example.org"), ApplicantFactory()],
            group=UNIT,
        )

    assert callbacks == []  # the rows are written with the registrations, not after
    assert task_args(DBTaskResult.objects.all()) == [
        [first.pk, "confirmed", "email"],
        [first.pk, "confirmed", "sms"],
        [second.pk, "confirmed", "sms"],
        [first.pk, "group", "sms"],  # to the group's contact, who gave no address
    ]
    assert (mail.outbox, MemorySMSBackend.outbox) == ([], [])


def test_immediate_backend_sends_only_once_the_write_has_committed(
    cohort, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        [registration] = register(cohort.pk, applicants=[ApplicantFactory()])

    assert (len(callbacks), MemorySMSBackend.outbox) == (1, [])

    callbacks[0]()  # the commit

    assert [phone for phone, _message in MemorySMSBackend.outbox] == [registration.phone]
    assert DBTaskResult.objects.count() == 0


class Crash(Exception):
    """The process dies after the notices were queued, before the registration commits."""


@worker_test
def test_task_rows_roll_back_with_the_registration(cohort, database_tasks):
    with pytest.raises(Crash), transaction.atomic():
        register(cohort.pk, applicants=[ApplicantFactory(email="li@example.org")])
        assert DBTaskResult.objects.count() == 2  # queued, in the same transaction
        raise Crash

    assert (Registration.objects.count(), DBTaskResult.objects.count()) == (0, 0)

    [registration] = register(cohort.pk, applicants=[ApplicantFactory(email="li@example.org")])

    assert task_args(DBTaskResult.objects.all()) == [
        [registration.pk, "confirmed", "email"],
        [registration.pk, "confirmed", "sms"],
    ]


@worker_test
def test_group_messages_are_queued_in_the_registrations_transaction(cohort, database_tasks):
    with CaptureQueriesContext(connection) as queries:
        register(cohort.pk, applicants=ApplicantFactory.build_batch(3), group=UNIT)

    statements = [query["sql"] for query in queries.captured_queries]
    task_inserts = [
        index
        for index, sql in enumerate(statements)
        if sql.startswith("INSERT") and DBTaskResult._meta.db_table in sql
    ]
    commits = [index for index, sql in enumerate(statements) if sql.startswith("COMMIT")]
    # One commit, the registrations', after the rows (three trainees' and the contact's); no
    # transaction of their own.
    assert (len(task_inserts), len(commits)) == (4, 1)
    assert task_inserts[-1] < commits[0] == len(statements) - 1
    assert DBTaskResult.objects.count() == 4


@worker_test
def test_worker_sees_no_task_until_the_registration_commits(cohort, database_tasks, postgres):
    with transaction.atomic():
        [registration] = register(cohort.pk, applicants=[ApplicantFactory()])
        run_worker_in_a_thread()

        assert MemorySMSBackend.outbox == []

    run_worker_in_a_thread()

    assert [phone for phone, _message in MemorySMSBackend.outbox] == [registration.phone]
    assert [row.status for row in DBTaskResult.objects.all()] == [TaskResultStatus.SUCCESSFUL]


@worker_test
def test_concurrent_registrations_commit_exactly_their_task_rows(cohort, database_tasks, postgres):
    """The rows are written while the cohort is locked: 30 trainees at once for ten seats."""
    applicants = [ApplicantFactory(phone=mobile(1000 + index)) for index in range(30)]

    results = concurrency.run_together(
        30,
        lambda index: register(cohort.pk, applicants=[applicants[index]])[0].status,
        refusals=(BookingError,),
    )

    assert Counter(results) == {"confirmed": 10, "waitlisted": 20}
    assert sorted(task_args(DBTaskResult.objects.all())) == sorted(
        [registration.pk, registration.status, "sms"] for registration in Registration.objects.all()
    )


@worker_test
def test_registration_queues_its_notices_and_the_worker_sends_them_once(cohort, database_tasks):
    [registration] = register(cohort.pk, applicants=[ApplicantFactory(email="li@example.org")])

    rows = DBTaskResult.objects.all()
    assert [(row.status, row.task_path) for row in rows] == [
        (TaskResultStatus.READY, "bookings.notifications.send_notice")
    ] * 2
    assert task_args(rows) == [
        [registration.pk, "confirmed", "email"],
        [registration.pk, "confirmed", "sms"],
    ]
    assert (mail.outbox, MemorySMSBackend.outbox) == ([], [])

    run_worker()
    run_worker()  # the queue is empty: nothing is sent twice

    assert [(row.status, row.return_value) for row in rows.all()] == [
        (TaskResultStatus.SUCCESSFUL, True)
    ] * 2
    [email] = mail.outbox
    assert email.to == ["li@example.org"]
    assert MemorySMSBackend.outbox == [(registration.phone, email.body)]


@worker_test
def test_failing_message_fails_alone_and_is_sent_once_when_queued_again(
    cohort, database_tasks, settings
):
    settings.SMS_BACKEND = f"{__name__}.FlakySMSBackend"
    registrations = register(
        cohort.pk,
        applicants=[
            ApplicantFactory(phone=mobile(1), email="one@example.org"),
            ApplicantFactory(phone=UNREACHABLE, email="two@example.org"),
            ApplicantFactory(phone=mobile(3), email="three@example.org"),
        ],
        group=UNIT,
    )

    run_worker()
    run_worker()  # a failed task is not retried by itself: nothing is sent twice

    [failed] = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED)
    assert failed.args_kwargs["args"] == [registrations[1].pk, "confirmed", "sms"]
    assert failed.exception_class_path == "builtins.ConnectionError"
    assert failed.traceback.endswith("ConnectionError: SMS gateway unreachable\n")
    # Five of the trainees' messages and the contact's SMS.
    assert DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).count() == 6
    assert sorted(email.to[0] for email in mail.outbox) == [
        "one@example.org",
        "three@example.org",
        "two@example.org",
    ]
    assert sorted(phone for phone, _message in MemorySMSBackend.outbox) == [
        mobile(1),
        mobile(3),
        mobile(900),
    ]
    assert (
        sorted(Registration.objects.values_list("status", flat=True))
        == [Registration.Status.CONFIRMED] * 3
    )

    # The gateway is back: staff queue the failed message again, and only it is sent.
    settings.SMS_BACKEND = "core.sms.MemorySMSBackend"
    send_notice.enqueue(*failed.args_kwargs["args"])
    run_worker()

    assert len(mail.outbox) == 3
    assert sorted(phone for phone, _message in MemorySMSBackend.outbox) == [
        mobile(1),
        UNREACHABLE,
        mobile(3),
        mobile(900),
    ]
