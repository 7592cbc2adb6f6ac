"""A trainee registers for a cohort in Chromium on a phone's screen (390 x 844): the button is
in the first viewport; staff approve in the Wagtail admin; the trainee's private page then says
the seat is confirmed. A full cohort's waiting list gives each trainee their position."""

import re

import pytest
from playwright.sync_api import expect

from bookings.models import Cohort, Registration
from tests.bookings.factories import (
    CohortFactory,
    ProgrammeIndexPageFactory,
    ProgrammePageFactory,
    SessionFactory,
    register_trainees,
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
    page.get_by_role("button", name="报名需审核", exact=True).click()
    expect(page.get_by_text("请输入以1开头的11位手机号码。")).to_be_visible()
    assert Registration.objects.count() == 0

    page.get_by_label("手机号码").fill("１３９ ０５３５ ６６８８")
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name="报名需审核", exact=True).click()
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


def in_first_viewport(page, locator) -> bool:
    """Whether the element lies wholly inside the viewport, the page not scrolled."""
    assert page.evaluate("window.scrollY") == 0
    box = locator.bounding_box()
    viewport = page.viewport_size
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= viewport["width"]
        and box["y"] + box["height"] <= viewport["height"]
    )


def register_from_the_top(page, url: str, *, button: str, name: str, phone: str) -> None:
    """Open the cohort page, find its one button in the first viewport, follow it to the form
    and register."""
    page.goto(url)
    top = page.locator(".decision").get_by_role("link", name=button, exact=True)
    expect(top).to_be_visible()
    assert in_first_viewport(page, top)
    top.click()
    expect(page).to_have_url(re.compile("#registration$"))
    page.get_by_label("姓名").fill(name)
    expect(page.get_by_label("姓名")).to_be_in_viewport()
    page.get_by_label("手机号码").fill(phone)
    page.get_by_label("单位").fill("芝罘区向阳街道党工委")
    page.locator("input[name=consent]").check()
    page.locator("#registration-form").get_by_role("button", name=button, exact=True).click()
    expect(page).to_have_url(re.compile(r"/bookings/r/[\w-]{40,}/"))


@pytest.fixture
def open_cohort(site_tree):
    ProgrammeIndexPageFactory()
    programme = ProgrammePageFactory(title="社区书记示范培训班", slug="secretaries")
    cohort = CohortFactory(
        programme=programme,
        title="第4期",
        capacity=30,
        contact_name="王老师",
        contact_phone="0535-6688123",
    )
    SessionFactory(cohort=cohort, title="党建引领基层治理")
    return cohort


def test_trainee_registers_from_the_button_in_the_first_viewport(page, live_server, open_cohort):
    url = live_server.url + open_cohort.get_url()
    page.goto(url)
    decision = page.locator(".decision")
    expect(decision.get_by_text("报名截止")).to_be_visible()
    expect(decision.get_by_text("无需审核：提交报名即确认名额。")).to_be_visible()
    assert in_first_viewport(page, decision.locator(".seats__number"))

    register_from_the_top(page, url, button="立即报名", name="李红梅", phone="13905356688")

    registration = Registration.objects.get()
    assert registration.status == Registration.Status.CONFIRMED
    expect(page.get_by_text(registration.code)).to_be_visible()
    expect(page.get_by_text("已确认").first).to_be_visible()


def test_full_cohort_gives_each_waiting_trainee_their_position(
    chromium, page, live_server, open_cohort
):
    Cohort.objects.filter(pk=open_cohort.pk).update(capacity=1)
    register_trainees(open_cohort, 1)
    url = live_server.url + open_cohort.get_url()

    register_from_the_top(page, url, button="加入候补", name="李红梅", phone="13905356688")
    expect(page.get_by_text("候补第 1 位")).to_be_visible()
    first_private_url = page.url.split("#")[0]

    second = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    other = second.new_page()
    register_from_the_top(other, url, button="加入候补", name="赵志刚", phone="13905356699")
    expect(other.get_by_text("候补第 2 位")).to_be_visible()
    other.reload()
    expect(other.get_by_text("候补第 2 位")).to_be_visible()
    second.close()

    page.goto(first_private_url)
    expect(page.get_by_text("候补第 1 位")).to_be_visible()
    assert [r.status for r in Registration.objects.order_by("pk")] == [
        Registration.Status.CONFIRMED,
        Registration.Status.WAITLISTED,
        Registration.Status.WAITLISTED,
    ]
