"""Production settings pass Django's deployment checks with no warning."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_check(**env) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "academy.settings.production",
        "ALLOWED_HOSTS": "academy.example.cn",
        **env,
    }
    environment.pop("DATABASE_URL", None)
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
    result = run_check(SECRET_KEY="k7#Qz!m2Vx9@Lp4&Rt8^Wn1*Bc6(Hy3)Dj5_Fg0+Ks2=Ua7-Ze4%Xo9")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "secret_key", ["", "short", "dev-only-insecure-key-change-me-in-production"]
)
def test_production_settings_refuse_a_weak_secret_key(secret_key):
    result = run_check(SECRET_KEY=secret_key)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
