"""Chinese bigram search, on whichever database the suite runs (SQLite or PostgreSQL)."""

from types import SimpleNamespace

import pytest
from django.utils import translation
from wagtail.models import PageViewRestriction

from bases.models import TrainingBaseCategory, TrainingBasePage
from core.models import District, NewsPage
from core.search import bigram_text, han_bigrams, highlight, query_terms, segment_query
from courses.models import CoursePage
from lecturers.models import LecturerPage
from tests.factories import (
    CoursePageFactory,
    LecturerPageFactory,
    NewsPageFactory,
    StandardPageFactory,
    TrainingBasePageFactory,
)

pytestmark = pytest.mark.django_db

BASE = "莱山区红色物业服务中心"
COURSE = "党建引领基层治理专题讲座"
LECTURER = "王建国"
NEWS = "第三期书记沙龙在幸福社区举行"
ABOUT = "关于学院"


@pytest.fixture
def pages(site_tree):
    """One page of each kind; the texts share some words and not others (see each test)."""
    return SimpleNamespace(
        base=TrainingBasePageFactory(
            title=BASE,
            district=District.objects.get(slug="laishan"),
            category=TrainingBaseCategory.RED_PROPERTY,
            summary="小区党支部与物业企业共同服务居民",
            address="烟台市莱山区迎春大街",
        ),
        course=CoursePageFactory(title=COURSE, summary="面向 Yantai 各区市社区书记的专题课程"),
        lecturer=LecturerPageFactory(
            title=LECTURER,
            job_title="副部长",
            unit="芝罘区委组织部",
            biography="<p>长期从事基层组织建设工作。</p>",
        ),
        news=NewsPageFactory(
            title=NEWS,
            kind=NewsPage.Kind.SALON,
            summary="各社区书记围绕红色物业与党建工作交流经验",
        ),
        # 物品 and 业务 hold 物 and 业 but never 物业 next to each other.
        about=StandardPageFactory(title=ABOUT, introduction="学院提供物品借用与业务咨询服务"),
    )


def search(client, query, **params):
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200
    return response


def found(response) -> set[str]:
    results_page = response.context["results_page"]
    if results_page is None:
        return set()
    return {result["page"].title for result in results_page}


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("物业", {BASE, NEWS}),
        ("党建", {COURSE, NEWS}),
        ("组织部", {LECTURER}),
        ("红色物业", {BASE, NEWS}),
        ("基层治理", {COURSE}),
        ("Yantai", {COURSE}),
        ("yantai", {COURSE}),
        ("YANTAI", {COURSE}),
        ("Yantai 书记", {COURSE}),
        ("书记 沙龙", {NEWS}),
        ("火箭", set()),
    ],
)
def test_search_finds_exactly_the_pages_with_the_words(client, pages, query, titles):
    assert found(search(client, query)) == titles


def test_search_bigrams_must_be_adjacent_in_one_page(client, pages):
    # 物业 and 治理 are both indexed, 业治 nowhere: a phrase is not a bag of characters.
    assert found(search(client, "物业治理")) == set()


def test_search_index_follows_a_published_edit(client, pages):
    revision = pages.lecturer.save_revision()
    lecturer = revision.as_object()
    lecturer.unit = "福山区委宣传部"
    lecturer.save_revision().publish()

    assert found(search(client, "组织部")) == set()
    assert found(search(client, "宣传部")) == {LECTURER}


def test_search_skips_drafts_private_pages_and_the_home_page(client, pages, site_tree):
    CoursePageFactory(title="物业管理实务", live=False)
    private = TrainingBasePageFactory(title="内部物业培训点")
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    site_tree.home.tagline = "物业 党建"
    site_tree.home.save_revision().publish()

    assert found(search(client, "物业")) == {BASE, NEWS}


