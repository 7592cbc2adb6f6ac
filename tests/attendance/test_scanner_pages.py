"""The staff's check-in pages (attendance.admin.scanner): the scanner at the door and the self
check-in screen, for users who may take attendance only."""

import datetime
import json
import re
from html import unescape

import pytest
from django.utils import timezone

from attendance.admin.scanner import current_session, todays_sessions
from attendance.models import Attendance
from attendance.selfcheckin import session_for_code
from bookings.models.cohorts import academy_today
from tests.bookings.factories import SessionFactory, at_local, register_trainees
from tests.bookings.helpers import staff_user

pytestmark = pytest.mark.django_db

SCANNER = "/admin/attendance/scan/"


@pytest.fixture
def taker():
    return staff_user("attendance.take_attendance")


@pytest.fixture
def taker_client(client, taker):
    client.force_login(taker)
    return client


def minutes(n: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(minutes=n)


def session_at(cohort, start: datetime.datetime, hours: float = 2, **fields):
    return SessionFactory(
        cohort=cohort, starts_at=start, ends_at=start + datetime.timedelta(hours=hours), **fields
    )


def config_of(response) -> dict:
    html = response.content.decode()
    match = re.search(r'<script id="scanner-config" type="application/json">(.*?)</script>', html)
    return json.loads(match.group(1))


def test_todays_sessions_are_the_scheduled_ones_of_the_local_day(cohort):
    today = academy_today()
    morning = session_at(cohort, at_local(today, 9))
    evening = session_at(cohort, at_local(today, 19))
    session_at(cohort, at_local(today - datetime.timedelta(days=1), 19))
    session_at(cohort, at_local(today + datetime.timedelta(days=1), 0, 30))
    session_at(cohort, at_local(today, 14), cancelled_at=timezone.now())

    assert todays_sessions(today) == [morning, evening]


def test_current_session_is_the_one_on_now_then_the_next_then_the_last(cohort):
    today = academy_today()
    first = session_at(cohort, at_local(today, 9))
    second = session_at(cohort, at_local(today, 14))
    sessions = [first, second]

    assert current_session(sessions, at_local(today, 8)) == first
    assert current_session(sessions, at_local(today, 10)) == first
    assert current_session(sessions, at_local(today, 12)) == second
    assert current_session(sessions, at_local(today, 20)) == second
    assert current_session([], at_local(today, 20)) is None


def denied(response) -> bool:
    """Wagtail's answer to PermissionDenied in the admin: back to the dashboard, with a message."""
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_scanner_is_refused_without_the_permission(client):
    client.force_login(staff_user("bookings.view_registration"))

    assert denied(client.get(SCANNER))


def test_scanner_asks_anonymous_visitors_to_log_in(client):
    response = client.get(SCANNER)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_scanner_picks_the_session_on_now(taker_client, cohort):
    session_at(cohort, minutes(-300))
    on_now = session_at(cohort, minutes(-30), title="红色物业专题讲座")
    session_at(cohort, minutes(100))

    response = taker_client.get(SCANNER)

    assert response.status_code == 200
    config = config_of(response)
    assert config["session"] == on_now.pk
    assert config["api_url"] == "/api/v1/checkins/"
    assert config["repeat_gap_ms"] == 2000
    assert config["messages"]["checked_in"] == "签到成功"
    assert config["messages"]["already"] == "已签到 %(time)s"
    assert config["messages"]["not_in_cohort"] == "不是本班学员"
    assert config["messages"]["not_confirmed"] == "报名未确认"
    assert config["messages"]["invalid_code"] == "二维码无效"
    assert config["messages"]["late"] == "迟到"
    html = response.content.decode()
    assert "红色物业专题讲座" in html
    breadcrumbs = html[html.index("<nav") : html.index("</nav>")]
    assert "首页" in breadcrumbs and "扫码签到" in breadcrumbs
    assert response["Cache-Control"].startswith("max-age=0")


def test_scanner_session_can_be_chosen(taker_client, cohort):
    session_at(cohort, minutes(-30))
    later = session_at(cohort, minutes(60))

    response = taker_client.get(SCANNER, {"session": later.pk})

    assert config_of(response)["session"] == later.pk
    assert f'<option value="{later.pk}" selected>' in response.content.decode()


def test_scanner_loads_jsqr_and_its_script_from_our_static_files(taker_client, cohort):
    session_at(cohort, minutes(10))

    html = taker_client.get(SCANNER).content.decode()

    scripts = re.findall(r'<script[^>]* src="([^"]+)"', html)
    assert "/static/vendor/jsqr/jsQR.js" in scripts
    assert "/static/js/scanner.js" in scripts
    assert [src for src in scripts if not src.startswith("/")] == []


def test_scanner_without_sessions_today_says_so(taker_client):
    response = taker_client.get(SCANNER)

    assert response.status_code == 200
    assert config_of(response)["session"] is None
    assert "今天没有安排课次。" in response.content.decode()


def test_scanner_may_use_the_camera_and_its_own_scripts_and_api(taker_client, cohort):
    session_at(cohort, minutes(10))

    response = taker_client.get(SCANNER)

    assert "camera=(self)" in response["Permissions-Policy"]
    directives = (part.split() for part in response["Content-Security-Policy"].split(";"))
    policy = {name: values for name, *values in directives}
    assert "'self'" in policy["script-src"]
    assert policy["connect-src"] == ["'self'"]


def test_menu_shows_the_scanner_to_those_who_may_take_attendance(client, taker):
    client.force_login(taker)
    assert SCANNER in client.get("/admin/").content.decode()

    client.force_login(staff_user("bookings.view_registration"))
    assert SCANNER not in client.get("/admin/").content.decode()


# The self check-in screen


def screen(session) -> str:
    return f"/admin/attendance/screen/{session.pk}/"


def test_screen_shows_a_code_that_opens_the_session(taker_client, cohort):
    session = session_at(cohort, minutes(5), title="红色物业专题讲座")

    response = taker_client.get(screen(session))

    assert response.status_code == 200
    html = response.content.decode()
    assert "红色物业专题讲座" in html
    assert '<svg class="qr" role="img" aria-label="自助签到二维码"' in html
    url = unescape(re.search(r'data-checkin-code-url="([^"]+)"', html).group(1))
    assert url.startswith("http://testserver/attendance/self/")
    code = url.removeprefix("http://testserver/attendance/self/").removesuffix("/")
    assert session_for_code(code) == session


def test_screen_counts_who_has_checked_in(taker_client, cohort):
    session = session_at(cohort, minutes(5))
    first, _second, _third = register_trainees(cohort, 3)
    Attendance.objects.create(
        session=session,
        registration=first,
        status=Attendance.Status.PRESENT,
        source=Attendance.Source.SCAN,
        checked_in_at=timezone.now(),
    )

    html = taker_client.get(screen(session)).content.decode()

    assert "已签到 1 / 3 人" in html


def test_screen_before_the_window_shows_when_it_opens_and_asks_again_then(taker_client, cohort):
    session = session_at(cohort, minutes(40))

    response = taker_client.get(f"{screen(session)}code/")

    data = response.json()
    assert response.status_code == 200
    assert "<svg" not in data["html"]
    opens = timezone.localtime(session.starts_at - datetime.timedelta(minutes=30))
    assert f"本课次 {opens:%H:%M} 开始自助签到。" in data["html"]
    assert 1 <= data["refresh"] <= 31


def test_screen_code_changes_with_each_step(taker_client, cohort):
    session = session_at(cohort, minutes(5))

    data = taker_client.get(f"{screen(session)}code/").json()

    assert '<svg class="qr"' in data["html"]
    assert 1 <= data["refresh"] <= 31


def test_screen_after_the_window_says_it_has_closed(taker_client, cohort):
    session = session_at(cohort, minutes(-45))

    html = taker_client.get(screen(session)).content.decode()

    assert "<svg" not in html
    assert "本课次的自助签到已结束" in html


def test_screen_is_refused_without_the_permission(client, cohort):
    session = session_at(cohort, minutes(5))
    client.force_login(staff_user("bookings.view_registration"))

    assert denied(client.get(screen(session)))
    assert denied(client.get(f"{screen(session)}code/"))


def test_screen_of_an_unknown_session_is_not_found(taker_client):
    assert taker_client.get("/admin/attendance/screen/999999/").status_code == 404
