"""Chunked request bodies under a real gunicorn: Django's test client and live_server send none."""

import contextlib
import http.client
import json
import os
import re
import subprocess
import sys
import threading

import pytest
from django.conf import settings

REGISTRATIONS = "/api/v1/cohorts/1/registrations/"
REGISTRATION = {"name": "张三", "phone": "13800138000", "unit": "向阳街道党工委", "consent": True}
LENGTH_REQUIRED = {
    "detail": "请在 Content-Length 请求头中注明请求内容的长度，不要分块发送。",
    "code": "length_required",
}


@pytest.fixture
def gunicorn(tmp_path):
    """One sync worker on a free port, with the test settings and an empty SQLite file: the
    requests below are answered before any query, as they must be."""
    env = {name: value for name, value in os.environ.items() if name != "REDIS_URL"}
    env |= {
        "DJANGO_SETTINGS_MODULE": "academy.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    command = [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "academy.wsgi"]
    process = subprocess.Popen(
        command, cwd=settings.BASE_DIR, env=env, stderr=subprocess.PIPE, text=True
    )
    log = []
    try:
        for line in process.stderr:
            log.append(line)
            if port := re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line):
                break
        else:
            pytest.fail("gunicorn did not start:\n" + "".join(log))
        # Its later lines go on being read, so that a full pipe never blocks it.
        threading.Thread(target=log.extend, args=(process.stderr,), daemon=True).start()
        yield process, int(port.group(1))
    finally:
        process.terminate()
        process.wait(timeout=10)


def post(port: int, body: bytes, *, chunked: bool) -> tuple[int, dict]:
    """POST JSON over a raw connection: in 4 KiB chunks without a length, or with one."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json", "Accept-Language": "zh-hans"}
    payload = (body[i : i + 4096] for i in range(0, len(body), 4096)) if chunked else body
    # The answer may come before the last chunk goes; it is read below all the same.
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        connection.request("POST", REGISTRATIONS, body=payload, headers=headers)
    response = connection.getresponse()
    try:
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_chunked_bodies_are_refused_for_want_of_a_length_and_the_server_lives_on(gunicorn):
    process, port = gunicorn
    small = json.dumps(REGISTRATION).encode()
    large = json.dumps(REGISTRATION | {"position": "长" * 30_000}).encode()
    assert len(large) > settings.API_MAX_BODY_BYTES

    assert post(port, small, chunked=True) == (411, LENGTH_REQUIRED)
    assert post(port, large, chunked=True) == (411, LENGTH_REQUIRED)
    assert post(port, large, chunked=False) == (
        413,
        {"detail": "请求内容过大。", "code": "payload_too_large"},
    )
    assert process.poll() is None
