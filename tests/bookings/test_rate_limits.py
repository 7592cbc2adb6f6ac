"""Rate limits as clients and proxies see them: Retry-After on every 429, the address behind
proxies, and registration while Redis is down."""

import pytest

from bookings.models import Registration

from .test_api import body, post
from .test_views import PHONE, group_data, group_of, registration_data

pytestmark = pytest.mark.django_db


def retry_after(response) -> int:
    return int(response["Retry-After"])


# Retry-After


def test_register_form_429_says_when_to_retry(client, settings, cohort):
    settings.BOOKINGS_RATE_PER_IP = "1/m"
    client.post(cohort.get_url(), registration_data())

    response = client.post(cohort.get_url(), registration_data(phone="13800000009"))

    assert response.status_code == 429
    assert 1 <= retry_after(response) <= 60


def test_group_form_429_says_when_to_retry(client, settings, cohort):
    settings.BOOKINGS_RATE_PER_IP = "1/m"
    client.post(cohort.get_url() + "group/", group_data(group_of(2)))

    response = client.post(cohort.get_url() + "group/", group_data(group_of(2)))

    assert response.status_code == 429
    assert 1 <= retry_after(response) <= 60


def test_lookup_429_says_when_to_retry_on_the_phone_budget(client, settings):
    """The phone's budget is spent, not the address's: its window is the hour."""
    settings.BOOKINGS_RATE_PER_PHONE = "1/h"
    client.post("/bookings/find/", {"phone": PHONE, "code": "33333333"}, REMOTE_ADDR="10.0.0.1")

    response = client.post(
        "/bookings/find/", {"phone": PHONE, "code": "33333333"}, REMOTE_ADDR="10.0.0.2"
    )

    assert response.status_code == 429
    assert 1 <= retry_after(response) <= 3600


def test_api_429_says_when_to_retry(client, settings, cohort):
    settings.BOOKINGS_RATE_PER_IP = "1/m"
    post(client, cohort.pk, body())

    response = post(client, cohort.pk, body(phone="13800000009"))

    assert response.status_code == 429
    assert response.json()["code"] == "too_many_requests"
    assert 1 <= retry_after(response) <= 60


def test_accepted_attempts_carry_no_retry_after(client, cohort):
    response = post(client, cohort.pk, body())

    assert response.status_code == 201
    assert "Retry-After" not in response


# The client's address


def test_spoofed_forwarded_for_is_ignored_without_proxies(client, settings, cohort):
    settings.BOOKINGS_RATE_PER_IP = "1/m"
    post(client, cohort.pk, body(), HTTP_X_FORWARDED_FOR="203.0.113.1")

    response = post(
        client, cohort.pk, body(phone="13800000009"), HTTP_X_FORWARDED_FOR="203.0.113.2"
    )

    assert response.status_code == 429
    assert Registration.objects.count() == 1


def test_visitors_behind_one_proxy_have_budgets_of_their_own(client, settings, cohort):
    """Every request comes from the proxy's address; the entry it appended names the visitor."""
    settings.BOOKINGS_RATE_PER_IP = "1/m"
    settings.TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}

    first = post(client, cohort.pk, body(), HTTP_X_FORWARDED_FOR="203.0.113.1", **proxy)
    second = post(
        client,
        cohort.pk,
        body(phone="13800000008"),
        HTTP_X_FORWARDED_FOR="203.0.113.2",
        **proxy,
    )
    # The first visitor again, claiming another address left of what the proxy appended.
    spoofed = post(
        client,
        cohort.pk,
        body(phone="13800000009"),
        HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.1",
        **proxy,
    )

    assert (first.status_code, second.status_code, spoofed.status_code) == (201, 201, 429)
    assert Registration.objects.count() == 2


# Redis down: registration goes on, rate limits let it through and say so in the log


def test_register_form_registers_when_redis_is_down(client, cohort, redis_down, caplog):
    response = client.post(cohort.get_url(), registration_data())

    registration = Registration.objects.get()
    assert (response.status_code, response["Location"]) == (302, registration.get_absolute_url())
    assert registration.status == Registration.Status.CONFIRMED
    assert [(r.levelname, r.message) for r in caplog.records if r.name == "core.ratelimit"] == [
        ("ERROR", "Rate limit 'register' not counted: the cache did not answer."),
        ("ERROR", "Rate limit 'register:phone' not counted: the cache did not answer."),
    ]
    assert client.get(registration.get_absolute_url()).status_code == 200


def test_group_form_registers_when_redis_is_down(client, cohort, redis_down):
    response = client.post(cohort.get_url() + "group/", group_data(group_of(3)))

    assert response.status_code == 302  # to the group's page
    assert Registration.objects.count() == 3


def test_api_registers_when_redis_is_down(client, cohort, redis_down):
    response = post(client, cohort.pk, body())

    registration = Registration.objects.get()
    assert response.status_code == 201
    assert response.json()["code"] == registration.code
    assert response.json()["status"] == "confirmed"


def test_lookup_finds_a_registration_when_redis_is_down(client, cohort, redis_down):
    post(client, cohort.pk, body())
    registration = Registration.objects.get()

    response = client.post("/bookings/find/", {"phone": PHONE, "code": registration.code})

    assert (response.status_code, response["Location"]) == (302, registration.get_absolute_url())
