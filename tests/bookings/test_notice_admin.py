"""The notice log (通知发送记录) in the Wagtail admin: the database backend's rows of notice
messages, masked, filtered, and failed ones sent again."""

import smtplib
from traceback import format_exception

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from bookings.admin.notices import error_text
from bookings.services import GroupContact, register

from .factories import ApplicantFactory
from .helpers import messages_of, staff_user

pytestmark = pytest.mark.django_db

Status = TaskResultStatus
LIST_URL = "/admin/notices/"
PHONE = "13812345678"
MASKED_PHONE = "138****5678"


def rows():
    """The notice rows, oldest first."""
    return DBTaskResult.objects.order_by("enqueued_at")


def fail(row: DBTaskResult, error: Exception) -> DBTaskResult:
    """Mark the row FAILED as the worker does when its task raises `error`."""
    try:
        raise error
    except Exception as raised:
        row.claim("test-worker")
        row.set_failed(raised)
    return row


def succeed(row: DBTaskResult) -> DBTaskResult:
    row.claim("test-worker")
    row.set_successful(True)
    return row


def resend_url(row: DBTaskResult) -> str:
    return f"/admin/notices/resend/{row.pk}/?next={LIST_URL}"


def bulk_url(rows) -> str:
    ids = "&".join(f"id={row.pk}" for row in rows)
    return f"/admin/bulk/django_tasks_database/dbtaskresult/resend/?next={LIST_URL}&{ids}"


def listed(response) -> list:
    return [row.pk for row in response.context["object_list"]]


def args_of(queryset) -> list[list]:
    return [row.args_kwargs["args"] for row in queryset]


# Listing


