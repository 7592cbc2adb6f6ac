"""The check-in scanner in Chromium on a phone's screen, its camera a fake one playing a video
of a trainee's QR code (a Y4M file each test writes; Chromium reads it at launch, so each video
gets a browser of its own): a scan, the same code again, an unknown code, typed codes, and
scans made offline that are sent when the network is back, at their own time."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from attendance.models import Attendance
from attendance.qr import registration_qr_text
from tests.browser.camera import blank_frame, qr_frame, write_video
from tests.browser.checkin import log_in, session_on_now

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def training(site_tree):
    return session_on_now()


@pytest.fixture
def scanner(chromium_with_camera, open_page, live_server, tmp_path):
    """`scanner(scenes)`: the scanner page, logged in, in a browser whose camera plays `scenes`
    ((frame, seconds) in a loop), camera allowed and started."""
    pages = []

    def open_scanner(scenes, *, start=True):
        video = write_video(tmp_path / f"camera-{len(pages)}.y4m", scenes)
        browser = chromium_with_camera(video)
        opened = open_page(browser, permissions=["camera"])
        page = opened.__enter__()
        pages.append(opened)
        log_in(page, live_server, "/admin/attendance/scan/")
        expect(page.locator(".scanner__session")).to_contain_text("红色物业专题讲座")
        expect(page.locator("[data-scanner][data-ready=true]")).to_have_count(1)
        if start:
            page.get_by_role("button", name="开始扫码").click()
        return page

    yield open_scanner
    for opened in reversed(pages):
        opened.__exit__(None, None, None)


def verdict(page):
    return page.locator("[data-scanner-verdict]")


def test_scan_checks_in_and_the_same_code_again_says_already(scanner, training):
    first = training["first"]
    # The code for a second, then nothing for three (more than the two seconds the scanner
    # ignores a code it has just read), then the code again: the video loops.
    page = scanner([(qr_frame(registration_qr_text(first)), 1), (blank_frame(), 3)])

    expect(verdict(page)).to_have_text("签到成功")
    expect(page.locator("[data-scanner-who]")).to_have_text(f"{first.name} · {first.unit}")
    expect(page.locator("[data-scanner-result]")).to_have_class(re.compile("scanner__result--ok"))
    attendance = Attendance.objects.get()
    assert attendance.registration == first
    assert attendance.source == Attendance.Source.SCAN
    assert attendance.status == Attendance.Status.PRESENT

    first_time = timezone.localtime(attendance.checked_in_at)
    expect(verdict(page)).to_have_text(f"已签到 {first_time:%H:%M}", timeout=20_000)
    expect(page.locator("[data-scanner-result]")).to_have_class(
        re.compile("scanner__result--already")
    )
    assert Attendance.objects.count() == 1
    expect(page.locator("[data-scanner-recent] li").first).to_contain_text("已签到")


def test_unknown_code_is_invalid(scanner, training):
    page = scanner([(qr_frame(f"{training['first'].pk}:forged-signature"), 1), (blank_frame(), 1)])

    expect(verdict(page)).to_have_text("二维码无效")
    expect(page.locator("[data-scanner-result]")).to_have_class(
        re.compile("scanner__result--error")
    )
    assert Attendance.objects.count() == 0


def test_typed_codes_check_in_or_are_refused(scanner, training):
    second, elsewhere = training["second"], training["elsewhere"]
    page = scanner([(blank_frame(), 1)], start=False)
    code = page.get_by_label("或输入报名码")

    code.fill(second.code.lower())
    page.get_by_role("button", name="签到", exact=True).click()

    expect(verdict(page)).to_have_text("签到成功")
    expect(page.locator("[data-scanner-who]")).to_have_text(f"{second.name} · {second.unit}")
    expect(code).to_have_value("")
    attendance = Attendance.objects.get()
    assert (attendance.registration, attendance.source) == (second, Attendance.Source.CODE)

    code.fill(elsewhere.code)
    page.get_by_role("button", name="签到", exact=True).click()

    expect(verdict(page)).to_have_text("不是本班学员")
    expect(page.locator("[data-scanner-who]")).to_have_text(f"{elsewhere.name} · {elsewhere.unit}")

    code.fill("ZZZZZZZZ")
    page.get_by_role("button", name="签到", exact=True).click()

    expect(verdict(page)).to_have_text("二维码无效")
    assert Attendance.objects.count() == 1


def test_scans_made_offline_are_sent_when_the_network_is_back(scanner, training):
    first = training["first"]
    page = scanner([(qr_frame(registration_qr_text(first)), 1), (blank_frame(), 3)], start=False)
    page.context.set_offline(True)

    page.get_by_role("button", name="开始扫码").click()

    expect(verdict(page)).to_have_text("已暂存在本机")
    queue = page.locator("[data-scanner-queue]")
    expect(queue).to_contain_text("1 条签到待上传")
    # Seen again after the loop, it is kept once.
    page.wait_for_timeout(4500)
    expect(queue).to_contain_text("1 条签到待上传")
    assert Attendance.objects.count() == 0
    back_online_at = timezone.now()

    page.context.set_offline(False)

    expect(queue).to_be_hidden(timeout=20_000)
    expect(page.locator("[data-scanner-recent]")).to_contain_text("签到成功（补传）")
    attendance = Attendance.objects.get()
    assert attendance.registration == first
    # The time of the scan, not of its upload.
    assert attendance.checked_in_at < back_online_at - datetime.timedelta(seconds=3)
    assert attendance.checked_in_at > back_online_at - datetime.timedelta(seconds=30)
