"""The site's own login page (judges and others without admin access): in Chinese, rate-limited,
sending staff to the admin and others where they were going."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def test_login_page_is_in_chinese(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "登录" in content
    assert 'name="username"' in content


def test_login_sends_a_user_to_next(client):
    UserFactory(username="judge01")

    response = client.post(
        "/accounts/login/?next=/bookings/lookup/",
        {"username": "judge01", "password": PASSWORD, "next": "/bookings/lookup/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/bookings/lookup/"


def test_login_refuses_a_next_elsewhere(client):
    UserFactory(username="judge01")

    response = client.post(
        "/accounts/login/",
        {"username": "judge01", "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert response.status_code == 302
    assert "evil" not in response["Location"]


def test_login_sends_staff_to_the_admin(client):
    user = UserFactory(username="registrar")
    user.groups.add(Group.objects.get(name="教务"))

    response = client.post("/accounts/login/", {"username": "registrar", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")


def test_login_with_a_wrong_password_says_so(client):
    UserFactory(username="judge01")

    response = client.post("/accounts/login/", {"username": "judge01", "password": "nope"})

    assert response.status_code == 200
    assert "请输入一个正确的用户名和密码" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_is_rate_limited_per_username(client, settings):
    settings.LOGIN_RATE_PER_USERNAME = "3/h"
    UserFactory(username="judge01")
    for _ in range(3):
        client.post("/accounts/login/", {"username": "Judge01 ", "password": "nope"})

    # The right password is refused too once the budget is spent.
    response = client.post("/accounts/login/", {"username": "judge01", "password": PASSWORD})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "尝试次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_is_rate_limited_per_address(client, settings):
    settings.LOGIN_RATE_PER_IP = "2/m"
    for name in ("a", "b"):
        client.post("/accounts/login/", {"username": name, "password": "nope"})

    response = client.post("/accounts/login/", {"username": "c", "password": "nope"})

    assert response.status_code == 429


def test_logout_takes_a_post_and_leads_to_the_login(client):
    user = UserFactory(username="judge01")
    client.force_login(user)

    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
