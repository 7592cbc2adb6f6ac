"""Writers at the same instant, for the tests of the locking rules (seats, timetables).

PostgreSQL: threads, each with its own connection, released together (`run_together`).
SQLite: the test database is in memory with a shared cache, where concurrent writers fail with
"database table is locked" whatever the code does; so it is copied to a file
(`copy_test_database`) and written from separate processes, as gunicorn workers would
(`run_in_processes`). The `postgres` and `sqlite` fixtures (tests/conftest.py) skip a test on
the other database.
"""

import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from django.conf import settings
from django.db import connection, connections

from core.sqlite import use_wal


def run_together(count: int, work, *, refusals=(), timeout: float = 60) -> list[str]:
    """Run work(index) in `count` threads, each with its own connection, released at once.

    Each result is what work returned (a string), the class name of a `refusals` exception,
    or the repr of any other exception.
    """
    start = threading.Barrier(count, timeout=timeout)
    results: list[str] = [""] * count

    def run(index: int) -> None:
        try:
            start.wait()
            results[index] = work(index)
        except refusals as error:
            results[index] = type(error).__name__
        except Exception as error:  # noqa: BLE001 - reported in the assertion
            results[index] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert [thread for thread in threads if thread.is_alive()] == []
    return results


def copy_test_database(path: Path) -> None:
    """Write the in-memory test database, committed rows and all, to a file in WAL mode.

    WAL is set here, once, before the processes connect: had each of them switched the file
    on connecting, SQLite could refuse some with "database is locked" at once.
    """
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
        use_wal(target)
    finally:
        target.close()


# Sets Django up once, then forks one process per job; each connects, waits for the others on a
# barrier, runs the driver's `attempt(job)` and reports what it returned (or the exception it
# raised). Prints the outcomes, in the jobs' order, as a JSON list.
PROCESS_POOL = """
import json, multiprocessing, sys, traceback
import django

django.setup()
from django.db import connection, connections

from core.sqlite import use_wal

{driver}

def run(job, barrier, results, index):
    try:
        connection.ensure_connection()
        barrier.wait(timeout=60)
        outcome = attempt(job)
    except Exception as error:
        traceback.print_exc()
        outcome = repr(error)
    finally:
        connections.close_all()
    results.put((index, outcome))


jobs = json.load(sys.stdin)
connections.close_all()
context = multiprocessing.get_context("fork")
barrier, results = context.Barrier(len(jobs)), context.Queue()
processes = [
    context.Process(target=run, args=(job, barrier, results, index))
    for index, job in enumerate(jobs)
]
for process in processes:
    process.start()
outcomes = dict(results.get(timeout=120) for _job in jobs)
for process in processes:
    process.join()
print(json.dumps([outcomes[index] for index in range(len(jobs))]))
sys.exit(max(process.exitcode for process in processes))
"""


def run_in_processes(path: Path, driver: str, jobs: list[dict]) -> tuple[list[str], str]:
    """Run `attempt(job)`, defined by the `driver` source, for every job at once in its own
    process on the SQLite file; the outcomes and the processes' stderr."""
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{path}",
        "DJANGO_SETTINGS_MODULE": "academy.settings.test",
    }
    finished = subprocess.run(
        [sys.executable, "-c", PROCESS_POOL.replace("{driver}", driver)],
        cwd=settings.BASE_DIR,
        env=env,
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout), finished.stderr
