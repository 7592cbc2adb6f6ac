"""The shared pieces of the templates: the main menu and breadcrumbs, filter chips and course
lists."""

import re

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from courses.models import CourseFormat
from tests.factories import (
    CoursePageFactory,
    NewsPageFactory,
    StandardPageFactory,
    TopicFactory,
    TrainingBasePageFactory,
)

CHIP = re.compile(r'<a class="chip" href="([^"]*)"( aria-current="true")?>([^<]*)</a>')
FORMATS = [("lecture", "Lecture"), ("onsite", "On-site")]
MENU = re.compile(r'<nav class="site-nav"[^>]*>(.*?)</nav>', re.DOTALL)
MENU_LINK = re.compile(r'<a href="([^"]*)"(?: aria-current="([^"]*)")?>([^<]*)</a>')
BREADCRUMB = re.compile(r'<p class="breadcrumb"><a href="([^"]*)">([^<]*)</a></p>')


def menu(client, url: str) -> list[tuple[str, str, str]]:
    """The main menu's links on the page at `url`: (href, aria-current, text)."""
    response = client.get(url)
    assert response.status_code == 200
    return MENU_LINK.findall(MENU.search(response.content.decode()).group(1))


@pytest.mark.django_db
def test_main_menu_lists_home_and_live_sections_shown_in_menus_in_tree_order(client, site_tree):
    StandardPageFactory(title="关于学院", slug="about", show_in_menus=True)
    StandardPageFactory(title="联系我们", slug="contact", show_in_menus=False)
    StandardPageFactory(title="筹备中", slug="draft", show_in_menus=True, live=False)
    site_tree.bases.move(site_tree.courses, pos="left")

    assert menu(client, "/") == [
        ("/", "page", "首页"),
        ("/bases/", "", "实训基地"),
        ("/courses/", "", "课程"),
        ("/trainers/", "", "讲师"),
        ("/news/", "", "新闻"),
        ("/about/", "", "关于学院"),
        # Not a section: every page's way back to one's registration (issue 10).
        ("/bookings/find/", "", "查询我的报名"),
    ]


@pytest.mark.django_db
def test_main_menu_names_sections_in_the_visitors_language(client, site_tree):
    # An index's label is its section's name, translated; other pages show their title.
    StandardPageFactory(title="关于学院", slug="about", show_in_menus=True)

    assert [label for _, _, label in menu(client, "/en/")] == [
        "Home",
        "Courses",
        "Lecturers",
        "Training bases",
        "News",
        "关于学院",
        "Find my registration",
    ]


@pytest.mark.django_db
def test_main_menu_marks_the_current_section(client, site_tree):
    course = CoursePageFactory(slug="red-property")

    assert menu(client, "/courses/")[1] == ("/courses/", "page", "课程")
    assert menu(client, course.url)[1] == ("/courses/", "true", "课程")
    assert [current for _, current, _ in menu(client, course.url)] == ["", "true", "", "", "", ""]


@pytest.mark.django_db
def test_main_menu_in_english_links_the_english_pages(client, site_tree):
    assert [href for href, _, _ in menu(client, "/en/trainers/")] == [
        "/en/",
        "/en/courses/",
        "/en/trainers/",
        "/en/bases/",
        "/en/news/",
        "/en/bookings/find/",
    ]


@pytest.mark.django_db
def test_main_menu_follows_a_publish(client, site_tree):
    client.get("/")
    about = StandardPageFactory(title="关于学院", slug="about", show_in_menus=True, live=False)
    assert ("/about/", "", "关于学院") not in menu(client, "/trainers/")

    about.save_revision().publish()

    assert menu(client, "/trainers/")[-2] == ("/about/", "", "关于学院")


@pytest.mark.django_db
def test_breadcrumb_links_the_section_even_when_it_is_not_in_the_menu(client, site_tree):
    site_tree.news.show_in_menus = False
    site_tree.news.save()
    news = NewsPageFactory()

    html = client.get(news.url).content.decode()

    assert BREADCRUMB.findall(html) == [("/news/", "动态")]
    assert "/news/" not in MENU.search(html).group(1)


