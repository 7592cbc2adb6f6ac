"""Staff pick a session's lecturers out of a hundred by typing part of a name (issue 10)."""

import datetime

import pytest
from playwright.sync_api import expect

from bookings.models import Session
from tests.bookings.factories import (
    CohortFactory,
    ProgrammeIndexPageFactory,
    ProgrammePageFactory,
    at_local,
)
from tests.factories import LecturerPageFactory, SuperuserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_staff_filter_the_lecturers_by_name_and_save_the_ticked_ones(page, live_server, site_tree):
    ProgrammeIndexPageFactory()
    cohort = CohortFactory(programme=ProgrammePageFactory(title="社区书记示范培训班"))
    for number in range(30):
        LecturerPageFactory(title=f"讲师{number:02d}")
    wang = LecturerPageFactory(title="王海燕")
    li = LecturerPageFactory(title="李建国")
    SuperuserFactory(username="staff", password="correct-horse-battery")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(live_server.url + "/admin/login/")
    page.locator("input[name=username]").fill("staff")
    page.locator("input[name=password]").fill("correct-horse-battery")
    page.locator("button[type=submit]").click()
    page.goto(live_server.url + f"/admin/snippets/bookings/session/add/?cohort={cohort.pk}")

    lecturers = page.locator("[data-filterable-checkboxes]")
    lecturers.get_by_placeholder("输入姓名的一部分").fill("王")
    expect(lecturers.get_by_label("王海燕")).to_be_visible()
    expect(lecturers.get_by_label("讲师07")).to_be_hidden()
    lecturers.get_by_label("王海燕").check()
    lecturers.get_by_placeholder("输入姓名的一部分").fill("李建")
    expect(lecturers.get_by_label("王海燕")).to_be_visible()  # ticked ones stay in view
    lecturers.get_by_label("李建国").check()
    expect(lecturers.locator("[data-filterable-checkboxes-count]")).to_have_text("已选 2 位")

    day = cohort.starts_on + datetime.timedelta(days=1)
    page.locator("input[name=title]").fill("党建引领基层治理")
    page.locator("input[name=starts_at]").fill(at_local(day, 9).strftime("%Y-%m-%d %H:%M"))
    page.locator("input[name=ends_at]").fill(at_local(day, 11).strftime("%Y-%m-%d %H:%M"))
    page.get_by_role("button", name="保存", exact=True).click()

    expect(page.locator(".messages")).to_contain_text("党建引领基层治理")
    session = Session.objects.get(title="党建引领基层治理")
    assert set(session.lecturers.all()) == {wang, li}
