"""The public site, the API docs and Wagtail's admin work under their Content-Security-Policy
in Chromium: no violation is reported, and each page shows what it should."""

import pytest
from playwright.sync_api import expect

from tests.bookings.factories import CohortFactory, ProgrammeIndexPageFactory, ProgrammePageFactory
from tests.factories import CoursePageFactory, SuperuserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def violations(page):
    """Every CSP violation the pages report: their events and the console's "Refused to…"."""
    found = []
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', event => console.error("
        "'CSP violation: ' + event.violatedDirective + ' ' + event.blockedURI));"
    )
    page.on(
        "console",
        lambda message: (
            found.append(message.text)
            if "Content Security Policy" in message.text or "CSP violation" in message.text
            else None
        ),
    )
    return found


def test_public_pages_and_api_docs_load_without_a_violation(
    page, live_server, site_tree, violations
):
    course = CoursePageFactory(title="党建引领基层治理", slug="governance")
    ProgrammeIndexPageFactory()
    cohort = CohortFactory(programme=ProgrammePageFactory(title="基层党组织书记培训班"))

    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.goto(live_server.url + course.url)
    expect(page.locator("h1")).to_have_text("党建引领基层治理")
    page.goto(live_server.url + cohort.get_url())
    expect(page.locator("form input[name=name]")).to_be_visible()
    page.goto(live_server.url + "/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("烟台城市党建学院 API")
    expect(page.get_by_text("/api/v1/cohorts/").first).to_be_visible()

    assert violations == []


def test_admin_editor_works_under_its_policy(page, live_server, site_tree, violations):
    course = CoursePageFactory(title="党建引领基层治理", slug="governance")
    SuperuserFactory(username="staff", password="correct-horse-battery")

    page.goto(live_server.url + "/admin/login/")
    page.locator("input[name=username]").fill("staff")
    page.locator("input[name=password]").fill("correct-horse-battery")
    page.locator("button[type=submit]").click()
    expect(page.locator("main")).to_be_visible()
    page.goto(live_server.url + f"/admin/pages/{course.pk}/edit/")
    expect(page.locator("input[name=title]")).to_have_value("党建引领基层治理")

    assert violations == []
