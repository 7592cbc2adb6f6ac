"""Finding training: the home page's next training classes and its way to one's registration,
and the next sessions that course, lecturer and base pages show through bookings' sections."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import CoursePageFactory, LecturerPageFactory, TrainingBasePageFactory

from .factories import (
    CohortFactory,
    ProgrammePageFactory,
    SessionFactory,
    at_local,
    register_trainees,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached_pages(settings):
    settings.PAGE_CACHE_SECONDS = 300


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


# The home page


def test_home_page_lists_the_next_open_cohorts_soonest_first(client, programme):
    later = CohortFactory(programme=programme, title="第3期", starts_on=days(40))
    sooner = CohortFactory(programme=programme, title="第2期", starts_on=days(10))
    CohortFactory(programme=programme, title="已开班", starts_on=days(0), ends_on=days(2))
    CohortFactory(
        programme=programme,
        title="报名已截止",
        starts_on=days(5),
        registration_closes_at=timezone.now() - datetime.timedelta(hours=1),
    )
    CohortFactory(programme=ProgrammePageFactory(live=False), title="未发布", starts_on=days(3))

    response = client.get("/")

    assert response.context["next_cohorts"] == [sooner, later]
    html = response.content.decode()
    assert "近期培训班" in html
    assert f'href="/programmes/secretaries/cohorts/{sooner.pk}/"' in html
    assert "报名中" in html


def test_home_page_shows_no_seat_counts(client, cohort):
    html = client.get("/").content.decode()

    assert cohort.title in html
    assert "剩余" not in html
    assert "名额已满" not in html


def test_home_page_links_to_the_programmes_and_the_lookup(client, programme_index):
    html = client.get("/").content.decode()

    assert '<a class="button" href="/programmes/">培训班报名</a>' in html
    assert '<a class="hero__lookup" href="/bookings/find/">查询我的报名</a>' in html
    assert "目前没有开放报名的培训班。" in html


@pytest.mark.parametrize("url", ["/", "/courses/", "/en/"])
def test_header_menu_offers_the_lookup_on_every_page(client, site_tree, url):
    html = client.get(url).content.decode()
    nav = html[html.index('<nav class="site-nav"') : html.index("</nav>")]

    lookup = "/en/bookings/find/" if url.startswith("/en/") else "/bookings/find/"
    label = "Find my registration" if url.startswith("/en/") else "查询我的报名"
    assert f'<li class="site-nav__lookup"><a href="{lookup}">{label}</a></li>' in nav


def test_a_new_cohort_shows_on_the_cached_home_page_at_once(client, cached_pages, programme):
    client.get("/")

    cohort = CohortFactory(programme=programme, title="新开班次")

    assert cohort.title in client.get("/").content.decode()


def test_a_registration_leaves_the_cached_home_page_cached(
    client, cached_pages, cohort, django_assert_num_queries
):
    client.get("/")
    register_trainees(cohort, 1)

    with django_assert_num_queries(0):
        assert client.get("/").status_code == 200


# Course, lecturer and base pages


@pytest.fixture
def taught(programme):
    """A course on-site at a base by a lecturer: a session to come, one past, one cancelled."""
    lecturer = LecturerPageFactory(title="王建国")
    base = TrainingBasePageFactory(title="幸福社区党群服务中心")
    course = CoursePageFactory(title="红色物业现场教学", lecturers=[lecturer])
    cohort = CohortFactory(programme=programme, title="第5期", starts_on=days(10))
    upcoming = SessionFactory(
        cohort=cohort, course=course, base=base, title="", lecturers=[lecturer]
    )
    past_cohort = CohortFactory(
        programme=programme, title="第1期", starts_on=days(-20), ends_on=days(-19)
    )
    SessionFactory(cohort=past_cohort, course=course, base=base, lecturers=[lecturer])
    cancelled = SessionFactory(
        cohort=cohort,
        course=course,
        base=base,
        lecturers=[lecturer],
        starts_at=at_local(days(11), 9),
        ends_at=at_local(days(11), 11),
    )
    cancelled.cancelled_at = timezone.now()
    cancelled.save()
    return {"course": course, "lecturer": lecturer, "base": base, "session": upcoming}


@pytest.mark.parametrize(
    ("page", "heading", "title_shown"),
    [
        ("course", "近期开课安排", False),
        ("lecturer", "近期授课安排", True),
        ("base", "近期在此开展的教学", True),
    ],
)
def test_page_shows_its_next_sessions_with_their_cohort(client, taught, page, heading, title_shown):
    session = taught["session"]

    html = client.get(taught[page].url).content.decode()

    assert heading in html
    assert html.count('<li class="upcoming-session">') == 1
    cohort_link = f'<a href="{session.cohort.get_url()}">基层党组织书记培训班 第5期</a>'
    assert cohort_link in html
    assert ('<p class="upcoming-session__title">红色物业现场教学</p>' in html) is title_shown
    assert "幸福社区党群服务中心 学院301教室" in html


def test_page_without_sessions_shows_no_section(client, site_tree):
    course = CoursePageFactory()

    html = client.get(course.url).content.decode()

    assert "近期开课安排" not in html


def test_sessions_of_an_unpublished_programme_are_not_shown(client, taught, programme):
    programme.unpublish()

    html = client.get(taught["course"].url).content.decode()

    assert "近期开课安排" not in html


@pytest.mark.parametrize("page", ["course", "lecturer", "base"])
def test_next_sessions_cost_one_query_however_many(taught, count_queries, page):
    one = count_queries(taught[page].url)
    session = taught["session"]
    for n in range(1, 8):
        cohort = CohortFactory(
            programme=ProgrammePageFactory(), title=f"第{n}期", starts_on=days(10 + n)
        )
        SessionFactory(
            cohort=cohort,
            course=taught["course"],
            base=taught["base"],
            lecturers=[taught["lecturer"], LecturerPageFactory()],
            room=session.room,
        )

    assert count_queries(taught[page].url) == one
