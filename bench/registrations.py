"""Registrations through the JSON API: the 200-for-20 burst and registrations per minute.

One command builds a fresh database, seeds it (``seed_demo --scale 1``), creates two cohorts on a
seeded programme with registration open (A: 20 seats, no waiting list; B: 100,000 seats) and a
third, unmeasured one for warming up and profiling, serves the project with gunicorn (4 sync
workers, ``DEBUG=False``, ``bench.settings``) on 127.0.0.1 and measures, through
``POST /api/v1/cohorts/{id}/registrations/``:

1. the trivial view ``/bench/trivial/`` (req/s, wrk when installed), the yardstick;
2. contention: 200 clients, each with its own connection, released at once by a barrier, each
   registering a different phone for cohort A: exactly 20 must be confirmed, the rest refused
   with 409 ``cohort_full``, nothing else, within 2 s; then the database is checked;
3. throughput: 2,000 registrations for cohort B from 16 concurrent clients: registrations per
   minute (target >= 3,000), p50/p95/p99 latency, errors (must be 0), then the database;
4. in one process, with Django's test client: the SQL statements of one registration, and where
   the time of one registration goes (SQL, notice templates, rate limiting, the rest).

The registration rate limits are raised for the run (all traffic comes from 127.0.0.1); notices
are rendered and "sent" after commit as in production, to the dummy email backend and
``bench.sms.NullSMSBackend``.

Usage (from the project root)::

    .venv/bin/python bench/registrations.py [--workers 4] [--database postgres|sqlite]

Traffic goes only to 127.0.0.1. Gunicorn, the temporary directory and the PostgreSQL benchmark
database are always removed at the end (unless ``--keep``).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime
import http.client
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# ``python bench/registrations.py`` puts bench/, not the project, on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    HOST,
    REQUEST_TIMEOUT,
    RESULTS_DIR,
    ROOT,
    TRIVIAL_PATH,
    WRK_SCRIPT,
    Context,
    Gunicorn,
    child_env,
    cpu_count,
    cpu_model,
    delete_cache_keys,
    drop_database,
    fetch,
    first_error,
    load_python,
    load_wrk,
    log,
    note_load_average,
    postgres_database_name,
    prepare_database,
    project_python,
    run_inside,
    terminate_on_sigterm,
    wrk_version,
)

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/bench_registrations"
GUNICORN_WORKERS = 4
# All traffic comes from 127.0.0.1, so the per-IP budget (30/m in production) must be raised.
RATE_LIMITS = {"BOOKINGS_RATE_PER_IP": "1000000/m", "BOOKINGS_RATE_PER_PHONE": "1000000/m"}

TARGET_BURST_SECONDS = 2.0
TARGET_PER_MINUTE = 3000
REFERENCE = (
    "pretix 2026.8 on a 2-core machine: 1,000–1,260 orders/min, 3.9–5.9 s for the 200-for-20 "
    "burst, ~80 SQL statements per order"
)
PRETIX_PER_MINUTE = (1000, 1260)
PRETIX_BURST_SECONDS = (3.9, 5.9)
PRETIX_SQL = 80
SPEED_TARGETS = {"burst time", "per minute"}

# Distinct, valid mobile numbers per phase (1[3-9] and nine digits).
PHONES = {"warmup": 13600000000, "burst": 13900000000, "throughput": 13700000000}
PROFILE_PHONES = 13500000000
WARMUP_SEATS = 1000
WARMUP_CLIENTS = 8
WARMUP_PER_CLIENT = 5

# Upper bounds, so that no loop or thread can run away.
BARRIER_TIMEOUT = 60.0
BURST_TIMEOUT = 300.0
SAMPLE_SECONDS = 0.25
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
THROUGHPUT_TIMEOUT = 1800.0
INSIDE_TIMEOUT = 300.0


@dataclass
class Outcome:
    """One POST: the HTTP status (None when there was no answer) and what it said."""

    status: int | None
    code: str  # the registration's status, the 409 code, or what went wrong
    started: float
    finished: float

    @property
    def kind(self) -> str:
        if self.status == 201 and self.code == "confirmed":
            return "confirmed"
        if self.status == 409 and self.code == "cohort_full":
            return "cohort_full"
        return "error"

    @property
    def error_label(self) -> str:
        return f"HTTP {self.status} {self.code}" if self.status is not None else self.code


# --------------------------------------------------------------------------- HTTP


def payload(phone: int) -> bytes:
    body = {"name": "张三", "phone": str(phone), "unit": "某社区党委", "consent": True}
    return json.dumps(body, ensure_ascii=False).encode()


def post(conn: http.client.HTTPConnection, path: str, body: bytes) -> Outcome:
    """POST a registration; gunicorn's sync workers close the connection, http.client reopens."""
    started = time.perf_counter()
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        raw = response.read()
    except (OSError, http.client.HTTPException) as exc:
        conn.close()
        return Outcome(None, type(exc).__name__, started, time.perf_counter())
    finished = time.perf_counter()
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if response.status == 201 and isinstance(data, dict):
        code = str(data.get("status"))
    elif response.status in (400, 409, 429) and isinstance(data, dict):
        code = str(data.get("code") or json.dumps(data, ensure_ascii=False)[:120])
    else:
        code = " ".join(raw[:120].decode("utf-8", "replace").split())
    return Outcome(response.status, code, started, finished)


