"""What the benchmarks run inside the project: Django set up, the run's database and settings.

``python -m bench.inside COMMAND [JSON arguments]`` calls the function of that name with the
arguments and prints its answer as one JSON line; `bench.common.inside` runs it in a child
process with the benchmark's environment (``bench.settings``, its database). A child process of
its own keeps the benchmark scripts free of Django, and a registration profile's instrumentation
out of every other measurement. Each function imports the project's modules it uses: this module
is imported before `main` sets Django up.
"""

from __future__ import annotations

import collections
import datetime
import json
import os
import sys
import time
from typing import Any


def versions() -> dict[str, str]:
    """The database, Python, Django and Wagtail the run measures."""
    import django
    import wagtail
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select 'SQLite ' || sqlite_version()")
        else:
            cursor.execute("select version()")
        database = " ".join(cursor.fetchone()[0].split()[:2])
    return {
        "database": database,
        "python": sys.version.split()[0],
        "django": django.get_version(),
        "wagtail": wagtail.__version__,
    }


# --------------------------------------------------------------------------- pages


def pick_urls() -> dict[str, Any]:
    """The middle course, lecturer and base detail page by id, the page counts and the versions."""
    from wagtail.models import Page

    from bases.models import TrainingBasePage
    from courses.models import CoursePage
    from lecturers.models import LecturerPage

    out: dict[str, Any] = {"pages": Page.objects.live().count(), "urls": {}, "counts": {}}
    models = (("course", CoursePage), ("lecturer", LecturerPage), ("base", TrainingBasePage))
    for key, model in models:
        pages = model.objects.live().public().order_by("pk")
        count = pages.count()
        out["counts"][key] = count
        out["urls"][key] = pages[count // 2].get_url() if count else None
    return {**out, **versions()}


def profile_renders(paths: list[str]) -> dict[str, dict[str, Any]]:
    """Status, SQL queries and time (the fastest of three) of one render of each path.

    Run with ``PAGE_CACHE_SECONDS=0``, so that every GET renders.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    out = {}
    for path in paths:
        client.get(path)  # the first render fills per-process caches (templates, site, settings)
        times = []
        for _ in range(3):  # the fastest of three: the least disturbed by other work
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - started)
        out[path] = {
            "status": response.status_code,
            "queries": len(queries),
            "ms": min(times) * 1000,
        }
    return out


def delete_cache_keys() -> dict[str, Any]:
    """Delete the run's cache keys: with --redis-url the cache has a key prefix of its own."""
    from django.core.cache import cache

    cache.delete_pattern("*")
    return {}


# --------------------------------------------------------------------------- registrations


def setup_cohorts(seats: dict[str, int]) -> dict[str, Any]:
    """The benchmark's cohorts (burst, throughput, warm-up) on the first live programme, open
    for registration, and the versions."""
    import gunicorn
    from django.utils import timezone

    from bookings.models import Cohort, ProgrammePage

    programme = ProgrammePage.objects.live().order_by("pk").first()
    if programme is None:
        raise SystemExit("no live ProgrammePage: did seed_demo run?")
    now = timezone.now()
    today = timezone.localdate()

    def cohort(title: str, capacity: int) -> int:
        return Cohort.objects.create(
            programme=programme,
            title=title,
            starts_on=today + datetime.timedelta(days=60),
            ends_on=today + datetime.timedelta(days=62),
            capacity=capacity,
            registration_opens_at=now - datetime.timedelta(hours=1),
            registration_closes_at=now + datetime.timedelta(days=30),
            requires_approval=False,
            waitlist_enabled=False,
            asks_id_number=False,
        ).pk

    return {
        "programme": programme.title,
        "cohorts": {
            "burst": cohort("压测 A（争抢）", seats["burst"]),
            "throughput": cohort("压测 B（吞吐）", seats["throughput"]),
            "warmup": cohort("压测 C（预热）", seats["warmup"]),
        },
        **versions(),
        "gunicorn": gunicorn.__version__,
    }


def count_registrations(cohort_ids: list[int]) -> dict[str, dict[str, int]]:
    """Registrations per status for each cohort."""
    from django.db.models import Count

    from bookings.models import Registration

    out = {}
    for cohort_id in cohort_ids:
        rows = (
            Registration.objects.filter(cohort_id=cohort_id)
            .order_by()
            .values("status")
            .annotate(n=Count("pk"))
        )
        out[str(cohort_id)] = {row["status"]: row["n"] for row in rows}
    return out


def profile_registration(cohort_id: int, count: int, first_phone: int) -> dict[str, Any]:
    """One registration through the test client and the full middleware, its SQL statements,
    and where the time of `count` registrations goes. Run with gunicorn stopped.

    Steps:
    1. one registration to fill per-process caches (URLs, serializers, templates);
    2. one more, its SQL statements captured;
    3. `count` more with the API's rate limiting, its booking service, the notices' templates and
       tasks, and the ORM's compilers wrapped in timers: inclusive time per part, and ORM and
       SQL time and statements charged to the innermost part running.
    """
    from django.db import connection
    from django.db.models.sql import compiler as sql_compiler
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import bookings.api as api
    import bookings.notifications as notifications

    url = f"/api/v1/cohorts/{cohort_id}/registrations/"
    client = Client(HTTP_HOST="127.0.0.1")
    phones = iter(range(first_phone, first_phone + count + 10))

    def post():
        body = {"name": "张三", "phone": str(next(phones)), "unit": "某社区党委", "consent": True}
        return client.post(
            url, json.dumps(body, ensure_ascii=False), content_type="application/json"
        )

    out: dict[str, Any] = {}
    response = post()
    out["warmup_status"] = response.status_code
    with CaptureQueriesContext(connection) as queries:
        response = post()
    out["status"] = response.status_code
    out["answer"] = response.json()
    out["statements"] = [query["sql"] for query in queries.captured_queries]

    spent = collections.defaultdict(float)
    orm_time = collections.defaultdict(float)
    sql_time = collections.defaultdict(float)
    sql_count = collections.defaultdict(int)
    stack = ["request"]
    depth = [0]

    def timing(name, function):
        def wrapper(*args, **kwargs):
            stack.append(name)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - started
                stack.pop()

        return wrapper

    def sql_timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_time[stack[-1]] += time.perf_counter() - started
            sql_count[stack[-1]] += 1

    def orm_timing(function):
        """Time a compiler's execute_sql: building the SQL, running it, fetching the rows."""

        def wrapper(*args, **kwargs):
            depth[0] += 1
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                depth[0] -= 1
                if not depth[0]:  # an update's execute_sql calls its parent's
                    orm_time[stack[-1]] += time.perf_counter() - started

        return wrapper

    class TimedTask:
        """The notice task, its `enqueue` timed; everything else (its backend) its own."""

        def __init__(self, task):
            self.task = task
            self.enqueue = timing("notices", task.enqueue)

        def __getattr__(self, name):
            return getattr(self.task, name)

    api.too_many_attempts = timing("rate_limiting", api.too_many_attempts)
    api.register = timing("register", api.register)
    notifications.render_to_string = timing("templates", notifications.render_to_string)
    notifications.send_notice = TimedTask(notifications.send_notice)
    for compiler in vars(sql_compiler).values():
        if isinstance(compiler, type) and "execute_sql" in vars(compiler):
            compiler.execute_sql = orm_timing(compiler.execute_sql)
    statuses = collections.Counter()
    cpu_started = time.process_time()
    with connection.execute_wrapper(sql_timer):
        for _ in range(count):
            started = time.perf_counter()
            statuses[post().status_code] += 1
            spent["request"] += time.perf_counter() - started
    out["cpu_ms"] = (time.process_time() - cpu_started) * 1000 / count
    out["count"] = count
    out["statuses"] = dict(statuses)
    out["ms"] = {key: value * 1000 / count for key, value in spent.items()}
    out["orm_ms"] = {key: value * 1000 / count for key, value in orm_time.items()}
    out["sql_ms"] = {key: value * 1000 / count for key, value in sql_time.items()}
    out["sql_count"] = {key: value / count for key, value in sql_count.items()}
    return out


# --------------------------------------------------------------------------- check-ins


def setup_checkins(trainees: int, typed_share: float) -> dict[str, Any]:
    """A cohort of `trainees` confirmed registrations (written in bulk: the seats are not what
    this measures) with a session that started five minutes ago, a registrar with a DRF token,
    and what the scanner will send for each trainee: its QR text, or for about `typed_share` of
    them the registration code as staff type it (lower case)."""
    import gunicorn
    from django.contrib.auth.models import Group
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from attendance.qr import registration_qr_text
    from bookings.models import Cohort, ProgrammePage, Registration, Session, new_code
    from core.models import User
    from core.tokens import new_token

    programme = ProgrammePage.objects.live().order_by("pk").first()
    if programme is None:
        raise SystemExit("no live ProgrammePage: did seed_demo run?")
    now = timezone.now()
    today = timezone.localdate()
    cohort = Cohort.objects.create(
        programme=programme,
        title="压测 签到",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=2),
        capacity=trainees,
        registration_opens_at=now - datetime.timedelta(days=10),
        registration_closes_at=now - datetime.timedelta(days=1),
        waitlist_enabled=False,
    )
    session = Session.objects.create(
        cohort=cohort,
        title="压测 签到 课次",
        starts_at=now - datetime.timedelta(minutes=5),
        ends_at=now + datetime.timedelta(hours=3),
    )
    codes = set()
    while len(codes) < trainees:
        codes.add(new_code())
    registrations = Registration.objects.bulk_create(
        [
            Registration(
                cohort=cohort,
                status=Registration.Status.CONFIRMED,
                code=code,
                token=new_token(),
                name=f"学员{index}",
                phone=f"13{index:09d}",
                unit="某社区党委",
                consented_at=now,
                decided_at=now,
            )
            for index, code in enumerate(sorted(codes))
        ],
        batch_size=1000,
    )
    registrar = User.objects.create_user("bench-registrar", password=new_token())
    registrar.groups.add(Group.objects.get(name="教务"))
    typed_every = round(1 / typed_share) if typed_share else 0
    texts = [
        registration.code.lower()
        if typed_every and index % typed_every == 0
        else registration_qr_text(registration)
        for index, registration in enumerate(registrations)
    ]
    return {
        "programme": programme.title,
        "session": session.pk,
        "token": Token.objects.create(user=registrar).key,
        "texts": texts,
        **versions(),
        "gunicorn": gunicorn.__version__,
    }


def count_checkins(session_id: int) -> dict[str, Any]:
    """The session's attendance rows: how many, of how many registrations, by status."""
    from django.db.models import Count

    from attendance.models import Attendance

    rows = Attendance.objects.filter(session_id=session_id)
    per_registration = rows.values("registration").annotate(n=Count("pk"))
    return {
        "rows": rows.count(),
        "registrations": per_registration.count(),
        "recorded_twice": per_registration.filter(n__gt=1).count(),
        "statuses": dict(
            rows.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
        ),
    }


COMMANDS = {
    function.__name__: function
    for function in (
        pick_urls,
        profile_renders,
        delete_cache_keys,
        setup_cohorts,
        count_registrations,
        profile_registration,
        setup_checkins,
        count_checkins,
    )
}
MARKER = "BENCH-RESULT"


def main(argv: list[str]) -> None:
    """Run ``argv[0]`` with the JSON arguments ``argv[1:]``; print ``MARKER {json}``."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    command, *arguments = argv
    result = COMMANDS[command](*(json.loads(argument) for argument in arguments))
    print(f"{MARKER} {json.dumps(result, ensure_ascii=False)}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