def test_notice_log_lists_messages_newest_first_with_masked_phone_only(
    admin_client, cohort, database_tasks
):
    [registration] = register(
        cohort.pk, applicants=[ApplicantFactory(phone=PHONE, email="li@example.org")]
    )
    mail, sms = rows()

    response = admin_client.get(LIST_URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert listed(response) == [sms.pk, mail.pk]
    assert "通知发送记录" in content
    assert registration.code in content
    assert MASKED_PHONE in content
    assert PHONE not in content
    assert "Task Result" not in content  # the library's untranslated names
    assert ("报名确认" in content, "邮件" in content, "短信" in content, "待发送" in content) == (
        True,
        True,
        True,
        True,
    )


def test_notice_log_shows_a_group_notice_with_its_contacts_masked_phone(
    admin_client, cohort, database_tasks
):
    contact = GroupContact(unit="芝罘区向阳街道党工委", contact_name="王老师", contact_phone=PHONE)
    register(cohort.pk, applicants=[ApplicantFactory(phone="13700000000")], group=contact)
    [_trainee, to_contact] = rows()

    listing = admin_client.get(LIST_URL).content.decode()
    inspect = admin_client.get(f"/admin/notices/inspect/{to_contact.pk}/").content.decode()

    assert args_of([to_contact])[0][1:] == ["group", "sms"]
    assert "团体报名成功（发给联系人）" in listing
    assert (MASKED_PHONE in listing, "137****0000" in listing) == (True, True)
    assert MASKED_PHONE in inspect
    assert PHONE not in listing + inspect


def test_notice_log_shows_why_a_message_failed_without_the_traceback(
    admin_client, cohort, database_tasks
):
    [registration] = register(cohort.pk, applicants=[ApplicantFactory(phone=PHONE)])
    [sms] = rows()
    fail(sms, ConnectionError(f"SMS gateway refused {PHONE}"))

    response = admin_client.get(LIST_URL)

    content = response.content.decode()
    assert "发送失败" in content
    assert f"ConnectionError: SMS gateway refused {MASKED_PHONE}" in content
    assert "Traceback" not in content
    assert PHONE not in content


def test_notice_inspect_shows_the_traceback_with_numbers_masked(
    admin_client, cohort, database_tasks
):
    register(cohort.pk, applicants=[ApplicantFactory(phone=PHONE)])
    [sms] = rows()
    fail(sms, ConnectionError(f"SMS gateway refused {PHONE}"))

    response = admin_client.get(f"/admin/notices/inspect/{sms.pk}/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "Traceback (most recent call last)" in content
    assert f"ConnectionError: SMS gateway refused {MASKED_PHONE}" in content
    assert PHONE not in content


def test_notice_log_filters_by_status(admin_client, cohort, database_tasks):
    register(cohort.pk, applicants=ApplicantFactory.build_batch(3))
    sent, failed, queued = rows()
    succeed(sent)
    fail(failed, ConnectionError("SMS gateway unreachable"))

    listings = {
        status: listed(admin_client.get(LIST_URL, {"status": status}))
        for status in (Status.READY, Status.FAILED, Status.SUCCESSFUL)
    }

    assert listings == {
        Status.READY: [queued.pk],
        Status.FAILED: [failed.pk],
        Status.SUCCESSFUL: [sent.pk],
    }


def test_notice_log_with_an_unknown_status_filter_lists_everything(
    admin_client, cohort, database_tasks
):
    register(cohort.pk, applicants=ApplicantFactory.build_batch(2))

    response = admin_client.get(LIST_URL, {"status": "LOST"})

    assert response.status_code == 200
    assert len(listed(response)) == 2


def test_notice_log_lists_only_notice_tasks(admin_client, cohort, database_tasks):
    register(cohort.pk, applicants=[ApplicantFactory()])
    DBTaskResult.objects.create(
        task_path="wagtail.images.tasks.set_image_focal_point",
        args_kwargs={"args": [1], "kwargs": {}},
        backend_name="default",
    )
    [notice] = rows().filter(task_path="bookings.notifications.send_notice")

    response = admin_client.get(LIST_URL)

    assert listed(response) == [notice.pk]


def test_notice_log_with_the_immediate_backend_says_notices_are_sent_at_once(admin_client, cohort):
    register(cohort.pk, applicants=[ApplicantFactory()])

    response = admin_client.get(LIST_URL)

    assert response.status_code == 200
    assert "通知即时发送，没有发送记录。" in response.content.decode()
    assert DBTaskResult.objects.count() == 0


def count_list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST_URL).status_code == 200
    return len(queries.captured_queries)


def test_notice_log_queries_do_not_grow_with_rows(admin_client, cohort, database_tasks):
    register(cohort.pk, applicants=[ApplicantFactory()])
    admin_client.get(LIST_URL)  # fills the per-process caches (site roots, locales)
    one = count_list_queries(admin_client)
    register(cohort.pk, applicants=ApplicantFactory.build_batch(2))

    three = count_list_queries(admin_client)

    assert DBTaskResult.objects.count() == 3
    assert one == three


def test_notice_log_is_in_the_training_menu_for_staff_who_see_registrations(client, database_tasks):
    client.force_login(staff_user("bookings.view_registration"))

    response = client.get("/admin/")

    assert '"name": "notices"' in response.content.decode()  # the menu, as JSON for the sidebar
    assert client.get(LIST_URL).status_code == 200


def test_notice_log_is_refused_to_staff_without_registration_permissions(client, database_tasks):
    client.force_login(staff_user("bookings.change_cohort"))

    response = client.get(LIST_URL)

    assert (response.status_code, response.url) == (302, "/admin/")
    assert '"name": "notices"' not in client.get("/admin/").content.decode()


# Resending one


def test_resending_a_failed_message_queues_one_new_task_with_the_same_args(
    admin_client, cohort, database_tasks
):
    register(cohort.pk, applicants=[ApplicantFactory(email="li@example.org")])
    mail, sms = rows()
    fail(sms, ConnectionError("SMS gateway unreachable"))

    response = admin_client.post(resend_url(sms))

    assert (response.status_code, response.url) == (302, LIST_URL)
    assert messages_of(response) == [("success", "已将 1 条通知重新排队发送。")]
    new = rows().exclude(pk__in=[mail.pk, sms.pk])
    assert [(row.status, row.args_kwargs) for row in new] == [(Status.READY, sms.args_kwargs)]
    assert [row.status for row in rows().filter(pk__in=[mail.pk, sms.pk])] == [
        Status.READY,
        Status.FAILED,
    ]


def test_resend_page_on_get_asks_and_changes_nothing(admin_client, cohort, database_tasks):
    register(cohort.pk, applicants=[ApplicantFactory()])
    [sms] = rows()
    fail(sms, ConnectionError("SMS gateway unreachable"))

    response = admin_client.get(resend_url(sms))

    content = response.content.decode()
    assert response.status_code == 200
    assert "重新发送通知" in content
    assert 'method="POST"' in content
    assert args_of(rows()) == [sms.args_kwargs["args"]]


def test_resending_a_message_that_was_sent_is_refused(admin_client, cohort, database_tasks):
    register(cohort.pk, applicants=[ApplicantFactory()])
    [sms] = rows()
    succeed(sms)

    response = admin_client.post(resend_url(sms))
    page = admin_client.get(resend_url(sms))

    assert (response.status_code, response.url) == (302, LIST_URL)
    assert messages_of(response) == [("error", "只有发送失败的通知可以重新发送。")]
    assert (page.status_code, page.url) == (302, LIST_URL)
    assert [row.pk for row in rows()] == [sms.pk]


def test_resending_is_refused_to_staff_who_cannot_change_registrations(
    client, cohort, database_tasks
):
    register(cohort.pk, applicants=[ApplicantFactory()])
    [sms] = rows()
    fail(sms, ConnectionError("SMS gateway unreachable"))
    client.force_login(staff_user("bookings.view_registration"))

    listing = client.get(LIST_URL).content.decode()
    response = client.post(resend_url(sms))

    assert (response.status_code, response.url) == (302, "/admin/")
    assert [row.pk for row in rows()] == [sms.pk]
    assert ("重新发送" in listing, "data-bulk-action-checkbox" in listing) == (False, False)


def test_staff_who_change_registrations_resend(client, cohort, database_tasks):
    register(cohort.pk, applicants=[ApplicantFactory()])
    [sms] = rows()
    fail(sms, ConnectionError("SMS gateway unreachable"))
    client.force_login(staff_user("bookings.change_registration"))

    listing = client.get(LIST_URL).content.decode()
    response = client.post(resend_url(sms))

    assert f"/admin/notices/resend/{sms.pk}/" in listing
    assert (
        "data-bulk-action-checkbox" in listing,
        'data-bulk-action-footer="NOTICE"' in listing,
    ) == (
        True,
        True,
    )
    assert messages_of(response) == [("success", "已将 1 条通知重新排队发送。")]
    assert rows().count() == 2


def test_resend_of_an_unknown_row_is_not_found(admin_client, database_tasks):
    response = admin_client.post("/admin/notices/resend/00000000-0000-0000-0000-000000000000/")
    bad = admin_client.post("/admin/notices/resend/not-a-uuid/")

    assert (response.status_code, bad.status_code) == (404, 404)


# Resending several


def test_bulk_resend_queues_the_failed_ones_and_leaves_the_others(
    admin_client, cohort, database_tasks
):
    register(cohort.pk, applicants=ApplicantFactory.build_batch(3))
    first, second, sent = rows()
    fail(first, ConnectionError("SMS gateway unreachable"))
    fail(second, TimeoutError("SMS gateway timed out"))
    succeed(sent)

    page = admin_client.get(bulk_url([first, second, sent]))
    response = admin_client.post(bulk_url([first, second, sent]))

    assert page.status_code == 200
    assert [entry["item"].pk for entry in page.context["failed"]] == [second.pk, first.pk]
    assert [entry["item"].pk for entry in page.context["unchanged"]] == [sent.pk]
    assert rows().count() == 5  # the page changed nothing; the POST queued two
    assert messages_of(response) == [("success", "已将 2 条通知重新排队发送。")]
    new = rows().exclude(pk__in=[first.pk, second.pk, sent.pk])
    assert sorted(args_of(new)) == sorted([first.args_kwargs["args"], second.args_kwargs["args"]])
    assert {row.status for row in new} == {Status.READY}


def test_bulk_resend_of_rows_that_did_not_fail_queues_nothing(admin_client, cohort, database_tasks):
    register(cohort.pk, applicants=[ApplicantFactory()])
    [sms] = rows()
    succeed(sms)

    response = admin_client.post(bulk_url([sms]))

    assert messages_of(response) == [("success", "已将 0 条通知重新排队发送。")]
    assert rows().count() == 1


def test_bulk_resend_is_refused_to_staff_who_cannot_change_registrations(
    client, cohort, database_tasks
):
    register(cohort.pk, applicants=[ApplicantFactory()])
    [sms] = rows()
    fail(sms, ConnectionError("SMS gateway unreachable"))
    client.force_login(staff_user("bookings.view_registration"))

    response = client.post(bulk_url([sms]))

    assert (response.status_code, response.url) == (302, "/admin/")
    assert rows().count() == 1


def test_bulk_resend_ignores_ids_that_are_not_rows(admin_client, cohort, database_tasks):
    register(cohort.pk, applicants=[ApplicantFactory()])
    [sms] = rows()
    fail(sms, ConnectionError("SMS gateway unreachable"))

    response = admin_client.post(
        f"/admin/bulk/django_tasks_database/dbtaskresult/resend/?next={LIST_URL}"
        f"&id=not-a-uuid&id={sms.pk}"
    )

    assert messages_of(response) == [("success", "已将 1 条通知重新排队发送。")]
    assert rows().count() == 2


def test_bulk_resend_of_all_in_a_filtered_listing_takes_the_filter(
    admin_client, cohort, database_tasks
):
    register(cohort.pk, applicants=ApplicantFactory.build_batch(2))
    failed, queued = rows()
    fail(failed, ConnectionError("SMS gateway unreachable"))

    response = admin_client.post(
        f"/admin/bulk/django_tasks_database/dbtaskresult/resend/?status=FAILED&id=all&next={LIST_URL}"
    )

    assert messages_of(response) == [("success", "已将 1 条通知重新排队发送。")]
    assert args_of(rows().exclude(pk__in=[failed.pk, queued.pk])) == [failed.args_kwargs["args"]]


# Why a message failed


def failed_row(error: Exception) -> DBTaskResult:
    """An unsaved row as the worker leaves it when its task raises `error`."""
    try:
        raise error
    except Exception as raised:
        traceback = "".join(format_exception(raised))
    return DBTaskResult(
        status=Status.FAILED,
        exception_class_path=f"{type(error).__module__}.{type(error).__qualname__}",
        traceback=traceback,
    )


def test_error_text_is_the_raised_exception_after_its_causes():
    try:
        try:
            raise ConnectionError("refused")
        except ConnectionError as cause:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed") from cause
    except smtplib.SMTPServerDisconnected as error:
        row = failed_row(error)

    assert "ConnectionError: refused" in row.traceback
    assert error_text(row) == "smtplib.SMTPServerDisconnected: Connection unexpectedly closed"


def test_error_text_of_an_exception_without_message_is_its_class():
    assert error_text(failed_row(TimeoutError())) == "TimeoutError"


def test_error_text_masks_phone_and_id_numbers():
    row = failed_row(ValueError(f"bad recipient {PHONE}, id 370602199001011234"))

    assert error_text(row) == f"ValueError: bad recipient {MASKED_PHONE}, id 3706**********1234"


def test_a_failed_message_is_queued_again_once_however_often_staff_click(
    admin_client, cohort, database_tasks
):
    register(cohort.pk, applicants=[ApplicantFactory()])
    [sms] = rows()
    fail(sms, ConnectionError("SMS gateway unreachable"))
    admin_client.post(resend_url(sms), follow=True)  # the listing shows its message

    again = admin_client.post(resend_url(sms), follow=True)
    bulk = admin_client.post(bulk_url([sms]))

    assert messages_of(again) == [("error", "该通知已重新排队，不必再发。")]
    assert messages_of(bulk) == [("success", "已将 0 条通知重新排队发送。")]
    assert args_of(rows()) == [sms.args_kwargs["args"]] * 2
