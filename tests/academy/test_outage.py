"""Redis down, the database up: pages render uncached, sessions live in the database."""

import pytest
from django.contrib.sessions.models import Session

from tests.factories import CoursePageFactory, SuperuserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/courses/", "/en/", "/search/?q=党建"])
def test_public_pages_render_uncached_when_redis_is_down(client, site_tree, redis_down, path):
    CoursePageFactory(title="党建引领基层治理")

    first = client.get(path)
    second = client.get(path)

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.content == second.content


def test_a_course_page_shows_its_course_when_redis_is_down(client, site_tree, redis_down):
    course = CoursePageFactory(title="党建引领基层治理")

    response = client.get(course.url)

    assert response.status_code == 200
    assert "党建引领基层治理" in response.content.decode()


def test_admin_login_keeps_its_session_in_the_database_when_redis_is_down(
    client, site_tree, redis_down
):
    SuperuserFactory(username="editor")

    login = client.post(
        "/admin/login/", {"username": "editor", "password": "correct-horse-battery"}
    )
    dashboard = client.get("/admin/")

    assert (login.status_code, login["Location"]) == (302, "/admin/")
    assert dashboard.status_code == 200
    assert Session.objects.get().get_decoded()["_auth_user_id"]