def chips(query: str, name: str, choices, current, **options) -> str:
    request = RequestFactory().get(f"/courses/{query}")
    arguments = " ".join(f"{key}={key}" for key in options)
    template = Template(
        f'{{% load core_tags %}}{{% filter_chips "{name}" "Label" choices current {arguments} %}}'
    )
    with translation.override("zh-hans"):
        return template.render(
            Context({"request": request, "choices": choices, "current": current, **options})
        )


def links(html: str) -> list[tuple[str, bool, str]]:
    return [(href, bool(marked), text) for href, marked, text in CHIP.findall(html)]


def test_filter_chips_mark_the_current_choice_keep_other_parameters_and_drop_the_page():
    html = chips("?format=onsite&topic=governance&page=3&q=a+b", "format", FORMATS, "onsite")

    assert links(html) == [
        ("?topic=governance&amp;q=a+b", False, "全部"),
        ("?format=lecture&amp;topic=governance&amp;q=a+b", False, "Lecture"),
        ("?format=onsite&amp;topic=governance&amp;q=a+b", True, "On-site"),
    ]


def test_filter_chips_mark_all_when_nothing_is_filtered():
    html = chips("?page=2", "format", FORMATS, "")

    assert links(html) == [
        ("?", True, "全部"),
        ("?format=lecture", False, "Lecture"),
        ("?format=onsite", False, "On-site"),
    ]


def test_filter_chips_without_a_query_string_link_all_to_the_page_itself():
    html = chips("", "format", FORMATS, "")

    assert links(html)[0] == ("", True, "全部")


@pytest.mark.django_db
def test_filter_chips_take_objects_by_slug_and_name():
    governance = TopicFactory(slug="governance", name="基层治理")
    property_ = TopicFactory(slug="property", name="红色物业")

    html = chips("?topic=property&format=lecture", "topic", [governance, property_], property_)

    assert links(html) == [
        ("?format=lecture", False, "全部"),
        ("?topic=governance&amp;format=lecture", False, "基层治理"),
        ("?topic=property&amp;format=lecture", True, "红色物业"),
    ]


def test_filter_chips_label_names_the_list():
    html = chips("", "kind", [], "")

    assert '<h2 class="filter__label" id="filter-kind">Label</h2>' in html
    assert '<ul class="chips" aria-labelledby="filter-kind">' in html


def test_filter_chips_label_can_be_hidden():
    html = chips("", "kind", [], "", label_hidden=True)

    assert '<h2 class="filter__label visually-hidden" id="filter-kind">Label</h2>' in html


def test_filter_chips_escape_values_in_links():
    html = chips("?q=%3Cb%3E", "format", [('"><script>', "x")], "")

    assert links(html)[1] == ("?q=%3Cb%3E&amp;format=%22%3E%3Cscript%3E", False, "x")


@pytest.mark.django_db
def test_course_links_list_courses_with_format_and_study_hours(site_tree):
    course = CoursePageFactory(
        title="红色物业现场教学",
        format=CourseFormat.ONSITE,
        base=TrainingBasePageFactory(),
        study_hours=1.5,
    )

    with translation.override("zh-hans"):
        html = render_to_string(
            "includes/course_links.html",
            {"heading_id": "base-courses", "heading": "在此开展的课程", "courses": [course]},
        )

    assert '<section class="panel" aria-labelledby="base-courses">' in html
    assert '<h2 id="base-courses">在此开展的课程</h2>' in html
    assert f'<a href="{course.url}">红色物业现场教学</a>' in html
    assert '<span class="link-list__meta">现场教学 · 1.5 学时</span>' in html
    assert "暂无课程。" not in html


def test_course_links_without_courses_say_so():
    with translation.override("zh-hans"):
        html = render_to_string(
            "includes/course_links.html",
            {"heading_id": "lecturer-courses", "heading": "主讲课程", "courses": []},
        )

    assert '<h2 id="lecturer-courses">主讲课程</h2>' in html
    assert '<p class="muted">暂无课程。</p>' in html
    assert "link-list" not in html
