import pytest

from courses.models import CourseFormat
from lecturers.models import LecturerCategory
from tests.factories import (
    CoursePageFactory,
    LecturerPageFactory,
    TopicFactory,
    TrainingBasePageFactory,
    rich_course,
)

pytestmark = pytest.mark.django_db

TRAINER_INDEX_QUERIES = 13
# Two of them from the section hook: the next sessions (bookings) and the trainees' ratings
# (attendance).
TRAINER_PAGE_QUERIES = 15


def shown(response) -> set[str]:
    return {lecturer.title for lecturer in response.context["lecturers_page"]}


@pytest.fixture
def pool(site_tree):
    governance = TopicFactory(slug="governance")
    LecturerPageFactory(title="王建国", category=LecturerCategory.CADRE, topics=[governance])
    LecturerPageFactory(title="李红梅", category=LecturerCategory.COMMUNITY_SECRETARY)
    LecturerPageFactory(title="张伟", category=LecturerCategory.CADRE)
    LecturerPageFactory(title="赵敏", category=LecturerCategory.EXPERT, topics=[governance])
    LecturerPageFactory(title="刘洋", category=LecturerCategory.CADRE, live=False)


ALL_TRAINERS = {"王建国", "李红梅", "张伟", "赵敏"}


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("", ALL_TRAINERS),
        ("?category=cadre", {"王建国", "张伟"}),
        ("?category=community_secretary", {"李红梅"}),
        ("?category=model_worker", set()),
        ("?topic=governance", {"王建国", "赵敏"}),
        ("?category=cadre&topic=governance", {"王建国"}),
        ("?category=nope", ALL_TRAINERS),
        ("?topic=nope", ALL_TRAINERS),
    ],
)
def test_lecturer_index_filters(client, pool, query, titles):
    response = client.get(f"/trainers/{query}")

    assert response.status_code == 200
    assert shown(response) == titles


def test_lecturer_index_unknown_category_is_not_current(client, pool):
    response = client.get("/trainers/?category=nope")

    assert response.context["current_category"] == ""


@pytest.mark.parametrize(("page", "number", "count"), [("999", 2, 1), ("abc", 1, 12)])
def test_lecturer_index_bad_page_numbers_fall_back(client, site_tree, page, number, count):
    for n in range(13):
        LecturerPageFactory(title=f"讲师{n:02d}")

    response = client.get(f"/trainers/?page={page}")

    lecturers_page = response.context["lecturers_page"]
    assert (lecturers_page.number, len(lecturers_page)) == (number, count)


def test_lecturer_index_query_count_constant(site_tree, count_queries):
    LecturerPageFactory(topics=[TopicFactory()])
    one = count_queries("/trainers/")
    for _ in range(19):
        LecturerPageFactory(topics=[TopicFactory()])

    assert (one, count_queries("/trainers/")) == (TRAINER_INDEX_QUERIES, TRAINER_INDEX_QUERIES)


def test_lecturer_page_lists_live_courses_taught(client, site_tree):
    lecturer = LecturerPageFactory(title="王建国", topics=[TopicFactory(name="基层治理")])
    CoursePageFactory(title="网格化治理", lecturers=[lecturer])
    CoursePageFactory(
        title="红色物业现场教学",
        format=CourseFormat.ONSITE,
        base=TrainingBasePageFactory(),
        lecturers=[lecturer],
    )
    CoursePageFactory(title="草稿课程", lecturers=[lecturer], live=False)
    CoursePageFactory(title="别人的课程", lecturers=[LecturerPageFactory()])

    response = client.get(lecturer.url)

    assert response.status_code == 200
    assert {course.title for course in response.context["courses"]} == {
        "网格化治理",
        "红色物业现场教学",
    }
    assert [topic.name for topic in response.context["lecturer_topics"]] == ["基层治理"]
    assert "红色物业现场教学" in response.content.decode()


def test_lecturer_page_query_count_constant(site_tree, count_queries):
    lecturer = LecturerPageFactory(topics=[TopicFactory()])
    rich_course(lecturers=[lecturer])
    one = count_queries(lecturer.url)
    lecturer = LecturerPageFactory(topics=[TopicFactory() for _ in range(20)])
    shared = {"base": TrainingBasePageFactory(), "topics": [TopicFactory()], "materials": []}
    for _ in range(20):
        rich_course(lecturers=[lecturer, LecturerPageFactory()], **shared)

    assert (one, count_queries(lecturer.url)) == (TRAINER_PAGE_QUERIES, TRAINER_PAGE_QUERIES)
