import datetime
import re

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import CoursePageFactory

pytestmark = pytest.mark.django_db

LANGUAGE_SWITCH = re.compile(r'<ul class="lang-switch"[^>]*>(.*?)</ul>', re.DOTALL)
LANGUAGE_LINK = re.compile(r'<a href="([^"]*)" lang="([^"]*)"')
ALTERNATE = re.compile(r'<link rel="alternate" hreflang="([^"]*)" href="([^"]*)">')


def test_healthz_ok(client, settings):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "database": connection.vendor,
        "database_ok": True,
        # The suite runs with Redis as the cache when REDIS_URL is set (CI's PostgreSQL pass).
        "cache": "RedisCache" if settings.REDIS_URL else "LocMemCache",
        "cache_ok": True,
        "status": "ok",
    }


def test_healthz_degraded_when_cache_is_down(client, redis_down, caplog):
    """The site serves without Redis: a load balancer must not take every worker out for it."""
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "database": connection.vendor,
        "database_ok": True,
        "cache": "RedisCache",
        "cache_ok": False,
        "status": "degraded",
    }
    assert [(r.name, r.levelname, r.message) for r in caplog.records] == [
        (
            "core.views",
            "ERROR",
            "health check: the cache did not answer; pages are served uncached.",
        )
    ]


def test_healthz_is_never_cached(client, django_assert_num_queries):
    client.get("/healthz")

    with django_assert_num_queries(1):
        assert client.get("/healthz").status_code == 200


def test_home_page_is_chinese_at_the_root(client, site_tree):
    html = client.get("/").content.decode()

    assert '<html lang="zh-hans">' in html


def test_home_page_is_english_under_en(client, site_tree):
    html = client.get("/en/").content.decode()

    assert '<html lang="en">' in html


def test_language_comes_from_the_url_not_the_browser(client, site_tree):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<html lang="zh-hans">' in html


@pytest.mark.parametrize("url", ["/en/courses/", "/en/trainers/", "/en/bases/", "/en/news/"])
def test_index_pages_served_in_english(client, site_tree, url):
    response = client.get(url)

    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()


def test_search_served_in_english(client, site_tree):
    response = client.get("/en/search/", {"q": "Yantai"})

    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()


def language_switch(client, url: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The header's links to the other language, and the head's alternate links."""
    html = client.get(url).content.decode()
    return LANGUAGE_LINK.findall(LANGUAGE_SWITCH.search(html).group(1)), ALTERNATE.findall(html)


def test_language_switch_on_a_chinese_page_links_its_english_page(client, site_tree):
    assert language_switch(client, "/courses/") == (
        [("/en/courses/", "en")],
        [("en", "/en/courses/")],
    )


def test_language_switch_on_an_english_page_links_its_chinese_page(client, site_tree):
    assert language_switch(client, "/en/courses/") == (
        [("/courses/", "zh-hans")],
        [("zh-Hans", "/courses/")],
    )


def test_language_switch_keeps_the_query(client, site_tree):
    switch, _ = language_switch(client, "/search/?q=%E5%85%9A%E5%BB%BA&page=2")

    assert switch == [("/en/search/?q=%E5%85%9A%E5%BB%BA&amp;page=2", "en")]


def test_current_timezone_is_shanghai(client, site_tree):
    response = client.get("/")

    assert response.status_code == 200
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"


def test_local_date_rolls_over_at_shanghai_midnight():
    utc_evening = datetime.datetime(2025, 6, 30, 16, 30, tzinfo=datetime.UTC)

    assert timezone.localdate(utc_evening) == datetime.date(2025, 7, 1)


def test_sitemap_lists_live_pages_and_not_drafts(client, site_tree):
    CoursePageFactory(slug="red-property")
    CoursePageFactory(slug="draft-course", live=False)

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    xml = response.content.decode()
    assert "<loc>http://localhost/courses/red-property/</loc>" in xml
    assert "<loc>http://localhost/courses/</loc>" in xml
    assert "draft-course" not in xml


def test_robots_txt_keeps_crawlers_out_of_private_pages_and_names_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain"
    assert response.content.decode() == (
        "User-agent: *\n"
        "Disallow: /admin/\n"
        "Disallow: /api/\n"
        "Disallow: /bookings/\n"
        "Disallow: /en/bookings/\n"
        "Disallow: /calendar/r/\n"
        "Allow: /\n"
        "\n"
        "Sitemap: http://testserver/sitemap.xml\n"
    )
