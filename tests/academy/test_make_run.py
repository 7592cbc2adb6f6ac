"""What `make run` shows a developer (issue 10): the admin's URL on the port it serves, each text
message the site sends, a worker beside the site so that the notice log lists what was sent,
and no pip warnings about the machine's configuration."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOW_SETTINGS = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.WAGTAILADMIN_BASE_URL)"
)


def dev_python(code: str, **env: str) -> subprocess.CompletedProcess:
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in {"HOST", "PORT", "WAGTAILADMIN_BASE_URL", "LOG_LEVEL"}
    }
    environ |= {"DJANGO_SETTINGS_MODULE": "academy.settings.dev", **env}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("env", "url"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8104"}, "http://127.0.0.1:8104"),
        ({"HOST": "192.168.1.20", "PORT": "8080"}, "http://192.168.1.20:8080"),
        ({"HOST": "0.0.0.0", "PORT": "8080"}, "http://127.0.0.1:8080"),
        ({"PORT": "8080", "WAGTAILADMIN_BASE_URL": "https://dangxiao.example"}, None),
    ],
)
def test_dev_admin_url_follows_host_and_port(env, url):
    result = dev_python(SHOW_SETTINGS, **env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (url or env["WAGTAILADMIN_BASE_URL"])


def test_dev_console_shows_each_text_message_with_the_phone_masked():
    result = dev_python(
        "import django; django.setup(); from core.sms import ConsoleSMSBackend; "
        "ConsoleSMSBackend().send('13912345678', '您的名额已确认。')"
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr == "SMS to 139****5678: 您的名额已确认。\n"


def make(*args: str) -> str:
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    environ = {key: value for key, value in os.environ.items() if key not in {"HOST", "PORT"}}
    result = subprocess.run(
        ["make", "--dry-run", *args], cwd=ROOT, env=environ, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_serve_runs_a_worker_beside_the_site_on_the_port_asked():
    commands = make("serve", "PORT=8104")

    assert "manage.py db_worker" in commands
    assert "manage.py runserver 127.0.0.1:8104" in commands


def test_make_install_keeps_pip_quiet_about_the_machines_configuration():
    # `--quiet` once still shows "WARNING: Location '…' is ignored" from a pip.conf's indexes.
    commands = make("--always-make", "install")

    installs = [line for line in commands.splitlines() if " pip " in line]
    assert installs
    assert all("--quiet --quiet" in line for line in installs)