def registrations_path(cohort_id: int) -> str:
    return f"/api/v1/cohorts/{cohort_id}/registrations/"


def percentile(ordered: list[float], p: float) -> float | None:
    """Nearest rank, in ms, of sorted seconds."""
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, max(0, round(p * len(ordered)) - 1))] * 1000


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    kinds = collections.Counter(outcome.kind for outcome in outcomes)
    errors = collections.Counter(o.error_label for o in outcomes if o.kind == "error")
    latencies = sorted(o.finished - o.started for o in outcomes)
    return {
        "answers": len(outcomes),
        "confirmed": kinds["confirmed"],
        "cohort_full": kinds["cohort_full"],
        "errors": kinds["error"],
        "error_kinds": dict(errors.most_common(10)),
        "p50_ms": percentile(latencies, 0.50),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": latencies[-1] * 1000 if latencies else None,
    }


def burst(port: int, cohort_id: int, clients: int) -> dict[str, Any]:
    """``clients`` threads, one connection each, released together; one registration each."""
    path = registrations_path(cohort_id)
    outcomes: list[Outcome | None] = [None] * clients
    released: list[float] = []
    barrier = threading.Barrier(clients, action=lambda: released.append(time.perf_counter()))

    def client(index: int) -> None:
        body = payload(PHONES["burst"] + index)
        conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        try:
            barrier.wait(timeout=BARRIER_TIMEOUT)
        except threading.BrokenBarrierError:
            now = time.perf_counter()
            outcomes[index] = Outcome(None, "not released (barrier broken)", now, now)
            return
        try:
            outcomes[index] = post(conn, path, body)
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + BURST_TIMEOUT
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    now = time.perf_counter()
    # Connection errors end the wait as much as answers do; the barrier's failures do not.
    ends = [o.finished for o in outcomes if o is not None and released and o.started >= released[0]]
    done = [
        outcome if outcome is not None else Outcome(None, "no answer in time", now, now)
        for outcome in outcomes
    ]
    result = summarise(done)
    result["seconds"] = (max(ends) - released[0]) if ends else None
    result["clients"] = clients
    return result


def throughput(port: int, cohort_id: int, total: int, concurrency: int) -> dict[str, Any]:
    """``total`` registrations, each a different phone, from ``concurrency`` clients."""
    path = registrations_path(cohort_id)
    lock = threading.Lock()
    issued = iter(range(total))
    outcomes: list[Outcome] = []
    deadline = time.monotonic() + THROUGHPUT_TIMEOUT

    def client() -> None:
        mine: list[Outcome] = []
        conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        try:
            while time.monotonic() < deadline:
                with lock:
                    index = next(issued, None)
                if index is None:
                    break
                outcome = post(conn, path, payload(PHONES["throughput"] + index))
                mine.append(outcome)
                if outcome.status is None:
                    time.sleep(0.01)  # no busy loop while the server refuses connections
        finally:
            conn.close()
            with lock:
                outcomes.extend(mine)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()) + REQUEST_TIMEOUT + 5)
    with lock:
        done = list(outcomes)
    result = summarise(done)
    finished = max((o.finished for o in done), default=started)
    result["seconds"] = finished - started
    result["requested"] = total
    result["concurrency"] = concurrency
    result["not_sent"] = total - len(done)
    result["per_minute"] = result["confirmed"] * 60 / result["seconds"] if done else 0.0
    return result


