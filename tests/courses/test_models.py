import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from courses.models import CourseFormat, CoursePage
from tests.factories import (
    CoursePageFactory,
    LecturerPageFactory,
    TopicFactory,
    TrainingBasePageFactory,
    materials,
    rich_course,
)

pytestmark = pytest.mark.django_db

# Queries for a warm render (site-root paths and renditions cached), whatever the item count.
COURSE_INDEX_QUERIES = 14
# Two of them from the section hook: the next sessions (bookings) and the trainees' ratings
# (attendance).
COURSE_PAGE_QUERIES = 17


def shown(response) -> set[str]:
    return {course.title for course in response.context["courses_page"]}


@pytest.fixture
def catalogue(site_tree):
    governance, property_ = TopicFactory(slug="governance"), TopicFactory(slug="property")
    base = TrainingBasePageFactory()
    CoursePageFactory(title="社区治理讲座", format=CourseFormat.LECTURE, topics=[governance])
    CoursePageFactory(
        title="红色物业现场教学", format=CourseFormat.ONSITE, base=base, topics=[property_]
    )
    CoursePageFactory(
        title="网格治理现场教学", format=CourseFormat.ONSITE, base=base, topics=[governance]
    )
    CoursePageFactory(title="情景模拟", format=CourseFormat.SITUATIONAL)
    CoursePageFactory(title="未发布的课程", format=CourseFormat.ONSITE, base=base, live=False)


ALL_COURSES = {"社区治理讲座", "红色物业现场教学", "网格治理现场教学", "情景模拟"}


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("", ALL_COURSES),
        ("?format=onsite", {"红色物业现场教学", "网格治理现场教学"}),
        ("?topic=governance", {"社区治理讲座", "网格治理现场教学"}),
        ("?format=onsite&topic=governance", {"网格治理现场教学"}),
        ("?format=lecture&topic=property", set()),
        ("?format=nope", ALL_COURSES),
        ("?topic=nope", ALL_COURSES),
        ("?format=nope&topic=property", {"红色物业现场教学"}),
    ],
)
def test_course_index_filters(client, catalogue, query, titles):
    response = client.get(f"/courses/{query}")

    assert response.status_code == 200
    assert shown(response) == titles


def test_course_index_unknown_format_is_not_current(client, catalogue):
    response = client.get("/courses/?format=nope&topic=nope")

    assert (response.context["current_format"], response.context["current_topic"]) == ("", None)


def test_course_index_topics_are_only_those_in_use(client, catalogue):
    TopicFactory(slug="unused")

    response = client.get("/courses/")

    assert [topic.slug for topic in response.context["topics"]] == ["governance", "property"]


@pytest.fixture
def thirteen_courses(site_tree):
    return [CoursePageFactory(title=f"第{n:02d}讲") for n in range(1, 14)]


@pytest.mark.parametrize(
    ("page", "number", "titles"),
    [
        ("999", 2, {"第01讲"}),
        ("2", 2, {"第01讲"}),
        ("abc", 1, {f"第{n:02d}讲" for n in range(2, 14)}),
        ("0", 2, {"第01讲"}),
        ("-1", 2, {"第01讲"}),
    ],
)
def test_course_index_bad_page_numbers_fall_back(client, thirteen_courses, page, number, titles):
    response = client.get(f"/courses/?page={page}")

    assert response.status_code == 200
    assert (response.context["courses_page"].number, shown(response)) == (number, titles)


def test_course_index_newest_published_first(client, thirteen_courses):
    CoursePage.objects.filter(title="第05讲").update(
        first_published_at=timezone.now() + datetime.timedelta(minutes=1)
    )
    CoursePageFactory(title="第99讲", featured=True, first_published_at=timezone.now())

    response = client.get("/courses/")

    assert [course.title for course in response.context["courses_page"][:3]] == [
        "第05讲",
        "第99讲",
        "第13讲",
    ]


