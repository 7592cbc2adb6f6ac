"""Notices: their exact texts and the queries that load them."""

import datetime

import pytest
from django.core import mail

from bookings.models import Registration
from bookings.notifications import MemorySMSBackend, Notice, send_notices
from bookings.services import register

from .factories import ApplicantFactory, CohortFactory, SessionFactory, register_trainees

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
