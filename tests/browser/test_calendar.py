"""A trainee opens their private page in Chromium and downloads their calendar: a valid
iCalendar file with their session and registration code. Resetting the link revokes the old one."""

import re

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from bookings.services import Applicant, register
from tests.bookings.factories import (
    CohortFactory,
    ProgrammeIndexPageFactory,
    ProgrammePageFactory,
    SessionFactory,
)
from tests.factories import LecturerPageFactory, TrainingBasePageFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def registration(site_tree):
    ProgrammeIndexPageFactory()
    programme = ProgrammePageFactory(title="社区书记示范培训班", slug="secretaries")
    cohort = CohortFactory(programme=programme, title="第3期", capacity=30)
    SessionFactory(
        cohort=cohort,
        title="党建引领基层治理",
        base=TrainingBasePageFactory(
            title="向阳街道党群服务中心", latitude="37.53", longitude="121.39"
        ),
        lecturers=[LecturerPageFactory(title="王海燕")],
    )
    [registration] = register(
        cohort.pk, applicants=[Applicant(name="李红梅", phone="13905356688", unit="向阳街道")]
    )
    return registration


def test_private_calendar_link_downloads_a_valid_file(page, live_server, registration):
    page.goto(live_server.url + registration.get_absolute_url())
    expect(page.get_by_role("heading", name="我的日历")).to_be_visible()
    panel = page.locator("section[aria-labelledby=registration-calendar]")
    expect(panel.locator("svg.qr")).to_be_visible()
    expect(panel.get_by_role("link", name="在日历应用中订阅")).to_have_attribute(
        "href", re.compile(r"^webcal://.+/calendar/r/[\w-]{40,}\.ics$")
    )

    with page.expect_download() as download_info:
        panel.get_by_role("link", name="下载日历文件（.ics）").click()
    download = download_info.value
    assert download.suggested_filename == f"registration-{registration.code}.ics"
    calendar = Calendar.from_ical(download.path().read_bytes())
    assert calendar["X-WR-CALNAME"] == "我的课表：社区书记示范培训班 第3期"
    [event] = calendar.walk("VEVENT")
    assert event["SUMMARY"] == "党建引领基层治理"
    assert event["STATUS"] == "CONFIRMED"
    assert f"报名码：{registration.code}" in str(event["DESCRIPTION"])
    assert "13905356688" not in download.path().read_text()
    old_feed = live_server.url + f"/calendar/r/{registration.token}.ics"

    panel.get_by_text("重置我的日历链接").click()
    panel.get_by_role("button", name="重置日历链接").click()
    expect(page.get_by_text("日历链接已重置")).to_be_visible()
    registration.refresh_from_db()
    assert registration.token in page.url
    assert page.request.get(old_feed).status == 404
    new_feed = live_server.url + f"/calendar/r/{registration.token}.ics"
    assert page.request.get(new_feed).status == 200
