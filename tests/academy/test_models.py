import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from core.models import NewsPage, Organisation
from tests.factories import (
    CoursePageFactory,
    LecturerPageFactory,
    NewsPageFactory,
    OrganisationFactory,
    StandardPageFactory,
    TrainingBasePageFactory,
    rich_course,
    valid_credit_code,
)

pytestmark = pytest.mark.django_db

# One of them for the next cohorts (academy.selectors.next_cohorts); four for the figures
# (attendance.figures.headline: pages, sessions held, trainees, study visits).
HOME_PAGE_QUERIES = 15
NEWS_INDEX_QUERIES = 10
NEWS_PAGE_QUERIES = 10
STANDARD_PAGE_QUERIES = 8
SEARCH_QUERIES = 8


def test_organisation_bad_credit_code_fails_in_chinese():
    organisation = Organisation(name="芝罘区幸福社区党委", credit_code="91350100M000100Y44")

    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as excinfo:
            organisation.full_clean()
        errors = excinfo.value.error_dict

        assert list(errors) == ["credit_code"]
        assert [error.code for error in errors["credit_code"]] == ["credit_code_check"]
        assert excinfo.value.message_dict["credit_code"] == [
            "统一社会信用代码校验位不正确，请核对。"
        ]


def test_organisation_credit_code_normalised_on_clean():
    organisation = Organisation(name="芝罘区幸福社区党委", credit_code="91350100m000100y43")

    organisation.full_clean()

    assert organisation.credit_code == "91350100M000100Y43"


def test_organisation_full_width_credit_code_normalised_on_clean():
    organisation = Organisation(
        name="芝罘区幸福社区党委", credit_code="９１３５０１００Ｍ０００１００Ｙ４３"
    )

    organisation.full_clean()

    assert organisation.credit_code == "91350100M000100Y43"


def test_organisation_spaced_credit_code_normalised_on_clean():
    organisation = Organisation(name="芝罘区幸福社区党委", credit_code="9135 0100 M000 100Y 43")

    organisation.full_clean()

    assert organisation.credit_code == "91350100M000100Y43"


def test_organisation_duplicate_credit_code_fails_clean():
    OrganisationFactory(credit_code=valid_credit_code(7))
    duplicate = Organisation(name="重复单位", credit_code=valid_credit_code(7).lower())

    with translation.override("en"):
        with pytest.raises(ValidationError) as excinfo:
            duplicate.full_clean()

        assert excinfo.value.messages == [
            "An organisation with this unified social credit code already exists."
        ]


def test_organisation_duplicate_credit_code_refused_by_database():
    OrganisationFactory(credit_code=valid_credit_code(7))

    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="重复单位", credit_code=valid_credit_code(7))


def test_organisation_empty_credit_codes_may_repeat():
    first = Organisation.objects.create(name="甲单位", credit_code="")
    second = Organisation(name="乙单位", credit_code="")

    second.full_clean()
    second.save()

    assert set(Organisation.objects.values_list("pk", flat=True)) == {first.pk, second.pk}


def test_organisation_bad_office_phone_fails_clean():
    organisation = Organisation(name="甲单位", contact_phone="6688123")

    with pytest.raises(ValidationError) as excinfo:
        organisation.full_clean()

    assert [error.code for error in excinfo.value.error_dict["contact_phone"]] == ["phone_format"]


def test_home_page_figures_count_live_pages(client, site_tree):
    rich_course()
    CoursePageFactory(live=False)
    LecturerPageFactory(live=False)

    response = client.get("/")

    assert response.status_code == 200
    assert response.context["figures"] == {
        "courses": 1,
        "lecturers": 2,
        "bases": 1,
        "sessions_held": 0,
        "study_hours": Decimal("0.0"),
        "trainees": 0,
        "delegation_visitors": 0,
        "visitors": 0,
    }


def test_home_page_features_six_live_featured_courses(client, site_tree):
    for n in range(7):
        CoursePageFactory(title=f"推荐课程{n}", featured=True)
    CoursePageFactory(title="普通课程")
    CoursePageFactory(title="推荐草稿", featured=True, live=False)

    response = client.get("/")

    titles = [course.title for course in response.context["featured_courses"]]
    assert len(titles) == 6
    assert set(titles) <= {f"推荐课程{n}" for n in range(7)}


def test_home_page_latest_five_news_newest_first(client, site_tree):
    for day in range(1, 8):
        NewsPageFactory(title=f"三月{day}日动态", date=datetime.date(2025, 3, day))

    response = client.get("/")

    assert [news.title for news in response.context["latest_news"]] == [
        "三月7日动态",
        "三月6日动态",
        "三月5日动态",
        "三月4日动态",
        "三月3日动态",
    ]
    assert "三月7日动态" in response.content.decode()