def warm_up(port: int, cohort_id: int) -> dict[str, Any]:
    """Unmeasured registrations so that every worker has loaded the API code and templates."""
    path = registrations_path(cohort_id)
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def client(index: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        try:
            for number in range(WARMUP_PER_CLIENT):
                outcome = post(conn, path, payload(PHONES["warmup"] + index * 100 + number))
                with lock:
                    outcomes.append(outcome)
        finally:
            conn.close()

    threads = [
        threading.Thread(target=client, args=(i,), daemon=True) for i in range(WARMUP_CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WARMUP_PER_CLIENT * REQUEST_TIMEOUT + 5)
    return summarise(outcomes)


def trivial(ctx: Context, port: int) -> dict[str, Any]:
    """Req/s of the trivial view, after a one-second warm-up, with wrk or the Python client."""
    status, _body = fetch(port, TRIVIAL_PATH)
    if status != 200:
        raise RuntimeError(f"{TRIVIAL_PATH} answered HTTP {status}")
    load = load_wrk if ctx.wrk else load_python
    warmup = load(ctx, port, TRIVIAL_PATH, 1)
    stats = load(ctx, port, TRIVIAL_PATH, ctx.args.trivial_seconds)
    stats["warmup_requests"] = warmup["requests"] + 1
    stats["rps"] = stats["requests"] / stats["seconds"] if stats["seconds"] else 0.0
    stats["errors"] = stats["non200"] + stats["socket_errors"]
    return stats


# --------------------------------------------------------------------------- CPU


def process_cpu(pid: int) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of a process, from /proc; None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return None


def children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = process_cpu(int(entry.name))
            if stat and stat[0] == parent:
                found.append(int(entry.name))
    return found


def own_cpu() -> float:
    """CPU seconds of this process (the Python load generator) and its finished children (wrk)."""
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )


class CpuMeter:
    """CPU seconds used during a phase by gunicorn (master and workers), the PostgreSQL backends
    serving the benchmark's database (when local) and the load generator (this process, wrk).

    Samples /proc every SAMPLE_SECONDS, so that backends and workers that end during the phase
    still count (up to the last sample); processes first seen after the start count from 0.
    """

    def __init__(self, ctx: Context, gunicorn_pid: int) -> None:
        self.master = gunicorn_pid
        self.database_url = ctx.database_url if ctx.args.database == "postgres" else ""
        self.first: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.connection: Any = None
        self.result: dict[str, float] = {}

    def processes(self) -> list[tuple[str, int]]:
        found = [("gunicorn", pid) for pid in (self.master, *children(self.master))]
        if self.connection is not None:
            with contextlib.suppress(Exception):  # a failed poll only loses one sample
                rows = self.connection.execute(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchall()
                found += [("postgres", row[0]) for row in rows]
        return found

    def sample(self, initial: bool = False) -> None:
        for key in self.processes():
            stat = process_cpu(key[1])
            if stat is None:
                continue
            self.first.setdefault(key, stat[1] if initial else 0.0)
            self.last[key] = stat[1]

    def run(self) -> None:
        for _ in range(int(THROUGHPUT_TIMEOUT / SAMPLE_SECONDS) + 100):
            if self.stopping.wait(SAMPLE_SECONDS):
                return
            self.sample()

    def __enter__(self) -> CpuMeter:
        if self.database_url:
            with contextlib.suppress(Exception):  # no PostgreSQL figure rather than no run
                import psycopg

                self.connection = psycopg.connect(
                    self.database_url, autocommit=True, connect_timeout=5
                )
        self.sample(initial=True)
        self.client_start = own_cpu()
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopping.set()
        self.thread.join(timeout=10)
        client = own_cpu()
        self.sample()
        if self.connection is not None:
            self.connection.close()
        totals = collections.Counter()
        for key, cpu in self.last.items():
            totals[key[0]] += cpu - self.first[key]
        self.result = {
            "gunicorn_s": totals["gunicorn"],
            "postgres_s": totals["postgres"] if self.database_url else None,
            "client_s": client - self.client_start,
        }


def cpu_per_request(cpu: dict[str, float | None], requests: int) -> dict[str, float | None]:
    """CPU ms per request of each part, and the ceiling it implies on this machine's CPUs."""
    per = {
        key.removesuffix("_s") + "_ms": (value * 1000 / requests if value is not None else None)
        for key, value in cpu.items()
    }
    total = sum(value for value in per.values() if value is not None)
    per["total_ms"] = total
    per["ceiling_per_minute"] = cpu_count() * 60_000 / total if total else None
    return per


# --------------------------------------------------------------------------- in-process


def verify(ctx: Context, *cohort_ids: int) -> dict[str, dict[str, int]]:
    return run_inside(ctx, "count_registrations", cohort_ids, timeout=INSIDE_TIMEOUT)


def profile(ctx: Context, cohort_id: int) -> dict[str, Any]:
    return run_inside(
        ctx,
        "profile_registration",
        cohort_id,
        ctx.args.profile_count,
        PROFILE_PHONES,
        timeout=INSIDE_TIMEOUT,
    )


def statement_kinds(statements: list[str]) -> str:
    """``SELECT 3, INSERT 1, ...`` for a list of SQL statements."""
    kinds = collections.Counter()
    for sql in statements:
        words = sql.split()
        word = words[0].upper() if words else "?"
        if word == "SELECT" and "FOR UPDATE" in sql.upper():
            word = "SELECT … FOR UPDATE"
        kinds[word] += 1
    return ", ".join(f"{kind} {n}" for kind, n in kinds.most_common())


# --------------------------------------------------------------------------- report


def load_now(ctx: Context, phase: str, loads: dict[str, float]) -> None:
    """Print and remember the 1-minute load average before a phase; warn when it is high."""
    before = len(ctx.load_averages)
    note_load_average(ctx)  # warns above half the CPUs
    if len(ctx.load_averages) > before:
        loads[phase] = ctx.load_averages[-1]
        log(f"load average before {phase}: {loads[phase]:.2f} ({cpu_count()} CPUs)")


def mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def ms(value: float | None) -> str:
    return f"{value:.0f}" if value is not None else "-"


def print_report(ctx: Context, result: dict[str, Any]) -> None:
    args = ctx.args
    machine, site = result["machine"], result["site"]
    tri, bur, thr = result["trivial"], result["burst"], result["throughput"]
    db, prof, checks = result["database_counts"], result["profile"], result["targets"]
    cohorts = site["cohorts"]
    trivial_rps = tri["rps"]
    print()
    print("=" * 100)
    print(
        "Registration benchmark: POST /api/v1/cohorts/{id}/registrations/ "
        f"({args.database}, gunicorn {args.workers} sync workers)"
    )
    for key in ("nproc", "cpu", "load_average", "python", "django", "wagtail", "database"):
        print(f"  {key:<15} {machine[key]}")
    print(f"  {'server':<15} {machine['server']}")
    print(f"  {'load_generator':<15} {machine['load_generator']}")
    print(
        f"  {'rate limits':<15} raised for the run, as all traffic comes from 127.0.0.1: "
        + ", ".join(f"{k}={v}" for k, v in RATE_LIMITS.items())
    )
    print(
        f"  {'notices':<15} rendered and sent after commit (immediate task backend) to the dummy "
        "email backend and bench.sms.NullSMSBackend"
    )
    print(
        f"  {'cohorts':<15} A #{cohorts['burst']}: {args.seats} seats, no waiting list; "
        f"B #{cohorts['throughput']}: {args.large_seats:,} seats; C #{cohorts['warmup']}: "
        f"warm-up ({result['warmup']['answers']} unmeasured registrations) and profiling"
    )
    print(
        f"  {'setup':<15} migrate {ctx.timings.get('migrate', 0):.1f} s, collectstatic "
        f"{ctx.timings.get('collectstatic', 0):.1f} s, seed_demo --scale {args.scale} "
        f"{ctx.timings.get('seed_demo', 0):.1f} s"
    )
    print()
    rows: list[tuple[str, str, str, str]] = []
    rows.append(
        (
            f"trivial view, {args.concurrency} connections, {args.trivial_seconds} s",
            f"{trivial_rps:,.0f} req/s",
            "",
            f"p50 {ms(tri['p50_ms'])} ms, {tri['errors']} errors",
        )
    )
    rows.append(cpu_row(tri.get("cpu"), per_second=True))
    burst_rate = bur["clients"] / bur["seconds"] if bur["seconds"] else 0.0
    rows += [
        (f"BURST: {bur['clients']} clients at once for {args.seats} seats (A)", "", "", ""),
        ("  confirmed (201 confirmed)", str(bur["confirmed"]), f"= {args.seats}", ""),
        ("  refused (409 cohort_full)", str(bur["cohort_full"]), "", ""),
        ("  other errors", str(bur["errors"]), "0", ""),
        (
            "  release to last answer",
            f"{bur['seconds']:.2f} s" if bur["seconds"] is not None else "-",
            f"<= {TARGET_BURST_SECONDS:.0f} s",
            "pretix: {:.1f}–{:.1f} s".format(*PRETIX_BURST_SECONDS),
        ),
        (
            "  answers per second",
            f"{burst_rate:,.0f} /s",
            "",
            f"{100 * burst_rate / trivial_rps:.1f} % of trivial" if trivial_rps else "",
        ),
        (
            "  latency p50 / p95 / max",
            f"{ms(bur['p50_ms'])} / {ms(bur['p95_ms'])} / {ms(bur['max_ms'])} ms",
            "",
            "",
        ),
        cpu_row(bur.get("cpu"), burst_of=bur["answers"]),
        (
            "  in the database: A confirmed",
            str(db["burst"].get("confirmed", 0)),
            f"= {args.seats}",
            f"all statuses: {db['burst']}",
        ),
    ]
    thr_rate = thr["per_minute"] / 60
    rows += [
        (
            f"THROUGHPUT: {thr['requested']:,} registrations, {thr['concurrency']} clients (B)",
            "",
            "",
            "",
        ),
        (
            "  registrations per minute",
            f"{thr['per_minute']:,.0f} /min",
            f">= {TARGET_PER_MINUTE:,}",
            "pretix: {:,}–{:,} orders/min".format(*PRETIX_PER_MINUTE),
        ),
        (
            "  per second",
            f"{thr_rate:,.1f} /s",
            "",
            f"{100 * thr_rate / trivial_rps:.1f} % of trivial" if trivial_rps else "",
        ),
        (
            "  latency p50 / p95 / p99",
            f"{ms(thr['p50_ms'])} / {ms(thr['p95_ms'])} / {ms(thr['p99_ms'])} ms",
            "",
            f"{thr['seconds']:.1f} s in all",
        ),
        cpu_row(thr.get("cpu")),
        ("  errors", str(thr["errors"] + thr["not_sent"]), "0", ""),
        (
            "  in the database: B confirmed",
            f"{db['throughput'].get('confirmed', 0):,}",
            f"= {thr['requested']:,}",
            f"all statuses: {db['throughput']}",
        ),
    ]
    if prof:
        rows.append(
            (
                "SQL statements per registration",
                str(len(prof["statements"])),
                "",
                f"pretix: ~{PRETIX_SQL} per order",
            )
        )
    width = max(len(row[0]) for row in rows) + 2
    header = f"{'measure':<{width}}{'this run':>20}  {'target':<10} {'compare':<}"
    print(header)
    print("-" * 100)
    for label, value, target, compare in rows:
        print(f"{label:<{width}}{value:>20}  {target:<10} {compare}")
    for name, kinds in (("burst", bur["error_kinds"]), ("throughput", thr["error_kinds"])):
        if kinds:
            print(f"  ! {name} errors: {kinds}")
    if args.database == "sqlite" or result.get("database_locked"):
        print(f"  'database is locked' in the gunicorn log: {result['database_locked']} times")
    print()
    print(f"Reference ({REFERENCE}), from the issue:")
    if thr["per_minute"]:
        print(
            f"  throughput {thr['per_minute'] / PRETIX_PER_MINUTE[1]:.1f}x to "
            f"{thr['per_minute'] / PRETIX_PER_MINUTE[0]:.1f}x pretix's orders/min"
        )
    if bur["seconds"]:
        print(
            f"  burst {PRETIX_BURST_SECONDS[0] / bur['seconds']:.1f}x to "
            f"{PRETIX_BURST_SECONDS[1] / bur['seconds']:.1f}x faster than pretix's"
        )
    if prof and prof["statements"]:
        print(f"  {PRETIX_SQL / len(prof['statements']):.1f}x fewer SQL statements than pretix's")
    if prof:
        print_profile(prof)
    print()
    missed = [name for name, ok in checks.items() if not ok]
    print(
        "Targets: "
        + ", ".join(f"{name} {mark(ok)}" for name, ok in checks.items())
        + (f"\n=> MISSED: {', '.join(missed)}" if missed else "\n=> all targets met")
    )
    print()


def cpu_row(
    cpu: dict[str, float | None] | None, burst_of: int = 0, per_second: bool = False
) -> tuple[str, str, str, str]:
    """CPU per request: gunicorn + PostgreSQL + load generator, and the ceiling it implies."""
    if not cpu or not cpu.get("total_ms"):
        return ("  CPU per request", "-", "", "")
    parts = [cpu["gunicorn_ms"], cpu["postgres_ms"], cpu["client_ms"]]
    value = " + ".join(f"{part:.1f}" for part in parts if part is not None) + " ms"
    names = "gunicorn + PostgreSQL + client" if parts[1] is not None else "gunicorn + client"
    if burst_of:
        seconds = burst_of * cpu["total_ms"] / 1000 / cpu_count()
        limit = f"at least {seconds:.2f} s for {burst_of}"
    elif per_second:
        limit = f"at most {cpu['ceiling_per_minute'] / 60:,.0f}/s"
    else:
        limit = f"at most {cpu['ceiling_per_minute']:,.0f}/min"
    return (
        f"  CPU per request: {names}",
        value,
        "",
        f"= {cpu['total_ms']:.1f} ms: {limit} on {cpu_count()} idle CPUs",
    )


def print_profile(prof: dict[str, Any]) -> None:
    """Where one registration's time goes, from the in-process profile."""
    spent, orm_ms = prof["ms"], prof.get("orm_ms", {})
    sql_ms, sql_count = prof["sql_ms"], prof["sql_count"]
    total = spent.get("request", 0.0)
    register = spent.get("register", 0.0)
    notices = spent.get("notices", 0.0)
    templates = spent.get("templates", 0.0)
    rate = spent.get("rate_limiting", 0.0)
    parts = [
        (
            "request handling: middleware, DRF, cohort lookup, validation, answer",
            total - rate - register,
            "request",
        ),
        ("rate limiting (cache, per IP and per phone)", rate, "rate_limiting"),
        ("register(): transaction, lock, count, insert", register - notices, "register"),
        ("notice task after commit: its query, SMS", notices - templates, "notices"),
        ("notice templates (render_to_string)", templates, "templates"),
    ]
    print()
    print(
        f"In one process (test client, full middleware, one request at a time; mean of "
        f"{prof['count']}): "
        f"{total:.1f} ms per registration ({prof.get('cpu_ms', 0):.1f} ms CPU of this process), "
        f"statuses {prof['statuses']}"
    )
    print(f"  {'part':<68}{'ms':>7}{'%':>5}{'ORM ms':>8}{'DB ms':>7}{'SQL':>5}")
    for label, value, key in parts:
        share = 100 * value / total if total else 0.0
        print(
            f"  {label:<68}{value:>7.2f}{share:>5.0f}{orm_ms.get(key, 0.0):>8.2f}"
            f"{sql_ms.get(key, 0.0):>7.2f}{sql_count.get(key, 0.0):>5.0f}"
        )
    print(
        "  ORM ms: building the SQL, running it, fetching the rows (not making model instances);"
        " DB ms: running it only"
    )
    print(
        f"  SQL of one registration (CaptureQueriesContext): {len(prof['statements'])} statements: "
        f"{statement_kinds(prof['statements'])}"
    )


def machine_info(ctx: Context, site: dict[str, Any]) -> dict[str, Any]:
    wrk = wrk_version(ctx.wrk)
    return {
        "nproc": cpu_count(),
        "cpu": cpu_model(),
        "os": platform.platform(),
        "python": site.get("python", platform.python_version()),
        "django": site.get("django", "?"),
        "wagtail": site.get("wagtail", "?"),
        "database": f"{ctx.args.database}: {site.get('database', '?')}",
        "server": (
            f"gunicorn {site.get('gunicorn', '?')}, {ctx.args.workers} sync workers, "
            "DEBUG=False, bench.settings, cache "
            + ("redis" if ctx.env.get("REDIS_URL") else "locmem (per worker)")
        ),
        "load_generator": (
            f"{wrk or 'python http.client threads'} (trivial view); python http.client "
            "threads, one connection each (registrations)"
        ),
        "load_average": " / ".join(f"{load:.2f}" for load in ctx.load_averages)
        + " (1 min; before each phase / at the end)",
    }


def write_json(result: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M%S")
    path = RESULTS_DIR / f"registrations-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return path


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=GUNICORN_WORKERS, help="gunicorn (4)")
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help=f"dropped and recreated; its name must start with 'bench' ({DEFAULT_POSTGRES_URL})",
    )
    parser.add_argument("--scale", type=int, default=1, help="seed_demo --scale (1)")
    parser.add_argument("--burst", type=int, default=200, help="clients in the burst (200)")
    parser.add_argument("--seats", type=int, default=20, help="seats in cohort A (20)")
    parser.add_argument(
        "--registrations", type=int, default=2000, help="registrations for cohort B (2000)"
    )
    parser.add_argument("--large-seats", type=int, default=100_000, help="seats in B (100000)")
    parser.add_argument(
        "--concurrency", type=int, default=16, help="clients for B and the trivial view (16)"
    )
    parser.add_argument("--trivial-seconds", type=int, default=5, help="trivial view load (5)")
    parser.add_argument(
        "--profile-count", type=int, default=50, help="in-process registrations profiled (50)"
    )
    parser.add_argument("--redis-url", default="", help="use Redis as the cache (default locmem)")
    parser.add_argument("--python-client", action="store_true", help="do not use wrk")
    parser.add_argument("--no-json", action="store_true", help="do not write bench/results/")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and database")
    args = parser.parse_args(argv)
    if not 1 <= args.workers <= 64:
        parser.error("--workers must be between 1 and 64")
    if not 1 <= args.seats < args.burst <= 1000:
        parser.error("need 1 <= --seats < --burst <= 1000")
    if not 1 <= args.registrations <= args.large_seats <= 10_000_000:
        parser.error("need 1 <= --registrations <= --large-seats <= 10,000,000")
    if not 1 <= args.concurrency <= 256 or not 1 <= args.trivial_seconds <= 600:
        parser.error("--concurrency must be 1..256 and --trivial-seconds 1..600")
    if not 1 <= args.profile_count <= 500 or args.scale < 1:
        parser.error("--profile-count must be 1..500 and --scale at least 1")
    if args.database == "postgres":
        postgres_database_name(args.postgres_url)
    args.no_seed = False  # the cohorts need a seeded programme
    return args


def run(ctx: Context) -> dict[str, Any]:
    args = ctx.args
    loads: dict[str, float] = {}
    load_now(ctx, "setup", loads)
    prepare_database(ctx)
    seats = {"burst": args.seats, "throughput": args.large_seats, "warmup": WARMUP_SEATS}
    site = run_inside(ctx, "setup_cohorts", seats, timeout=INSIDE_TIMEOUT)
    cohorts = site["cohorts"]
    log(f"cohorts on {site['programme']!r}: {cohorts}")
    log("rate limits raised for the run (all traffic comes from 127.0.0.1): " + str(RATE_LIMITS))
    log_path = ctx.workdir / "gunicorn.log"
    result: dict[str, Any] = {"site": site}
    with Gunicorn(ctx, "0", log_path, workers=args.workers) as server:
        log(f"gunicorn on {HOST}:{server.port}, {args.workers} sync workers")

        load_now(ctx, "the trivial view", loads)
        with CpuMeter(ctx, server.process.pid) as meter:
            result["trivial"] = trivial(ctx, server.port)
        # Per request of the whole meter, the 1 s warm-up included.
        requests = result["trivial"]["requests"] + result["trivial"]["warmup_requests"]
        result["trivial"]["cpu"] = cpu_per_request(meter.result, requests)
        log(f"trivial view: {result['trivial']['rps']:,.0f} req/s")

        result["warmup"] = warm_up(server.port, cohorts["warmup"])
        log(f"warm-up: {result['warmup']['answers']} registrations for cohort C")

        load_now(ctx, "the burst", loads)
        with CpuMeter(ctx, server.process.pid) as meter:
            result["burst"] = burst(server.port, cohorts["burst"], args.burst)
        bur = result["burst"]
        bur["cpu"] = cpu_per_request(meter.result, bur["answers"])
        log(
            f"burst: {bur['confirmed']} confirmed, {bur['cohort_full']} cohort_full, "
            f"{bur['errors']} errors in {bur['seconds'] or 0:.2f} s"
        )
        counts = verify(ctx, cohorts["burst"])
        log(f"cohort A in the database: {counts[str(cohorts['burst'])]}")

        load_now(ctx, "the throughput run", loads)
        with CpuMeter(ctx, server.process.pid) as meter:
            result["throughput"] = throughput(
                server.port, cohorts["throughput"], args.registrations, args.concurrency
            )
        thr = result["throughput"]
        thr["cpu"] = cpu_per_request(meter.result, thr["answers"])
        log(
            f"throughput: {thr['confirmed']} confirmed in {thr['seconds']:.1f} s = "
            f"{thr['per_minute']:,.0f}/min, {thr['errors']} errors"
        )
    if any(result[k]["errors"] for k in ("warmup", "burst", "throughput")):
        log(f"gunicorn log, first error:\n{first_error(log_path)}")
    with open(log_path, errors="replace") as log_file:
        result["database_locked"] = sum(
            line.count("database is locked") for line in log_file if "Error" in line
        )
    counts = verify(ctx, cohorts["burst"], cohorts["throughput"])
    result["database_counts"] = {
        "burst": counts[str(cohorts["burst"])],
        "throughput": counts[str(cohorts["throughput"])],
    }
    load_now(ctx, "the in-process profile", loads)
    log(f"profiling {args.profile_count} registrations in one process ...")
    result["profile"] = profile(ctx, cohorts["warmup"])
    load_now(ctx, "the end", loads)
    result["load_averages"] = loads

    bur, thr, db = result["burst"], result["throughput"], result["database_counts"]
    result["targets"] = {
        "burst confirmed": bur["confirmed"] == args.seats,
        "burst errors": bur["errors"] == 0,
        "burst time": bur["seconds"] is not None and bur["seconds"] <= TARGET_BURST_SECONDS,
        "burst in DB": db["burst"].get("confirmed", 0) == args.seats
        and sum(db["burst"].values()) == args.seats,
        "per minute": thr["per_minute"] >= TARGET_PER_MINUTE,
        "throughput errors": thr["errors"] == 0 and thr["not_sent"] == 0,
        "throughput in DB": db["throughput"].get("confirmed", 0) == args.registrations
        and sum(db["throughput"].values()) == args.registrations,
    }
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bench-registrations-"))
    database_url = (
        args.postgres_url
        if args.database == "postgres"
        else f"sqlite:///{workdir / 'bench.sqlite3'}"
    )
    wrk = None if args.python_client else shutil.which("wrk")
    wrk_script = workdir / "count-non200.lua"
    wrk_script.write_text(WRK_SCRIPT)
    env = child_env(args, workdir, database_url, name="registrations")
    env.update(RATE_LIMITS)
    ctx = Context(
        args=args,
        workdir=workdir,
        python=project_python(),
        env=env,
        wrk=wrk,
        wrk_script=wrk_script,
        database_url=database_url,
    )
    if not wrk and not args.python_client:
        log("wrk not found (apt-get install wrk): using the pure-Python load generator")
    log(f"working directory {workdir}")
    try:
        with terminate_on_sigterm():
            result = run(ctx)
        result = {
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "options": {k: v for k, v in vars(args).items() if k not in {"postgres_url"}},
            "machine": machine_info(ctx, result["site"]),
            "timings_s": ctx.timings,
            "rate_limits": RATE_LIMITS,
            "reference": REFERENCE,
            **result,
        }
        print_report(ctx, result)
        if not args.no_json:
            path = write_json(result)
            log(f"results written to {path.relative_to(ROOT)}")
    except subprocess.CalledProcessError as exc:  # its output is already on the terminal
        log(f"failed: {' '.join(map(str, exc.cmd[1:]))} (exit status {exc.returncode})")
        return 1
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        log(f"failed: {exc}")
        return 1
    finally:
        delete_cache_keys(ctx)
        drop_database(ctx)
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    # Exit status 2 when registration was wrong (overbooked, lost, errors), not merely slow.
    correctness = [ok for name, ok in result["targets"].items() if name not in SPEED_TARGETS]
    return 0 if all(correctness) else 2


if __name__ == "__main__":
    sys.exit(main())