def test_search_results_show_type_label_and_marked_snippet(client, pages):
    response = search(client, "物业")

    results = {result["page"].title: result for result in response.context["results_page"]}
    with translation.override("zh-hans"):
        assert {title: str(result["type"]) for title, result in results.items()} == {
            BASE: str(TrainingBasePage._meta.verbose_name),
            NEWS: str(NewsPage._meta.verbose_name),
        }
    assert results[BASE]["snippet"] == "小区党支部与<mark>物业</mark>企业共同服务居民"
    assert results[NEWS]["snippet"] == "各社区书记围绕红色<mark>物业</mark>与党建工作交流经验"
    html = response.content.decode()
    assert "小区党支部与<mark>物业</mark>企业共同服务居民" in html
    assert "各社区书记围绕红色<mark>物业</mark>与党建工作交流经验" in html


def test_search_snippets_for_lecturer_and_course(client, pages):
    lecturer = search(client, "组织部").context["results_page"][0]
    course = search(client, "yantai").context["results_page"][0]

    with translation.override("zh-hans"):
        assert str(lecturer["type"]) == str(LecturerPage._meta.verbose_name)
        assert str(course["type"]) == str(CoursePage._meta.verbose_name)
    assert lecturer["snippet"] == "芝罘区委<mark>组织部</mark> 副部长 长期从事基层组织建设工作。"
    assert course["snippet"] == "面向 <mark>Yantai</mark> 各区市社区书记的专题课程"


def test_search_without_query_shows_no_results(client, pages):
    response = search(client, "")

    assert response.context["query"] == ""
    assert response.context["results_page"] is None


@pytest.mark.parametrize(
    "query",
    [
        "物" * 10_000,
        "党建" * 5_000,
        "x" * 10_000,
        "！？。，、；：“”‘’《》【】……——",
        "!@#$%^&*()_+-=[]{}|;':\",./<>?`~",
        "AND OR NOT NEAR",
        '"物业" OR *',
        "\x00\x01物业",
    ],
)
def test_search_malformed_query_is_answered(client, pages, query):
    response = search(client, query)

    assert len(response.context["query"]) <= 100


def test_search_punctuation_only_is_treated_as_empty(client, pages):
    response = search(client, "！？。，、；：")

    assert response.context["results_page"] is None


def test_search_query_is_escaped_in_the_page(client, pages):
    response = search(client, "<script>alert(1)</script>物业")

    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;物业" in html


def ranked(response) -> list[str]:
    return [result["page"].title for result in response.context["results_page"]]


WORDY = "<p>" + "课程面向各区市组织部干部，内容详实，学员反响热烈。" * 40 + "</p>"


@pytest.fixture
def title_and_body_pages(site_tree):
    """Pages holding the query in their title, with a long text, and pages mentioning it in a
    short text, once or again and again: bm25 alone ranks the short texts first."""
    return SimpleNamespace(
        course=CoursePageFactory(
            title="乡村振兴战略下基层党组织建设专题讲座",
            summary="面向各区市组织部干部的专题课程。" * 10,
            body=[("paragraph", WORDY)],
        ),
        course_en=CoursePageFactory(
            title="Yantai community leadership workshop for party secretaries",
            summary="A course for community secretaries. " * 40,
        ),
        news=NewsPageFactory(title="学院动态", summary="学院召开会议，研究乡村振兴工作。"),
        about=StandardPageFactory(title=ABOUT, introduction="乡村振兴 " * 6),
        visit=NewsPageFactory(title="Visitors", summary="Yantai, Yantai, Yantai and Yantai."),
        brief=NewsPageFactory(title="Brief", summary="Yantai"),
    )


@pytest.mark.parametrize(
    ("query", "first", "then"),
    [
        ("乡村振兴", "course", {"news", "about"}),
        ("yantai", "course_en", {"visit", "brief"}),
    ],
)
def test_search_ranks_a_title_match_above_body_matches(
    client, title_and_body_pages, query, first, then
):
    titles = ranked(search(client, query))

    pages = vars(title_and_body_pages)
    assert titles[0] == pages[first].title
    assert set(titles[1:]) == {pages[name].title for name in then}