def test_home_page_query_count_constant(site_tree, count_queries):
    rich_course(featured=True)
    NewsPageFactory()
    one = count_queries("/")
    shared = {
        "lecturers": [LecturerPageFactory()],
        "base": TrainingBasePageFactory(),
        "materials": [],
    }
    for _ in range(19):
        rich_course(featured=True, **shared)
        NewsPageFactory()

    assert (one, count_queries("/")) == (HOME_PAGE_QUERIES, HOME_PAGE_QUERIES)


@pytest.fixture
def news(site_tree):
    NewsPageFactory(
        title="第三期书记沙龙", kind=NewsPage.Kind.SALON, date=datetime.date(2025, 3, 1)
    )
    NewsPageFactory(
        title="第四期书记沙龙", kind=NewsPage.Kind.SALON, date=datetime.date(2025, 4, 1)
    )
    NewsPageFactory(title="头脑风暴会", kind=NewsPage.Kind.BRAINSTORM)
    NewsPageFactory(title="学院新闻", kind=NewsPage.Kind.NEWS)
    NewsPageFactory(title="沙龙草稿", kind=NewsPage.Kind.SALON, live=False)


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("?kind=salon", ["第四期书记沙龙", "第三期书记沙龙"]),
        ("?kind=brainstorm", ["头脑风暴会"]),
        ("?kind=event", []),
    ],
)
def test_news_index_filters_by_kind_newest_first(client, news, query, titles):
    response = client.get(f"/news/{query}")

    assert response.status_code == 200
    assert [item.title for item in response.context["news_page"]] == titles


@pytest.mark.parametrize("query", ["", "?kind=nope"])
def test_news_index_unknown_kind_shows_all(client, news, query):
    response = client.get(f"/news/{query}")

    assert {item.title for item in response.context["news_page"]} == {
        "第三期书记沙龙",
        "第四期书记沙龙",
        "头脑风暴会",
        "学院新闻",
    }
    assert response.context["current_kind"] == ""


@pytest.mark.parametrize(("page", "number", "count"), [("999", 2, 1), ("abc", 1, 12)])
def test_news_index_bad_page_numbers_fall_back(client, site_tree, page, number, count):
    for _ in range(13):
        NewsPageFactory()

    response = client.get(f"/news/?page={page}")

    news_page = response.context["news_page"]
    assert (news_page.number, len(news_page)) == (number, count)


def test_news_index_query_count_constant(site_tree, count_queries):
    NewsPageFactory()
    one = count_queries("/news/")
    for _ in range(19):
        NewsPageFactory()

    assert (one, count_queries("/news/")) == (NEWS_INDEX_QUERIES, NEWS_INDEX_QUERIES)


def test_news_page_query_count(site_tree, count_queries):
    news = NewsPageFactory(
        body=[("heading", {"text": "活动回顾", "size": "h2"}), ("paragraph", "<p>交流经验。</p>")]
    )

    assert count_queries(news.url) == NEWS_PAGE_QUERIES


def test_standard_page_renders_body(client, site_tree):
    page = StandardPageFactory(
        title="关于学院",
        slug="about",
        body=[
            ("heading", {"text": "学院简介", "size": "h2"}),
            ("paragraph", "<p>烟台城市党建学院成立于2021年。</p>"),
        ],
    )

    response = client.get(page.url)

    assert response.status_code == 200
    html = response.content.decode()
    assert "学院简介" in html
    assert "烟台城市党建学院成立于2021年。" in html


def test_standard_page_query_count_constant(site_tree, count_queries):
    one = StandardPageFactory(body=[("paragraph", "<p>第1段</p>")])
    many = StandardPageFactory(
        body=[("paragraph", f"<p>第{n}段</p>") for n in range(20)]
        + [("heading", {"text": f"标题{n}", "size": "h3"}) for n in range(20)]
    )

    assert (count_queries(one.url), count_queries(many.url)) == (
        STANDARD_PAGE_QUERIES,
        STANDARD_PAGE_QUERIES,
    )


def test_search_query_count_constant(site_tree, count_queries):
    CoursePageFactory(summary="党建引领基层治理")
    one = count_queries("/search/?q=党建")
    for _ in range(19):
        CoursePageFactory(summary="党建引领基层治理")

    assert (one, count_queries("/search/?q=党建")) == (SEARCH_QUERIES, SEARCH_QUERIES)


def test_search_query_count_one_more_per_page_type(site_tree, count_queries):
    CoursePageFactory(summary="党建引领基层治理")
    LecturerPageFactory(unit="市委党建办")
    TrainingBasePageFactory(summary="党建示范点")
    NewsPageFactory(summary="党建工作交流")

    assert count_queries("/search/?q=党建") == SEARCH_QUERIES + 3
