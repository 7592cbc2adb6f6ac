"""`check --deploy` refuses a cache each worker process would keep to itself."""

import pytest
from django.core import checks

from academy.settings.base import redis_cache


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
        "django.core.cache.backends.db.DatabaseCache",
    ],
)
def test_deploy_check_reports_a_cache_of_each_process(settings, backend):
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "x"}}

    errors = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.caches])

    assert [error.id for error in errors] == ["core.E001"]
    assert errors[0].hint == "Set REDIS_URL, e.g. redis://127.0.0.1:6379/0."


def test_deploy_check_accepts_redis(settings):
    settings.CACHES = {"default": redis_cache("redis://127.0.0.1:6379/0")}

    assert checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.caches]) == []


def test_check_without_deploy_leaves_development_alone(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    assert checks.run_checks(tags=[checks.Tags.caches]) == []