def test_search_ranks_title_matches_before_a_page_with_part_of_the_query_in_its_title(
    client, title_and_body_pages
):
    CoursePageFactory(title="乡村振兴", summary="专题课程")
    # 乡村 in the title, 振兴 in the text: it matches, but its title does not hold the query.
    NewsPageFactory(title="乡村工作简报", summary="乡村振兴")

    titles = ranked(search(client, "乡村振兴"))

    assert set(titles[:2]) == {"乡村振兴", title_and_body_pages.course.title}
    assert set(titles[2:]) == {"乡村工作简报", "学院动态", ABOUT}


@pytest.fixture
def many_courses(site_tree):
    return [
        CoursePageFactory(title=f"物业服务第{n:02d}讲", summary="红色物业") for n in range(1, 13)
    ]


@pytest.mark.parametrize(("page", "number", "count"), [("abc", 1, 10), ("99999", 2, 2)])
def test_search_bad_page_numbers_fall_back(client, many_courses, page, number, count):
    response = search(client, "物业", page=page)

    results_page = response.context["results_page"]
    assert (results_page.number, len(results_page.object_list)) == (number, count)
    assert results_page.paginator.count == 12


def test_han_bigrams_cuts_runs_into_overlapping_pairs():
    assert han_bigrams("红色物业") == ["红色", "色物", "物业"]


def test_han_bigrams_single_character_and_mixed_text():
    assert han_bigrams("Yantai 党 abc 物业服务, 123") == ["党", "物业", "业服", "服务"]


def test_han_bigrams_empty():
    assert (han_bigrams(""), han_bigrams(None)) == ([], [])


def test_bigram_text_strips_tags_and_deduplicates():
    assert bigram_text("<p>红色物业</p>", "物业", None) == "红色 色物 物业 红 色 物 业"


def test_query_terms_keeps_han_runs_and_latin_words():
    assert query_terms("红色物业，Yantai-2025！") == ["红色物业", "Yantai", "2025"]


def test_segment_query_bigrams_han_and_lowercases_latin():
    assert segment_query("红色物业 Yantai") == "红色 色物 物业 yantai"


def test_segment_query_deduplicates():
    assert segment_query("物业物业 物业") == "物业 业物"


def test_segment_query_punctuation_only_is_empty():
    assert segment_query("！？。,.;") == ""


def test_segment_query_truncated_to_100_characters():
    assert segment_query("x" * 10_000) == "x" * 100


def test_highlight_marks_every_term_case_insensitively():
    assert highlight("Yantai 红色物业, yantai", "yantai 物业") == (
        "<mark>Yantai</mark> 红色<mark>物业</mark>, <mark>yantai</mark>"
    )


def test_highlight_prefers_the_longest_term():
    assert highlight("红色物业服务", "物业 红色物业") == "<mark>红色物业</mark>服务"


def test_highlight_windows_long_text_around_the_first_hit():
    text = "甲" * 60 + "物业" + "乙" * 60

    assert highlight(text, "物业") == "…" + "甲" * 30 + "<mark>物业</mark>" + "乙" * 58 + "…"


def test_highlight_escapes_html_and_drops_tags():
    assert highlight("<p>a & <b>物业</b> <script>x</script></p>", "物业") == (
        "a &amp; <mark>物业</mark> x"
    )


def test_highlight_without_a_hit_starts_at_the_beginning():
    assert highlight("学院简介", "火箭") == "学院简介"


def test_highlight_never_marks_inside_escaped_entities():
    assert highlight("Tom & Jerry's", "amp x27 39") == "Tom &amp; Jerry&#x27;s"


def test_highlight_escapes_marked_terms():
    assert highlight("a<b 物业", "b") == "a&lt;<mark>b</mark> 物业"


def test_search_single_character_finds_pages_holding_it(client, pages):
    response = search(client, "王")

    assert found(response) == {LECTURER}