def test_course_index_pages_split_the_catalogue_stably(client, thirteen_courses):
    CoursePage.objects.update(first_published_at=timezone.now())

    first = [course.title for course in client.get("/courses/").context["courses_page"]]
    second = [course.title for course in client.get("/courses/?page=2").context["courses_page"]]

    assert first + second == [f"第{n:02d}讲" for n in range(13, 0, -1)]


def test_course_index_card_lists_lecturers(client, site_tree):
    course = rich_course(
        title="党建引领基层治理",
        lecturers=[LecturerPageFactory(title="王建国"), LecturerPageFactory(title="李红梅")],
    )

    html = client.get("/courses/").content.decode()

    assert course.title in html
    assert "王建国" in html
    assert "李红梅" in html


def test_course_index_query_count_constant(site_tree, count_queries):
    rich_course()
    one = count_queries("/courses/")
    for _ in range(19):
        rich_course()

    assert (one, count_queries("/courses/")) == (COURSE_INDEX_QUERIES, COURSE_INDEX_QUERIES)


def test_course_page_shows_lecturers_topics_base_and_materials(client, site_tree):
    base = TrainingBasePageFactory(title="幸福社区党群服务中心")
    course = CoursePageFactory(
        title="红色物业现场教学",
        format=CourseFormat.ONSITE,
        base=base,
        lecturers=[LecturerPageFactory(title="王建国", job_title="书记")],
        topics=[TopicFactory(name="红色物业")],
        materials=materials(1),
    )

    response = client.get(course.url)

    assert response.status_code == 200
    assert [lecturer.title for lecturer in response.context["lecturers"]] == ["王建国"]
    assert [topic.name for topic in response.context["course_topics"]] == ["红色物业"]
    assert response.context["base_page"] == base
    assert [material.display_title for material in response.context["materials"]] == ["讲义0"]


def test_course_page_hides_unpublished_base_and_lecturers(client, site_tree):
    base = TrainingBasePageFactory()
    lecturer = LecturerPageFactory()
    course = CoursePageFactory(format=CourseFormat.ONSITE, base=base, lecturers=[lecturer])
    base.unpublish()
    lecturer.unpublish()

    response = client.get(course.url)

    assert response.context["base_page"] is None
    assert list(response.context["lecturers"]) == []


def test_course_page_query_count_constant(site_tree, count_queries):
    course = rich_course(
        lecturers=[LecturerPageFactory()], topics=[TopicFactory()], materials=materials(1)
    )
    one = count_queries(course.url)
    course = rich_course(
        lecturers=[LecturerPageFactory() for _ in range(20)],
        topics=[TopicFactory() for _ in range(20)],
        materials=materials(20),
    )

    assert (one, count_queries(course.url)) == (COURSE_PAGE_QUERIES, COURSE_PAGE_QUERIES)


def test_course_clean_onsite_without_base_fails(site_tree):
    course = CoursePageFactory(format=CourseFormat.LECTURE, base=None)
    course.format = CourseFormat.ONSITE

    with pytest.raises(ValidationError) as excinfo:
        course.full_clean()

    with translation.override("en"):
        assert excinfo.value.message_dict == {"base": ["On-site teaching needs a training base."]}


def test_course_clean_onsite_with_base_passes(site_tree):
    course = CoursePageFactory(format=CourseFormat.LECTURE, base=None)
    course.format = CourseFormat.ONSITE
    course.base = TrainingBasePageFactory()

    assert course.full_clean() is None


@pytest.mark.parametrize(
    "format_", [value for value in CourseFormat.values if value != CourseFormat.ONSITE]
)
def test_course_clean_other_formats_need_no_base(site_tree, format_):
    course = CoursePageFactory(format=format_, base=None)

    assert course.full_clean() is None


def test_course_add_onsite_without_base_is_refused(site_tree):
    with pytest.raises(ValidationError):
        CoursePageFactory(format=CourseFormat.ONSITE, base=None)

    assert CoursePage.objects.count() == 0
