"""Content-Security-Policy and Permissions-Policy on the public site, the API docs and the admin
(core.headers, settings CONTENT_SECURITY_POLICY*)."""

import re

import pytest
from django.template.loader import render_to_string

from tests.bookings.factories import CohortFactory, ProgrammeIndexPageFactory, ProgrammePageFactory
from tests.factories import CoursePageFactory

pytestmark = pytest.mark.django_db

PUBLIC_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
PUBLIC_PERMISSIONS = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), display-capture=()"
)
# A <script> without src, a <style> element or a style="" attribute: what the policy blocks.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style|\sstyle=", re.IGNORECASE)


def policy(response) -> dict[str, list[str]]:
    directives = (part.split() for part in response["Content-Security-Policy"].split(";"))
    return {name: values for name, *values in directives}


@pytest.fixture
def public_urls(site_tree):
    course = CoursePageFactory(title="党建引领基层治理")
    ProgrammeIndexPageFactory()
    cohort = CohortFactory(programme=ProgrammePageFactory(title="基层党组织书记培训班"))
    return ["/", "/courses/", "/en/courses/", "/search/?q=党建", course.url, cohort.get_url()]


def test_public_pages_send_a_strict_policy_cached_or_not(client, public_urls):
    for url in public_urls:
        for response in (client.get(url), client.get(url)):  # the second may be cached
            assert response.status_code == 200, url
            assert policy(response) == PUBLIC_POLICY, url
            assert response["Permissions-Policy"] == PUBLIC_PERMISSIONS, url


def test_public_pages_run_no_inline_script_or_style(client, public_urls):
    for url in public_urls:
        html = client.get(url).content.decode()
        assert INLINE_SCRIPT.search(html) is None, url
        assert INLINE_STYLE.search(html) is None, url


def test_server_error_page_has_no_inline_style():
    html = render_to_string("500.html")

    assert INLINE_STYLE.search(html) is None
    assert "/static/css/error.css" in html


def test_api_docs_load_their_script_from_a_file_and_allow_only_inline_style(client):
    response = client.get("/api/docs/")
    script = client.get("/api/docs/", {"script": ""})

    html = response.content.decode()
    assert response.status_code == 200
    assert INLINE_SCRIPT.search(html) is None
    assert '<script src="/api/docs/?script="></script>' in html
    assert policy(response) == PUBLIC_POLICY | {"style-src": ["'self'", "'unsafe-inline'"]}
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_admin_policy_allows_wagtails_inline_scripts_and_its_own_frames(admin_client):
    response = admin_client.get("/admin/")

    assert response.status_code == 200
    assert policy(response) == PUBLIC_POLICY | {
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "frame-ancestors": ["'self'"],
    }
    assert response["Permissions-Policy"] == PUBLIC_PERMISSIONS.replace(
        "camera=()", "camera=(self)"
    )


def test_admin_login_gets_the_admin_policy(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert policy(response)["frame-ancestors"] == ["'self'"]
