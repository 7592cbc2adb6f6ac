"""The public cohort page shows its week grid on a desktop and its day-by-day list on a phone,
by CSS alone (issue 10)."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.bookings.factories import (
    CohortFactory,
    ProgrammeIndexPageFactory,
    ProgrammePageFactory,
    at_local,
)
from tests.bookings.helpers import make_session
from tests.factories import LecturerPageFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def cohort_url(site_tree):
    ProgrammeIndexPageFactory()
    programme = ProgrammePageFactory(title="社区书记示范培训班", slug="secretaries")
    day = datetime.date.today() + datetime.timedelta(weeks=3)
    monday = day - datetime.timedelta(days=day.weekday())
    cohort = CohortFactory(
        programme=programme, starts_on=monday, ends_on=monday + datetime.timedelta(days=4)
    )
    make_session(
        cohort,
        title="党建引领基层治理",
        starts_at=at_local(monday + datetime.timedelta(days=2), 14),
        lecturers=[LecturerPageFactory(title="王海燕")],
    )
    return cohort.get_url()


def test_desktop_shows_the_week_grid_with_the_session_on_wednesday_afternoon(
    chromium, live_server, cohort_url
):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + cohort_url)

    grid = page.locator(".week-grid")
    expect(grid).to_be_visible()
    expect(page.locator(".timetable")).to_be_hidden()
    afternoon = grid.locator(".week-grid__row--afternoon td").nth(2)
    expect(afternoon).to_contain_text("党建引领基层治理")
    expect(afternoon).to_contain_text("王海燕")
    expect(grid.locator("thead th").nth(2)).to_contain_text("星期三")
    context.close()


def test_phone_shows_the_day_by_day_list(page, live_server, cohort_url):
    page.goto(live_server.url + cohort_url)

    expect(page.locator(".week-grid")).to_be_hidden()
    expect(page.locator(".timetable").get_by_text("党建引领基层治理")).to_be_visible()
