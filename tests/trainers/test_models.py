import pytest

from courses.models import CourseFormat
from tests.factories import (
    BasePageFactory,
    CoursePageFactory,
    TopicFactory,
    TrainerPageFactory,
    rich_course,
)
from trainers.models import TrainerCategory

pytestmark = pytest.mark.django_db

TRAINER_INDEX_QUERIES = 13
TRAINER_PAGE_QUERIES = 13


def shown(response) -> set[str]:
    return {trainer.title for trainer in response.context["trainers_page"]}


@pytest.fixture
def pool(site_tree):
    governance = TopicFactory(slug="governance")
    TrainerPageFactory(title="王建国", category=TrainerCategory.CADRE, topics=[governance])
    TrainerPageFactory(title="李红梅", category=TrainerCategory.COMMUNITY_SECRETARY)
    TrainerPageFactory(title="张伟", category=TrainerCategory.CADRE)
    TrainerPageFactory(title="赵敏", category=TrainerCategory.EXPERT, topics=[governance])
    TrainerPageFactory(title="刘洋", category=TrainerCategory.CADRE, live=False)


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
def test_trainer_index_filters(client, pool, query, titles):
    response = client.get(f"/trainers/{query}")

    assert response.status_code == 200
    assert shown(response) == titles


def test_trainer_index_unknown_category_is_not_current(client, pool):
    response = client.get("/trainers/?category=nope")

    assert response.context["current_category"] == ""


@pytest.mark.parametrize(("page", "number", "count"), [("999", 2, 1), ("abc", 1, 12)])
def test_trainer_index_bad_page_numbers_fall_back(client, site_tree, page, number, count):
    for n in range(13):
        TrainerPageFactory(title=f"讲师{n:02d}")

    response = client.get(f"/trainers/?page={page}")

    trainers_page = response.context["trainers_page"]
    assert (trainers_page.number, len(trainers_page)) == (number, count)


def test_trainer_index_query_count_constant(site_tree, count_queries):
    TrainerPageFactory(topics=[TopicFactory()])
    one = count_queries("/trainers/")
    for _ in range(19):
        TrainerPageFactory(topics=[TopicFactory()])

    assert (one, count_queries("/trainers/")) == (TRAINER_INDEX_QUERIES, TRAINER_INDEX_QUERIES)


def test_trainer_page_lists_live_courses_taught(client, site_tree):
    lecturer = TrainerPageFactory(title="王建国", topics=[TopicFactory(name="基层治理")])
    CoursePageFactory(title="网格化治理", lecturers=[lecturer])
    CoursePageFactory(
        title="红色物业现场教学",
        format=CourseFormat.ONSITE,
        base=BasePageFactory(),
        lecturers=[lecturer],
    )
    CoursePageFactory(title="草稿课程", lecturers=[lecturer], live=False)
    CoursePageFactory(title="别人的课程", lecturers=[TrainerPageFactory()])

    response = client.get(lecturer.url)

    assert response.status_code == 200
    assert {course.title for course in response.context["courses"]} == {
        "网格化治理",
        "红色物业现场教学",
    }
    assert [topic.name for topic in response.context["trainer_topics"]] == ["基层治理"]
    assert "红色物业现场教学" in response.content.decode()


def test_trainer_page_query_count_constant(site_tree, count_queries):
    lecturer = TrainerPageFactory(topics=[TopicFactory()])
    rich_course(lecturers=[lecturer])
    one = count_queries(lecturer.url)
    lecturer = TrainerPageFactory(topics=[TopicFactory() for _ in range(20)])
    shared = {"base": BasePageFactory(), "topics": [TopicFactory()], "materials": []}
    for _ in range(20):
        rich_course(lecturers=[lecturer, TrainerPageFactory()], **shared)

    assert (one, count_queries(lecturer.url)) == (TRAINER_PAGE_QUERIES, TRAINER_PAGE_QUERIES)
