"""Whole-page caching for anonymous visitors, and its invalidation on publish."""

import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from core.cache import GENERATION_KEY, current_generation
from courses.models import CourseFormat, CourseIndexPage, CoursePage
from tests.factories import CoursePageFactory, SuperuserFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(site_tree):
    course = CoursePageFactory(title="党建引领基层治理", featured=True, live=False)
    course.save_revision().publish()
    course.refresh_from_db()
    return course


def rename(course: CoursePage, title: str) -> None:
    """Publish a new title the way the admin does: a revision, then publish."""
    draft = course.get_latest_revision_as_object()
    draft.title = title
    draft.save_revision().publish()


@pytest.mark.parametrize("url", ["/", "/courses/", "/search/?q=党建", "/en/courses/"])
def test_page_cache_serves_anonymous_repeat_without_queries(
    client, course, django_assert_num_queries, url
):
    first = client.get(url)

    with django_assert_num_queries(0):
        second = client.get(url)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.content == first.content
    assert "max-age=60" in second["Cache-Control"]


def test_page_cache_serves_stale_page_until_a_publish(client, course):
    client.get("/courses/")
    CoursePage.objects.filter(pk=course.pk).update(title="未经发布的改动")

    assert "未经发布的改动" not in client.get("/courses/").content.decode()


@pytest.mark.parametrize("url", ["/", "/courses/", "/search/?q=党建"])
def test_page_cache_publish_shows_new_title_at_once(client, course, url):
    assert "党建引领基层治理" in client.get(url).content.decode()

    rename(course, "党建引领基层治理专题讲座（第二版）")

    html = client.get(url).content.decode()
    assert "党建引领基层治理专题讲座（第二版）" in html


def test_page_cache_unpublish_removes_course_at_once(client, course):
    assert "党建引领基层治理" in client.get("/courses/").content.decode()

    course.unpublish()

    assert "党建引领基层治理" not in client.get("/courses/").content.decode()


def test_page_cache_snippet_save_clears_pages(client, site_tree):
    topic = TopicFactory(name="基层治理", slug="governance")
    course = CoursePageFactory(topics=[topic])
    assert "基层治理" in client.get(course.url).content.decode()

    topic.name = "城市基层治理"
    topic.save()

    assert "城市基层治理" in client.get(course.url).content.decode()


def test_page_cache_page_delete_clears_pages(client, course):
    assert "党建引领基层治理" in client.get("/courses/").content.decode()

    course.delete()

    assert "党建引领基层治理" not in client.get("/courses/").content.decode()


def test_page_cache_never_serves_logged_in_user(client, course):
    client.get("/courses/")
    CoursePage.objects.filter(pk=course.pk).update(title="只有登录用户能看到")
    client.force_login(SuperuserFactory())

    assert "只有登录用户能看到" in client.get("/courses/").content.decode()


def test_page_cache_logged_in_page_is_not_stored(client, course):
    client.force_login(SuperuserFactory())
    client.get("/courses/")
    client.logout()
    CoursePage.objects.filter(pk=course.pk).update(title="匿名用户首次访问")

    assert "匿名用户首次访问" in client.get("/courses/").content.decode()


def test_page_cache_not_found_is_not_stored(client, site_tree):
    assert client.get("/courses/late/").status_code == 404

    CoursePageFactory(slug="late")

    assert client.get("/courses/late/").status_code == 200


def test_page_cache_keeps_languages_apart(client, course):
    zh = client.get("/courses/").content.decode()
    en = client.get("/en/courses/").content.decode()

    assert '<html lang="zh-hans">' in zh
    assert '<html lang="en">' in en


def test_page_cache_disabled_with_zero_seconds(client, course, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.get("/courses/")
    CoursePage.objects.filter(pk=course.pk).update(title="不缓存")

    assert "不缓存" in client.get("/courses/").content.decode()


def test_page_cache_generation_starts_at_one_and_bumps_on_publish(course):
    from django.core.cache import cache

    cache.clear()
    assert current_generation() == 1

    rename(course, "新标题")

    assert cache.get(GENERATION_KEY) == 2


# Keys: a page is cached under its path and the query parameters it reads


def cached_pages() -> list[str]:
    """The keys of cached pages (not the parameters each path's page declared)."""
    if hasattr(cache, "keys"):  # django-redis
        keys = cache.keys("page:*")
    else:  # local memory: keys are made as ":<version>:<key>"
        keys = [key.split(":", 2)[2] for key in cache._cache]
    return [key for key in keys if key.startswith("page:") and not key.endswith(":params")]


def test_page_cache_unknown_parameters_share_the_canonical_entry(client, course):
    canonical = client.get("/courses/").content

    responses = [client.get(f"/courses/?utm={n}") for n in range(300)]

    assert len(cached_pages()) == 1
    assert {response.content for response in responses} == {canonical}


def test_page_cache_search_keys_on_query_and_page_only(client, course):
    first = client.get("/search/", {"q": "党建", "fbclid": "a1"}).content
    client.get("/search/", {"utm_source": "wechat", "q": "党建", "page": "1"})
    client.get("/search/", {"q": "党建", "page": "2"})

    assert len(cached_pages()) == 3
    assert client.get("/search/", {"q": "党建"}).content == first


def test_page_cache_serves_each_page_of_a_list(client, course):
    for n in range(12):
        CoursePageFactory(title=f"列表课程{n:02d}")  # published after `course`: listed before it
    client.get("/courses/")

    second = client.get("/courses/?utm_source=wechat&page=2").content.decode()

    assert course.title in second
    assert "列表课程00" not in second
    assert client.get("/courses/?page=2").content.decode() == second


def test_page_cache_keeps_filters_apart(client, course):
    CoursePageFactory(title="研讨课程", format=CourseFormat.SEMINAR)

    seminars = client.get("/courses/?format=seminar&fbclid=x").content.decode()
    lectures = client.get("/courses/?format=lecture").content.decode()

    assert "研讨课程" in seminars
    assert "党建引领基层治理" not in seminars
    assert "研讨课程" not in lectures


def test_cached_page_links_carry_no_visitors_tracking_parameters(client, course):
    for _ in range(12):
        CoursePageFactory()
    client.get("/courses/?utm_source=wechat&fbclid=abc")

    others = [client.get("/courses/?utm_source=weibo").content.decode() for _ in range(2)]

    for html in others:
        assert "?page=2" in html
        assert not {"utm_source", "wechat", "weibo", "fbclid"} & set(re.findall(r"\w+", html))
    assert len(cached_pages()) == 1


def test_index_page_refuses_to_read_an_undeclared_parameter(client, course, monkeypatch):
    monkeypatch.setattr(CourseIndexPage, "cache_query_params", ("page",))

    with pytest.raises(ImproperlyConfigured, match="format"):
        client.get("/courses/")
