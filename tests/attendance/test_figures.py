"""The academy's figures (attendance/figures.py) on a small academy counted by hand, the
public API that serves them, the home page that shows them and the staff's figures page."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from attendance import figures
from attendance.models import Attendance
from bookings.services import register
from core.models import District
from tests.bookings.factories import (
    ApplicantFactory,
    CohortFactory,
    ProgrammeIndexPageFactory,
    ProgrammePageFactory,
    SessionFactory,
    mobile,
)
from tests.factories import TrainingBasePageFactory

from .visits_factories import attend, study_visit, user_in

pytestmark = pytest.mark.django_db

Status = Attendance.Status


def at(day: str, hour: int, minute: int = 0) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(day).replace(hour=hour, minute=minute)
    return timezone.make_aware(moment, timezone.get_default_timezone())


def trainee(cohort, serial: int, province: str, city: str):
    applicant = ApplicantFactory(phone=mobile(serial), origin_province=province, origin_city=city)
    [registration] = register(cohort.pk, applicants=[applicant])
    return registration


@pytest.fixture
def academy(site_tree):
    """Two cohorts, five trainees (one in both cohorts), three sessions held, one cancelled and
    one to come; three study visits, one without an actual headcount."""
    ProgrammeIndexPageFactory()
    programme = ProgrammePageFactory()
    today = timezone.localdate()
    a = CohortFactory(programme=programme, title="第1期", starts_on=today + datetime.timedelta(30))
    b = CohortFactory(programme=programme, title="第2期", starts_on=today + datetime.timedelta(40))
    zhifu = TrainingBasePageFactory(district=District.objects.get(slug="zhifu"))
    fushan = TrainingBasePageFactory(district=District.objects.get(slug="fushan"))

    def session(cohort, starts_at, hours, base=None, **kwargs):
        return SessionFactory(
            cohort=cohort,
            base=base,
            room="" if base else "学院301教室",
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=2),
            study_hours=Decimal(hours),
            **kwargs,
        )

    s1 = session(a, at("2025-03-10", 9), "2.0", zhifu)
    s2 = session(a, at("2025-03-11", 9), "2.5")
    s3 = session(a, at("2025-03-12", 9), "2.0", cancelled_at=at("2025-03-11", 18))
    s4 = session(b, at("2025-04-15", 9), "3.0", fushan)
    session(b, timezone.now() + datetime.timedelta(days=5), "2.0")

    t1 = trainee(a, 1, "山东省", "烟台市")
    t2 = trainee(a, 2, "山东省", "青岛市")
    t3 = trainee(a, 3, "江苏省", "南京市")
    t4 = trainee(a, 4, "", "")
    t1b = trainee(b, 1, "山东省", "烟台市")
    t5 = trainee(b, 5, "河北省", "石家庄市")
    attend(t1, s1)
    attend(t2, s1, Status.LATE)
    attend(t3, s1, Status.ABSENT)
    attend(t4, s1, Status.EXCUSED)
    attend(t1, s2)
    attend(t3, s2)
    attend(t4, s3)  # a cancelled session keeps its check-ins: T4 came
    attend(t1b, s4)
    attend(t5, s4, Status.LATE)

    study_visit(bases=[zhifu, fushan], actual=20, visited_on=datetime.date(2025, 4, 20))
    study_visit(
        bases=[zhifu],
        actual=None,
        visited_on=datetime.date(2025, 5, 6),
        province="浙江省",
        city="杭州市",
        serial=501,
    )
    study_visit(bases=[], actual=5, visited_on=datetime.date(2025, 5, 8), serial=502)
    return {"a": a, "b": b, "sessions": [s1, s2, s4]}


def rows(table) -> list[tuple]:
    return [(row.label, row.trainees, row.delegation_visitors, row.visitors) for row in table]


def test_headline_counts_each_trainee_once_plus_delegations(academy):
    assert figures.headline() == {
        "courses": 0,
        "lecturers": 0,
        "bases": 2,
        "sessions_held": 3,
        "study_hours": Decimal("7.5"),
        "trainees": 5,
        "delegation_visitors": 25,
        "visitors": 30,
    }


def test_visitors_by_month_add_up_to_the_visitors(academy):
    assert rows(figures.visitors_by_month()) == [
        ("2025-03", 4, 0, 4),
        ("2025-04", 1, 20, 21),
        ("2025-05", 0, 5, 5),
    ]


def test_visitors_by_origin_take_the_first_attended_registrations(academy):
    assert rows(figures.visitors_by_origin()) == [
        ("江苏省南京市", 1, 25, 26),
        ("山东省烟台市", 1, 0, 1),
        ("山东省青岛市", 1, 0, 1),
        ("未填写", 1, 0, 1),
        ("河北省石家庄市", 1, 0, 1),
    ]


def test_visitors_by_district_count_each_district_visited(academy):
    assert rows(figures.visitors_by_district()) == [
        ("芝罘区", 2, 20, 22),
        ("福山区", 2, 20, 22),
        ("学院本部", 3, 5, 8),
    ]


def test_attendance_rate_per_session_and_cohort(academy):
    sessions = figures.session_attendance()

    assert [(s.expected, s.attended, s.late, s.excused, s.absent, s.rate) for s in sessions] == [
        (4, 2, 1, 1, 1, Decimal("50.0")),
        (4, 2, 0, 0, 0, Decimal("50.0")),
        (2, 2, 1, 0, 0, Decimal("100.0")),
    ]
    assert [
        (row.cohort, row.sessions, row.expected, row.attended, row.rate)
        for row in figures.cohort_attendance(sessions)
    ] == [
        (academy["b"], 1, 2, 2, Decimal("100.0")),
        (academy["a"], 2, 8, 4, Decimal("50.0")),
    ]


def test_figures_of_an_empty_academy_are_zero(site_tree):
    assert figures.headline()["visitors"] == 0
    assert figures.visitors_by_month() == []
    assert figures.visitors_by_district() == []
    assert figures.cohort_attendance() == []


# -- the API --------------------------------------------------------------------------------------


def test_figures_api_is_public(client, academy):
    response = client.get("/api/v1/figures/")

    assert response.status_code == 200
    assert response.json() == {
        "visitors": 30,
        "trainees": 5,
        "delegation_visitors": 25,
        "courses": 0,
        "lecturers": 0,
        "bases": 2,
        "sessions_held": 3,
        "study_hours": "7.5",
    }
    assert "public" in response["Cache-Control"]
    assert "max-age=300" in response["Cache-Control"]


def test_figures_api_answers_from_the_cache_until_it_expires(
    client, academy, django_assert_num_queries
):
    client.get("/api/v1/figures/")
    attend(trainee(academy["b"], 6, "山东省", "威海市"), academy["sessions"][2])

    with django_assert_num_queries(0):
        cached = client.get("/api/v1/figures/").json()
    cache.clear()
    counted = client.get("/api/v1/figures/").json()

    assert (cached["visitors"], counted["visitors"]) == (30, 31)


def test_figures_api_refuses_a_post(client, site_tree):
    response = client.post("/api/v1/figures/", {}, content_type="application/json")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_figures_are_in_the_schema_in_chinese(client, site_tree):
    schema = client.get("/api/schema/?format=json").json()

    operation = schema["paths"]["/api/v1/figures/"]["get"]
    assert operation["summary"] == "学院数据"
    assert "不含个人信息" in operation["description"]


# -- the home page and the staff's page -----------------------------------------------------------


def test_home_page_shows_the_visitors(client, academy):
    html = client.get("/").content.decode()

    assert (
        '<span class="figures__number">30</span><span class="figures__label">来烟学习交流人数'
        in html
    )


def test_staff_read_the_figures_and_export_them(client, academy):
    client.force_login(user_in("教务"))

    page = client.get(reverse("figures:index"))
    export = client.get(reverse("figures:index") + "?export=xlsx")

    assert page.status_code == 200
    assert '<td data-figure="visitors">30</td>' in page.content.decode()
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["数据统计", "按月份", "按来源地", "按区市", "班次", "课次"]
    assert [list(row) for row in book["按区市"].iter_rows(values_only=True)] == [
        ["区市", "学员", "交流团组人数", "来烟学习交流人数"],
        ["芝罘区", 2, 20, 22],
        ["福山区", 2, 20, 22],
        ["学院本部", 3, 5, 8],
    ]


@pytest.mark.parametrize("group", ["内容编辑", "讲师", "基地联系人", "评委"])
def test_other_roles_may_not_read_the_figures_page(client, site_tree, group):
    client.force_login(user_in(group))
    url = reverse("figures:index")

    response = client.get(url)

    # Judges have no admin access at all (issue 12): the admin's login page, not its refusal.
    refused = f"/admin/login/?next={url}" if group == "评委" else reverse("wagtailadmin_home")
    assert (response.status_code, response["Location"]) == (302, refused)
