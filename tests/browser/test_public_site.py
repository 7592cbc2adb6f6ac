"""A visitor walks the public site in Chromium: home → courses (filtered) → course → lecturer →
base, then searches in Chinese."""

import re

import pytest
from playwright.sync_api import expect

from courses.models import CourseFormat
from tests.factories import (
    CoursePageFactory,
    LecturerPageFactory,
    TopicFactory,
    TrainingBasePageFactory,
    gallery,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def catalogue(site_tree):
    base = TrainingBasePageFactory(
        title="莱山区红色物业服务中心",
        slug="red-property",
        summary="红色物业引领小区治理。",
        latitude="37.460000",
        longitude="121.440000",
        gallery_images=gallery(2),
    )
    lecturer = LecturerPageFactory(title="王海燕", slug="wang-haiyan", unit="芝罘区委组织部")
    topic = TopicFactory(name="红色物业", slug="red-property")
    course = CoursePageFactory(
        title="红色物业现场教学",
        slug="red-property-onsite",
        format=CourseFormat.ONSITE,
        base=base,
        lecturers=[lecturer],
        topics=[topic],
        summary="走进红色物业服务中心，看党建如何引领物业服务。",
        featured=True,
    )
    CoursePageFactory(title="基层治理专题讲座", slug="lecture", format=CourseFormat.LECTURE)
    return course


def test_visitor_walks_from_home_to_a_base_and_searches(page, live_server, catalogue):
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.get_by_role("navigation").get_by_role("link", name="课程", exact=True).click()
    expect(page).to_have_url(re.compile(r"/courses/$"))
    expect(page.get_by_text("基层治理专题讲座")).to_be_visible()

    page.goto(live_server.url + "/courses/?format=onsite")
    expect(page.get_by_text("基层治理专题讲座")).to_have_count(0)
    page.get_by_role("link", name="红色物业现场教学").first.click()
    expect(page.locator("h1")).to_have_text("红色物业现场教学")

    page.get_by_role("link", name="王海燕").first.click()
    expect(page.locator("h1")).to_have_text("王海燕")
    expect(page.get_by_text("芝罘区委组织部").first).to_be_visible()
    page.get_by_role("link", name="红色物业现场教学").first.click()

    page.get_by_role("link", name="莱山区红色物业服务中心").first.click()
    expect(page.locator("h1")).to_have_text("莱山区红色物业服务中心")
    map_link = page.locator("a[href*='uri.amap.com']")
    expect(map_link).to_have_attribute("href", re.compile(r"position=121\.44\d*,37\.46"))

    search_box = page.locator("input[name=q]").first
    search_box.fill("物业")
    search_box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q="))
    results = page.locator("main")
    expect(results.get_by_role("link", name="莱山区红色物业服务中心")).to_be_visible()
    expect(results.get_by_role("link", name="红色物业现场教学")).to_be_visible()
    expect(results.get_by_role("link", name="基层治理专题讲座")).to_have_count(0)
    expect(results.locator("mark").first).to_have_text("物业")
