"""TASKS_BACKEND chooses where notices run: in the process (dev, tests) or through db_worker
(production), and nothing else."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from academy.settings.base import TASKS_MODULE

ROOT = Path(__file__).resolve().parents[2]
IMMEDIATE = f"{TASKS_MODULE}.backends.immediate.ImmediateBackend"
DATABASE = "django_tasks_db.DatabaseBackend"


def configured_backend(settings_module: str, tasks_backend: str | None):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "SECRET_KEY": "k7#Qz!m2Vx9@Lp4&Rt8^Wn1*Bc6(Hy3)Dj5_Fg0+Ks2=Ua7-Ze4%Xo9",
        "REDIS_URL": "redis://127.0.0.1:6379/0",  # production settings require one
    }
    environment.pop("TASKS_BACKEND", None)
    if tasks_backend is not None:
        environment["TASKS_BACKEND"] = tasks_backend
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.TASKS['default']['BACKEND'])",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("settings_module", "tasks_backend", "expected"),
    [
        ("academy.settings.dev", None, IMMEDIATE),
        ("academy.settings.dev", "database", DATABASE),
        ("academy.settings.production", None, DATABASE),
        ("academy.settings.production", "immediate", IMMEDIATE),
        ("academy.settings.test", "database", IMMEDIATE),
    ],
)
def test_tasks_backend_default_and_override(settings_module, tasks_backend, expected):
    result = configured_backend(settings_module, tasks_backend)

    assert (result.returncode, result.stdout) == (0, expected + "\n"), result.stderr


def test_tasks_backend_unknown_is_refused_with_the_choices():
    result = configured_backend("academy.settings.dev", "celery")

    assert result.returncode != 0
    assert (
        "ImproperlyConfigured: TASKS_BACKEND must be one of immediate, database, not 'celery'."
        in result.stderr
    )
