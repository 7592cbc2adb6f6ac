"""Staff find a failed SMS in the notice log (通知发送记录) in Chromium and send it again with
the bulk action; the log then holds a new queued message with the same arguments."""

import re

import pytest
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import expect

from academy.settings.base import tasks_backend
from bookings.services import Applicant, register
from tests.bookings.factories import CohortFactory, ProgrammeIndexPageFactory, ProgrammePageFactory
from tests.factories import SuperuserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = "13905356688"


def test_staff_resend_a_failed_sms_from_the_notice_log(page, live_server, site_tree, settings):
    ProgrammeIndexPageFactory()
    cohort = CohortFactory(programme=ProgrammePageFactory(title="社区书记示范培训班"))
    # After the pages: Wagtail would queue its own tasks for them as rows too.
    settings.TASKS = tasks_backend("database")
    register(cohort.pk, applicants=[Applicant(name="李红梅", phone=PHONE, unit="向阳街道党工委")])
    sms = DBTaskResult.objects.get()
    try:
        raise ConnectionError("SMS gateway unreachable")
    except ConnectionError as error:
        sms.claim("worker")
        sms.set_failed(error)
    SuperuserFactory(username="staff", password="correct-horse-battery")

    page.goto(live_server.url + "/admin/login/")
    page.locator("input[name=username]").fill("staff")
    page.locator("input[name=password]").fill("correct-horse-battery")
    page.locator("button[type=submit]").click()
    page.goto(live_server.url + "/admin/notices/?status=FAILED")
    expect(page.get_by_text("ConnectionError: SMS gateway unreachable")).to_be_visible()
    assert PHONE not in page.content()
    page.locator(f"input[data-bulk-action-checkbox][data-object-id='{sms.pk}']").check()
    page.locator("[data-bulk-action-footer]").get_by_text("重新发送").click()
    page.get_by_role("button", name="重新发送").click()

    expect(page.get_by_text(re.compile("已将 1 条通知重新排队发送"))).to_be_visible()
    assert [
        (row.status, row.args_kwargs) for row in DBTaskResult.objects.order_by("enqueued_at")
    ] == [(TaskResultStatus.FAILED, sms.args_kwargs), (TaskResultStatus.READY, sms.args_kwargs)]
