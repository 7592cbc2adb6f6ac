"""SQLite files run in WAL mode, set once on the file rather than raced at every connect."""

import sqlite3
import subprocess
import sys

import pytest
from django.conf import settings

from tests.concurrency import copy_test_database


def journal_mode(path) -> str:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        connection.close()


def test_connections_do_not_switch_the_journal_mode(sqlite):
    # Ten processes connecting at once to a file not yet in WAL mode, each switching it, got
    # "database is locked" from SQLite about once in twenty runs.
    options = settings.DATABASES["default"]["OPTIONS"]
    assert "journal_mode" not in options.get("init_command", "").lower()


def test_migrate_leaves_a_new_file_in_wal_mode(sqlite, tmp_path):
    path = tmp_path / "fresh.sqlite3"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{path}"},
        check=True,
        timeout=300,
    )
    assert journal_mode(path) == "wal"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_copied_test_database_is_in_wal_mode(sqlite, tmp_path):
    path = tmp_path / "copy.sqlite3"
    copy_test_database(path)
    assert journal_mode(path) == "wal"
