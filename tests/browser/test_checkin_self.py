"""Self check-in in Chromium: the room's screen shows the session's rotating code; a trainee
who opened their private page on this phone checks in with one tap, one who did not with their
registration code and mobile number; an expired code is refused with what to do."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from attendance.models import Attendance
from attendance.selfcheckin import STEP_SECONDS, session_code
from tests.browser.checkin import log_in, session_on_now

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def training(site_tree):
    return session_on_now()


def open_screen(screen, live_server, session):
    """The session's self check-in screen, as a registrar opens it on the room's computer."""
    log_in(screen, live_server, f"/admin/attendance/screen/{session.pk}/")


def screen_code_url(open_page, chromium, live_server, session) -> str:
    """The URL the room's screen encodes now, read from the screen."""
    with open_page(chromium, viewport={"width": 1280, "height": 720}) as screen:
        open_screen(screen, live_server, session)
        expect(screen.get_by_role("heading", name="红色物业专题讲座")).to_be_visible()
        expect(screen.get_by_role("img", name="自助签到二维码")).to_be_visible()
        expect(screen.get_by_text("用手机相机扫码签到")).to_be_visible()
        expect(screen.get_by_text("已签到 0 / 2 人")).to_be_visible()
        return screen.locator("[data-checkin-code-url]").get_attribute("data-checkin-code-url")


def test_trainee_known_from_their_private_page_checks_in_with_one_tap(
    open_page, chromium, page, live_server, training
):
    first = training["first"]
    url = screen_code_url(open_page, chromium, live_server, training["session"])
    page.goto(live_server.url + first.get_absolute_url())
    expect(page.get_by_role("img", name="签到二维码")).to_be_visible()

    page.goto(url)

    expect(page.get_by_text("红色物业专题讲座")).to_be_visible()
    expect(page.get_by_text(first.name, exact=True)).to_be_visible()
    page.get_by_role("button", name="签到", exact=True).click()
    expect(page.locator(".check-in-result__verdict")).to_have_text("签到成功")
    attendance = Attendance.objects.get()
    assert attendance.registration == first
    assert attendance.source == Attendance.Source.SELF


def test_trainee_checks_in_with_code_and_mobile(open_page, chromium, page, live_server, training):
    second = training["second"]
    page.goto(screen_code_url(open_page, chromium, live_server, training["session"]))

    page.get_by_label("手机号码").fill(second.phone)
    page.get_by_label("报名码").fill(second.code.lower())
    page.get_by_role("button", name="签到", exact=True).click()

    expect(page.locator(".check-in-result__verdict")).to_have_text("签到成功")
    expect(page.get_by_text(second.name)).to_be_visible()
    assert Attendance.objects.get().registration == second


def test_expired_code_is_refused(page, live_server, training):
    first = training["first"]
    page.goto(live_server.url + first.get_absolute_url())
    old = timezone.now() - datetime.timedelta(seconds=2 * STEP_SECONDS)

    page.goto(f"{live_server.url}/attendance/self/{session_code(training['session'], at=old)}/")

    expect(page.get_by_role("alert")).to_have_text("签到码已过期。请重新扫描屏幕上的二维码。")
    expect(page.get_by_role("button", name="签到", exact=True)).to_have_count(0)
    assert Attendance.objects.count() == 0


def test_screen_puts_the_next_code_in_place_as_each_ends(
    open_page, chromium, live_server, training
):
    session = training["session"]
    with open_page(chromium, viewport={"width": 1280, "height": 720}) as screen:
        open_screen(screen, live_server, session)
        code = screen.locator("[data-checkin-code-url]")
        first = code.get_attribute("data-checkin-code-url")

        expect(code).not_to_have_attribute(
            "data-checkin-code-url", first, timeout=(STEP_SECONDS + 5) * 1000
        )

        expect(screen.get_by_role("img", name="自助签到二维码")).to_be_visible()
