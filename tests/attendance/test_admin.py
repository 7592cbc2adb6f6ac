"""The roster (点名), the attendance listing and the dashboard's check-in panel in the admin."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from attendance.models import Attendance
from attendance.services import check_in, mark
from bookings.services.timetable import cancel_session
from tests.bookings.factories import SessionFactory, register_trainees
from tests.bookings.helpers import messages_of, staff_user

pytestmark = pytest.mark.django_db

Status = Attendance.Status


@pytest.fixture
def registrar(client):
    user = staff_user(
        "attendance.take_attendance", "attendance.view_attendance", "bookings.view_session"
    )
    client.force_login(user)
    return user


def roster_url(session) -> str:
    return f"/admin/snippets/attendance/attendance/roster/{session.pk}/"


def statuses(session) -> dict[int, tuple[str, str]]:
    return {
        row.registration_id: (row.status, row.reason)
        for row in Attendance.objects.filter(session=session)
    }


# The roster


def test_roster_lists_every_confirmed_trainee_from_what_was_scanned(
    client, registrar, cohort, session
):
    scanned, waiting = register_trainees(cohort, 2)
    check_in(session, scanned.code, by=None)

    response = client.get(roster_url(session))

    page = response.content.decode()
    assert response.status_code == 200
    assert scanned.name in page and waiting.name in page
    assert "1 / 2 已签到（迟到 0 人）" in page
    assert response.context["form"][f"status_{scanned.pk}"].initial == Status.PRESENT
    assert response.context["form"][f"status_{waiting.pk}"].initial == ""


def test_roster_saves_the_whole_session_in_one_post_and_logs_each_change(
    client, registrar, cohort, session
):
    scanned, absent, excused, untouched = register_trainees(cohort, 4)
    check_in(session, scanned.code, by=None)

    response = client.post(
        roster_url(session),
        {
            f"status_{scanned.pk}": "late",
            f"status_{absent.pk}": "absent",
            f"status_{excused.pk}": "excused",
            f"reason_{excused.pk}": "党校集中学习",
            f"status_{untouched.pk}": "",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == roster_url(session)
    assert messages_of(response) == [("success", "已保存 3 处更改。")]
    assert statuses(session) == {
        scanned.pk: ("late", ""),
        absent.pk: ("absent", ""),
        excused.pk: ("excused", "党校集中学习"),
    }
    assert list(
        ModelLogEntry.objects.filter(action="attendance.attendance.mark")
        .order_by("pk")
        .values_list("user", "data__from", "data__to")
    ) == [
        (registrar.pk, "present", "late"),
        (registrar.pk, None, "absent"),
        (registrar.pk, None, "excused"),
    ]
    history = client.get(roster_url(session)).content.decode()
    assert "出席 → 迟到" in history
    assert "未记录 → 请假（党校集中学习）" in history


def test_roster_refuses_an_excused_absence_without_a_reason(client, registrar, cohort, session):
    (trainee,) = register_trainees(cohort, 1)

    response = client.post(roster_url(session), {f"status_{trainee.pk}": "excused"})

    assert response.status_code == 200
    assert "请假须填写原因。" in response.content.decode()
    assert statuses(session) == {}


def test_roster_cannot_take_a_recorded_trainee_back_to_not_yet(client, registrar, cohort, session):
    (trainee,) = register_trainees(cohort, 1)
    mark(session, trainee, Status.ABSENT, by=registrar)

    response = client.post(roster_url(session), {f"status_{trainee.pk}": ""})

    assert response.status_code == 302
    assert statuses(session) == {trainee.pk: ("absent", "")}


def test_roster_of_a_cancelled_session_is_read_only(client, registrar, cohort, session):
    (trainee,) = register_trainees(cohort, 1)
    cancel_session(session.pk, by=None)

    page = client.get(roster_url(session)).content.decode()
    response = client.post(roster_url(session), {f"status_{trainee.pk}": "present"})

    assert "本课次已取消" in page
    assert response.status_code == 200
    assert "本课次已取消。" in response.content.decode()
    assert statuses(session) == {}


def test_roster_links_to_the_scanner_and_the_screen_of_its_session(
    client, registrar, cohort, session
):
    scanner = f"/admin/attendance/scan/?session={session.pk}"
    screen = f"/admin/attendance/screen/{session.pk}/"

    page = client.get(roster_url(session)).content.decode()

    assert f'href="{scanner}"' in page and "扫码签到" in page
    assert f'href="{screen}"' in page and "自助签到屏幕" in page
    assert client.get(scanner).status_code == 200
    cancel_session(session.pk, by=None)
    page = client.get(roster_url(session)).content.decode()
    assert scanner not in page and screen not in page


def test_roster_is_refused_without_take_attendance(client, cohort, session):
    client.force_login(staff_user("bookings.view_session", "attendance.view_attendance"))
    (trainee,) = register_trainees(cohort, 1)

    get = client.get(roster_url(session))
    post = client.post(roster_url(session), {f"status_{trainee.pk}": "present"})

    assert (get.status_code, post.status_code) == (302, 302)
    assert get["Location"] == "/admin/"
    assert statuses(session) == {}


def test_session_listing_links_each_session_to_its_roster(client, registrar, session):
    page = client.get("/admin/snippets/bookings/session/").content.decode()

    assert roster_url(session) in page


def test_session_listing_has_no_roster_link_for_those_who_may_not(client, session):
    client.force_login(staff_user("bookings.view_session"))

    page = client.get("/admin/snippets/bookings/session/").content.decode()

    assert roster_url(session) not in page


# The listing


def test_listing_filters_by_status_and_exports_in_chinese(client, registrar, cohort, session):
    present, absent = register_trainees(cohort, 2)
    check_in(session, present.code, by=None)
    mark(session, absent, Status.ABSENT, by=registrar)

    listing = client.get("/admin/snippets/attendance/attendance/", {"status": "absent"})
    # The listing's export is the `attendance` spreadsheet kind's (tests/sheets).
    export = client.get(
        reverse("core_imports:export", args=["attendance", "csv"]), {"session": session.pk}
    )

    assert [row.registration for row in listing.context["object_list"]] == [absent]
    lines = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "班次,课次,报名码,姓名,单位,考勤状态,签到时间,请假原因,签到方式"
    assert sorted(line.split(",")[3] for line in lines[1:]) == sorted([present.name, absent.name])
    assert any(",缺勤,," in line for line in lines[1:])


def test_listing_offers_no_add_and_no_edit(client, registrar, cohort, session):
    (trainee,) = register_trainees(cohort, 1)
    attendance = mark(session, trainee, Status.PRESENT, by=registrar)
    client.force_login(type(registrar).objects.create_superuser("root", "root@example.org", "x"))

    page = client.get("/admin/snippets/attendance/attendance/").content.decode()
    edit = client.get(f"/admin/snippets/attendance/attendance/edit/{attendance.pk}/")

    assert "/admin/snippets/attendance/attendance/add/" not in page
    assert edit.status_code == 302


def test_menu_names_attendance_in_chinese(client, registrar):
    page = client.get("/admin/").content.decode()

    # The sidebar's menu is JSON for its script, with characters escaped.
    assert '"label": "\\u8003\\u52e4"' in page  # 考勤
    assert '"label": "\\u7b7e\\u5230\\u8bb0\\u5f55"' in page  # 签到记录


# The dashboard


def today_at(hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(hour)))


def test_dashboard_shows_todays_check_in_progress(client, registrar, cohort):
    starts_at = timezone.now() - datetime.timedelta(minutes=30)
    session = SessionFactory(
        cohort=cohort, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=2)
    )
    on_time, late, excused, missing = register_trainees(cohort, 4)
    check_in(session, on_time.code, by=None, scanned_at=starts_at)
    check_in(session, late.code, by=None)
    mark(session, excused, Status.EXCUSED, by=registrar, reason="出差")

    response = client.get("/admin/")

    [panel] = [panel for panel in response.context["panels"] if panel.name == "check_in_progress"]
    [shown] = panel.get_context_data({})["sessions"]
    assert (shown.expected, shown.checked_in, shown.late, shown.missing) == (4, 2, 1, 1)
    page = response.content.decode()
    assert "今日签到" in page
    assert "2 / 4" in page
    assert roster_url(session) in page


def test_dashboard_panel_is_hidden_from_those_who_do_not_take_attendance(client, session):
    client.force_login(staff_user("bookings.view_session"))

    page = client.get("/admin/").content.decode()

    assert "今日签到" not in page


@pytest.mark.parametrize("count", [1, 3])
def test_dashboard_panel_reads_in_one_query_whatever_the_sessions(
    registrar, cohort, count, django_assert_num_queries
):
    from attendance.admin.dashboard import CheckInProgressPanel

    for hour in range(count):
        session = SessionFactory(
            cohort=cohort,
            starts_at=today_at(8 + 3 * hour),
            ends_at=today_at(10 + 3 * hour),
        )
        (trainee,) = register_trainees(cohort, 1)
        mark(session, trainee, Status.PRESENT, by=registrar)

    with django_assert_num_queries(1):
        sessions = CheckInProgressPanel().get_context_data({})["sessions"]

    assert len(sessions) == count
