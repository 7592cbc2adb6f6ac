"""Which address the rate limits count: REMOTE_ADDR, or what the last trusted proxy saw."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from academy.settings.base import env_proxies
from core.ratelimit import client_ip


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "client"),
    [
        (0, "", "10.0.0.1"),
        (0, "203.0.113.9", "10.0.0.1"),
        (1, "", "10.0.0.1"),
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),
        (2, "198.51.100.7, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "203.0.113.9"),
        (1, "2001:db8::1", "2001:db8::1"),
        (1, "not-an-address", "10.0.0.1"),
    ],
)
def test_client_ip_counts_from_the_right_past_trusted_proxies(
    settings, proxies, forwarded_for, client
):
    settings.TRUSTED_PROXIES = proxies
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)

    assert client_ip(request) == client


def test_trusted_proxies_is_a_count(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.1")

    with pytest.raises(ImproperlyConfigured, match="number of reverse proxies"):
        env_proxies("TRUSTED_PROXIES")
