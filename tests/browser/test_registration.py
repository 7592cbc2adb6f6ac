"""A trainee registers for a cohort in Chromium; staff approve in the Wagtail admin; the
trainee's private page then says the seat is confirmed."""

import re

import pytest
from playwright.sync_api import expect

from bookings.models import Registration
from tests.bookings.factories import (
    CohortFactory,
    ProgrammeIndexPageFactory,
    ProgrammePageFactory,
    SessionFactory,
)
from tests.factories import LecturerPageFactory, SuperuserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def cohort(site_tree):
    ProgrammeIndexPageFactory()
    programme = ProgrammePageFactory(title="社区书记示范培训班", slug="secretaries")
    cohort = CohortFactory(programme=programme, title="第3期", capacity=30, requires_approval=True)
    SessionFactory(
        cohort=cohort, title="党建引领基层治理", lecturers=[LecturerPageFactory(title="王海燕")]
    )
    return cohort


def test_trainee_registers_and_staff_approves(page, live_server, cohort):
    SuperuserFactory(username="staff", password="correct-horse-battery")

    page.goto(live_server.url + "/programmes/")
    page.get_by_role("link", name=re.compile("第3期")).first.click()
    expect(page.locator("h1")).to_contain_text("社区书记示范培训班 第3期")
    # On a phone the day-by-day list shows the timetable (the week grid is for wide screens).
    expect(page.locator(".timetable").get_by_text("党建引领基层治理")).to_be_visible()

    page.get_by_label("姓名").fill("李红梅")
    page.get_by_label("手机号码").fill("12345")
    page.get_by_label("单位").fill("芝罘区向阳街道党工委")
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name="报名", exact=True).click()
    expect(page.get_by_text("请输入以1开头的11位手机号码。")).to_be_visible()
    assert Registration.objects.count() == 0

    page.get_by_label("手机号码").fill("１３９ ０５３５ ６６８８")
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name="报名", exact=True).click()
    expect(page).to_have_url(re.compile(r"/bookings/r/[\w-]{40,}/"))
    registration = Registration.objects.get()
    assert registration.phone == "13905356688"
    assert registration.status == Registration.Status.PENDING
    expect(page.get_by_text(registration.code)).to_be_visible()
    expect(page.get_by_text("待审核").first).to_be_visible()
    assert "13905356688" not in page.content()
    private_url = page.url.split("#")[0]

    staff = page.context.browser.new_context(locale="zh-CN")
    admin = staff.new_page()
    admin.goto(live_server.url + "/admin/login/")
    admin.locator("input[name=username]").fill("staff")
    admin.locator("input[name=password]").fill("correct-horse-battery")
    admin.locator("button[type=submit]").click()
    admin.goto(f"{live_server.url}/admin/snippets/bookings/registration/?cohort={cohort.pk}")
    expect(admin.get_by_text("李红梅")).to_be_visible()
    admin.locator(f"input[data-bulk-action-checkbox][data-object-id='{registration.pk}']").check()
    admin.locator("[data-bulk-action-footer]").get_by_text("审核通过").click()
    admin.get_by_role("button", name="审核通过").click()
    expect(admin.get_by_text(re.compile("1 条报名已通过"))).to_be_visible()
    staff.close()

    page.goto(private_url)
    expect(page.get_by_text("已确认").first).to_be_visible()
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
