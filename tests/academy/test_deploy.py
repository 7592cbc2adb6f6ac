"""Production settings pass Django's deployment checks with no warning, and refuse to start
without what several workers need: a strong SECRET_KEY, a shared cache."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


STRONG_KEY = "k7#Qz!m2Vx9@Lp4&Rt8^Wn1*Bc6(Hy3)Dj5_Fg0+Ks2=Ua7-Ze4%Xo9"
REDIS = "redis://127.0.0.1:6379/0"  # never connected to: `check` only reads the settings


def run_check(**env) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "academy.settings.production",
        "ALLOWED_HOSTS": "academy.example.cn",
        **env,
    }
    for name in ("DATABASE_URL", "REDIS_URL", "ALLOW_PER_PROCESS_CACHE"):
        if name not in env:
            environment.pop(name, None)
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = run_check(SECRET_KEY=STRONG_KEY, REDIS_URL=REDIS)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "secret_key", ["", "short", "dev-only-insecure-key-change-me-in-production"]
)
def test_production_settings_refuse_a_weak_secret_key(secret_key):
    result = run_check(SECRET_KEY=secret_key, REDIS_URL=REDIS)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_refuse_a_cache_of_each_process():
    """Without REDIS_URL every worker would count rate limits and cache pages on its own."""
    result = run_check(SECRET_KEY=STRONG_KEY)

    assert result.returncode != 0
    assert "ImproperlyConfigured: Set REDIS_URL" in result.stderr
    assert "ALLOW_PER_PROCESS_CACHE=1" in result.stderr


def test_check_deploy_reports_a_cache_of_each_process_even_when_allowed():
    """A one-process benchmark may start without Redis; a deployment check still says why not."""
    result = run_check(SECRET_KEY=STRONG_KEY, ALLOW_PER_PROCESS_CACHE="1")

    assert result.returncode != 0
    assert "(core.E001) The cache (django.core.cache.backends.locmem.LocMemCache)" in (
        result.stderr
    )
    assert "HINT: Set REDIS_URL" in result.stderr
