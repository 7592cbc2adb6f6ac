"""Requests per second of the public pages, compared with a trivial Django view.

One command builds a fresh database, seeds it with ``seed_demo --scale N``, serves the project
with gunicorn (2 sync workers, ``DEBUG=False``, production settings via ``bench.settings``) on
127.0.0.1, and loads each page for ``--duration`` seconds with ``--concurrency`` clients:

* the trivial view ``/bench/trivial/`` (full middleware stack, no database, no template),
* ``/``, ``/courses/``, ``/trainers/``, ``/bases/``,
* one course, one lecturer and one base detail page (the middle one of each by id).

It does this twice: with the anonymous page cache on, then with ``PAGE_CACHE_SECONDS=0`` so every
request renders. Every response other than 200 counts as an error. Uses ``wrk`` when installed,
otherwise a pure-Python load generator (threads, one ``http.client`` connection each).

Usage (from the project root)::

    .venv/bin/python bench/pages.py [--scale 10] [--database sqlite|postgres]
                                    [--duration 10] [--concurrency 8]

Traffic goes only to 127.0.0.1. Gunicorn, the temporary directory and the PostgreSQL benchmark
database are always removed at the end (unless ``--keep``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
HOST = "127.0.0.1"
TRIVIAL_PATH = "/bench/trivial/"
INDEX_PAGES = [
    ("home", "/"),
    ("course index", "/courses/"),
    ("lecturer index", "/trainers/"),
    ("base index", "/bases/"),
]
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/bench_pages"
TARGET_RATIO = 0.60
GUNICORN_WORKERS = 2
CACHED_SECONDS = "300"

# Upper bounds, so that no loop or child process can run away.
HEALTH_TIMEOUT = 60.0
SETUP_TIMEOUT = 600.0
SEED_TIMEOUT = 3 * 3600.0
MAX_REQUESTS_PER_CLIENT = 5_000_000
REQUEST_TIMEOUT = 30.0

WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non200 = 0 end
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("non200") end
  local e = summary.errors
  io.write(string.format(
    'BENCH-WRK {"requests": %d, "duration_us": %d, "non200": %d, "connect": %d, ' ..
    '"read": %d, "write": %d, "timeout": %d, "p50_ms": %.3f, "p99_ms": %.3f}\\n',
    summary.requests, summary.duration, bad, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""

# Run inside ``manage.py shell``: the detail URLs to load, the page counts and the versions.
PICK_URLS_CODE = """
import json, sys
import django, wagtail
from django.db import connection
from wagtail.models import Page
from courses.models import CoursePage
from trainers.models import TrainerPage
from bases.models import BasePage

out = {"pages": Page.objects.live().count(), "urls": {}, "counts": {}}
for key, model in (("course", CoursePage), ("lecturer", TrainerPage), ("base", BasePage)):
    pages = model.objects.live().public().order_by("pk")
    count = pages.count()
    out["counts"][key] = count
    out["urls"][key] = pages[count // 2].get_url() if count else None
with connection.cursor() as cursor:
    if connection.vendor == "sqlite":
        cursor.execute("select 'SQLite ' || sqlite_version()")
    else:
        cursor.execute("select version()")
    out["database"] = " ".join(cursor.fetchone()[0].split()[:2])
out["python"] = sys.version.split()[0]
out["django"] = django.get_version()
out["wagtail"] = wagtail.__version__
print("BENCH-URLS " + json.dumps(out))
"""

# Run inside ``manage.py shell`` with the page cache off: SQL queries and time of one render.
PROFILE_CODE = """
import json, os, time
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

client = Client(HTTP_HOST="127.0.0.1")
out = {}
for path in json.loads(os.environ["BENCH_PATHS"]):
    client.get(path)  # the first render fills per-process caches (templates, site, settings)
    times = []
    for _ in range(3):  # the fastest of three: the least disturbed by other work
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - started)
    out[path] = {"status": response.status_code, "queries": len(queries), "ms": min(times) * 1000}
print("BENCH-PROFILE " + json.dumps(out))
"""


@dataclass
class Measurement:
    """What one load run of one URL produced."""

    label: str
    path: str
    requests: int = 0
    seconds: float = 0.0
    non200: int = 0
    socket_errors: int = 0
    first_status: int | None = None
    first_bytes: int = 0
    p50_ms: float | None = None
    p99_ms: float | None = None
    sql_queries: int | None = None  # of one uncached render, in-process
    render_ms: float | None = None  # of one uncached render, in-process, fastest of 3
    note: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def errors(self) -> int:
        return self.non200 + self.socket_errors


@dataclass
class Pass:
    """All URLs measured against one gunicorn configuration."""

    name: str
    page_cache_seconds: str
    results: list[Measurement] = field(default_factory=list)

    @property
    def trivial_rps(self) -> float:
        """The baseline: the mean of the trivial view measured first and last in the pass."""
        trivial = [m.rps for m in self.results if m.path == TRIVIAL_PATH]
        return sum(trivial) / len(trivial) if trivial else 0.0


@dataclass
class Context:
    """Everything the run needs: options, paths and the environment for child processes."""

    args: argparse.Namespace
    workdir: Path
    python: str
    env: dict[str, str]
    wrk: str | None
    wrk_script: Path
    database_url: str
    timings: dict[str, float] = field(default_factory=dict)
    site: dict[str, Any] = field(default_factory=dict)  # what pick_urls found
    # The 1-minute load average before each pass and at the end.
    load_averages: list[float] = field(default_factory=list)


# --------------------------------------------------------------------------- helpers


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def project_python() -> str:
    """The virtualenv's interpreter if there is one, else the one running this script."""
    venv_python = ROOT / ".venv" / "bin" / "python"
    return str(venv_python) if venv_python.exists() else sys.executable


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def tail(path: Path, lines: int = 25) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


def first_error(path: Path, lines: int = 40) -> str:
    """The first traceback in a gunicorn log, else its distinct lines (it repeats itself)."""
    with contextlib.suppress(OSError):
        text = path.read_text(errors="replace").splitlines()
        start = next((i for i, line in enumerate(text) if line.startswith("Traceback")), None)
        if start is not None:
            return "\n".join(text[max(0, start - 1) : start + lines])
        return "\n".join(list(dict.fromkeys(text))[:lines])
    return ""


def manage(
    ctx: Context,
    *command: str,
    timeout: float = SETUP_TIMEOUT,
    capture: bool = False,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``manage.py COMMAND`` with the bench settings; raise if it fails."""
    return subprocess.run(
        [ctx.python, "manage.py", *command],
        cwd=ROOT,
        env={**ctx.env, **(env or {})},
        check=True,
        timeout=timeout,
        text=True,
        capture_output=capture,
    )


def timed(ctx: Context, name: str, *command: str, timeout: float = SETUP_TIMEOUT) -> None:
    log(f"manage.py {' '.join(command)} ...")
    start = time.perf_counter()
    manage(ctx, *command, timeout=timeout)
    ctx.timings[name] = time.perf_counter() - start
    log(f"manage.py {' '.join(command)}: {ctx.timings[name]:.1f} s")


# --------------------------------------------------------------------------- database


def postgres_admin(url: str, *statements: str) -> None:
    """Run statements on the server's ``postgres`` database, outside any transaction."""
    import psycopg  # the project's dependency; only needed for --database postgres

    parts = urlsplit(url)
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        for statement in statements:
            conn.execute(statement)


def postgres_database_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    # This database is dropped: refuse anything not obviously a benchmark's own.
    if not re.fullmatch(r"bench[a-z0-9_]*", name):
        raise SystemExit(f"refusing to drop {name!r}: the database name must start with 'bench'")
    return name


def prepare_database(ctx: Context) -> None:
    if ctx.args.database == "postgres":
        name = postgres_database_name(ctx.database_url)
        log(f"recreating PostgreSQL database {name}")
        postgres_admin(
            ctx.database_url,
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            f'CREATE DATABASE "{name}"',
        )
    timed(ctx, "migrate", "migrate", "--noinput", "--verbosity", "0")
    timed(ctx, "collectstatic", "collectstatic", "--noinput", "--verbosity", "0")
    if ctx.args.no_seed:
        log("--no-seed: measuring an empty site")
        return
    seed = ["seed_demo", "--scale", str(ctx.args.scale)]
    if not sys.stdout.isatty():
        seed.append("--no-progress")  # progress bars only make sense on a terminal
    timed(ctx, "seed_demo", *seed, timeout=SEED_TIMEOUT)


def delete_cache_keys(ctx: Context) -> None:
    """With --redis-url, delete this run's keys (its own prefix) and nothing else."""
    if not ctx.args.redis_url:
        return
    code = "from django.core.cache import cache; cache.delete_pattern('*')"
    try:
        manage(ctx, "shell", "-c", code, timeout=60, capture=True)
    except (subprocess.SubprocessError, OSError) as exc:  # cleanup must not hide the real error
        log(f"could not delete the run's cache keys: {exc}")


def drop_database(ctx: Context) -> None:
    if ctx.args.database != "postgres" or ctx.args.keep:
        return
    name = postgres_database_name(ctx.database_url)
    try:
        postgres_admin(ctx.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception as exc:  # cleanup must not hide the real error
        log(f"could not drop database {name}: {exc}")


# --------------------------------------------------------------------------- gunicorn


class Gunicorn:
    """A gunicorn master started by us, stopped by us (its process group only)."""

    def __init__(self, ctx: Context, page_cache_seconds: str, log_path: Path) -> None:
        self.ctx = ctx
        self.port = free_port()
        self.log_path = log_path
        self.env = {**ctx.env, "PAGE_CACHE_SECONDS": page_cache_seconds}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [
            self.ctx.python,
            "-m",
            "gunicorn",
            "academy.wsgi:application",
            "--chdir",
            str(ROOT),
            "--env",
            "DJANGO_SETTINGS_MODULE=bench.settings",
            "--workers",
            str(GUNICORN_WORKERS),
            "--worker-class",
            "sync",
            "--bind",
            f"{HOST}:{self.port}",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            "--error-logfile",
            "-",
        ]
        with self.log_path.open("ab") as log_file:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_healthy()

    def wait_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + HEALTH_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{tail(self.log_path)}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                status, _ = fetch(self.port, "/healthz", timeout=5)
                if status == 200:
                    return
            time.sleep(0.25)
        raise RuntimeError(
            f"/healthz not 200 within {HEALTH_TIMEOUT:.0f} s:\n{tail(self.log_path)}"
        )

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()  # the master stops its workers
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # our own session, started above
            process.wait(timeout=10)

    def __enter__(self) -> Gunicorn:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


# --------------------------------------------------------------------------- load


def fetch(port: int, path: str, timeout: float = REQUEST_TIMEOUT) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def load_wrk(ctx: Context, port: int, path: str, seconds: int) -> dict[str, Any]:
    assert ctx.wrk is not None
    concurrency = ctx.args.concurrency
    threads = max(1, min(concurrency, cpu_count()))
    command = [
        ctx.wrk,
        f"-t{threads}",
        f"-c{concurrency}",
        f"-d{seconds}s",
        "--timeout",
        f"{REQUEST_TIMEOUT:.0f}s",
        "-s",
        str(ctx.wrk_script),
        f"http://{HOST}:{port}{path}",
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=seconds + 60
    )
    for line in done.stdout.splitlines():
        if line.startswith("BENCH-WRK "):
            stats = json.loads(line.removeprefix("BENCH-WRK "))
            return {
                "requests": stats["requests"],
                "seconds": stats["duration_us"] / 1e6,
                "non200": stats["non200"],
                "socket_errors": sum(stats[k] for k in ("connect", "read", "write", "timeout")),
                "p50_ms": stats["p50_ms"],
                "p99_ms": stats["p99_ms"],
            }
    raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def load_python(ctx: Context, port: int, path: str, seconds: int) -> dict[str, Any]:
    """Keep-alive clients in threads, each with its own connection, until the deadline."""
    concurrency = ctx.args.concurrency
    counts = [[0, 0, 0] for _ in range(concurrency)]  # 200s, other statuses, socket errors
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    deadline = time.monotonic() + seconds

    def client(index: int) -> None:
        mine, times = counts[index], latencies[index]
        conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        try:
            for _ in range(MAX_REQUESTS_PER_CLIENT):
                started = time.monotonic()
                if started >= deadline:
                    break
                try:
                    conn.request("GET", path)
                    response = conn.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException):
                    mine[2] += 1
                    conn.close()  # reconnects on the next request
                    time.sleep(0.01)  # no busy loop while the server refuses connections
                    continue
                mine[0 if response.status == 200 else 1] += 1
                times.append(time.monotonic() - started)
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(concurrency)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()) + REQUEST_TIMEOUT + 5)
    elapsed = time.monotonic() - start
    ordered = sorted(t for per_client in latencies for t in per_client)

    def percentile(p: float) -> float | None:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else None

    return {
        "requests": sum(c[0] + c[1] for c in counts),
        "seconds": elapsed,
        "non200": sum(c[1] for c in counts),
        "socket_errors": sum(c[2] for c in counts),
        "p50_ms": percentile(0.50),
        "p99_ms": percentile(0.99),
    }


def measure(ctx: Context, port: int, label: str, path: str) -> Measurement:
    result = Measurement(label=label, path=path)
    try:
        result.first_status, body = fetch(port, path)
        result.first_bytes = len(body)
    except (OSError, http.client.HTTPException) as exc:
        result.note = f"first request failed: {exc}"
        return result
    if result.first_status != 200:
        result.note = f"first request: HTTP {result.first_status}"
    load = load_wrk if ctx.wrk else load_python
    if ctx.args.warmup > 0:
        load(ctx, port, path, ctx.args.warmup)
    for key, value in load(ctx, port, path, ctx.args.duration).items():
        setattr(result, key, value)
    return result


# --------------------------------------------------------------------------- URLs


def as_path(url: str) -> str:
    """The path of a page URL, percent-encoded, so that only 127.0.0.1 is ever asked."""
    return quote(urlsplit(url).path or "/", safe="/%:@-._~!$&'()*+,;=")


def pick_urls(ctx: Context, port: int) -> tuple[dict[str, str | None], dict[str, Any]]:
    """One detail page each for a course, a lecturer and a base, and what the site holds."""
    info: dict[str, Any] = {}
    try:
        done = manage(ctx, "shell", "-c", PICK_URLS_CODE, capture=True)
        line = next(ln for ln in done.stdout.splitlines() if ln.startswith("BENCH-URLS "))
        info = json.loads(line.removeprefix("BENCH-URLS "))
    except (subprocess.CalledProcessError, StopIteration, json.JSONDecodeError) as exc:
        stderr = getattr(exc, "stderr", "") or ""
        log(f"could not query the database for detail pages ({exc}); parsing the index pages")
        if stderr:
            log(stderr.strip().splitlines()[-1])
    urls: dict[str, str | None] = dict(info.get("urls", {}))
    for key, index in (("course", "/courses/"), ("lecturer", "/trainers/"), ("base", "/bases/")):
        if not urls.get(key):
            urls[key] = link_from_index(port, index)
    return {k: as_path(v) if v else None for k, v in urls.items()}, info


def link_from_index(port: int, index: str) -> str | None:
    """The first link to a page directly below ``index`` on the index page itself."""
    with contextlib.suppress(OSError, http.client.HTTPException):
        status, body = fetch(port, index)
        if status == 200:
            pattern = rf'href="(?:https?://[^/"]+)?({re.escape(index)}[^/"?#]+/)"'
            match = re.search(pattern, body.decode("utf-8", "replace"))
            return match.group(1) if match else None
    return None


# --------------------------------------------------------------------------- report


def print_pass(bench_pass: Pass) -> None:
    trivial = bench_pass.trivial_rps
    profiled = any(m.sql_queries is not None for m in bench_pass.results)
    print()
    print(
        f"{bench_pass.name}  (PAGE_CACHE_SECONDS={bench_pass.page_cache_seconds}; "
        f"100 % = {trivial:.1f} req/s, the mean of the two trivial-view runs)"
    )
    header = (
        f"{'page':<16} {'URL':<40} {'req/s':>9} {'% trivial':>10} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'errors':>7}" + (f" {'SQL':>5} {'1 render':>9}" if profiled else "")
    )
    print(header)
    print("-" * (len(header) + 8))
    for m in bench_pass.results:
        ratio = f"{100 * m.rps / trivial:.1f} %" if trivial else "n/a"
        flag = (
            ""
            if m.path == TRIVIAL_PATH or not trivial
            else ("  ok" if m.rps >= TARGET_RATIO * trivial else "  < 60 %")
        )
        url = m.path if len(m.path) <= 40 else m.path[:37] + "..."
        row = (
            f"{m.label:<16} {url:<40} {m.rps:>9.1f} {ratio:>10} {optional(m.p50_ms):>8}"
            f" {optional(m.p99_ms):>8} {m.errors:>7}"
        )
        if profiled:
            sql = str(m.sql_queries) if m.sql_queries is not None else "-"
            render = f"{m.render_ms:.1f} ms" if m.render_ms is not None else "-"
            row += f" {sql:>5} {render:>9}"
        print(row + flag)
        if m.note:
            print(f"    ! {m.note}")
    if profiled:
        print(
            "SQL, 1 render: queries and time (fastest of 3) of one uncached render, in one "
            "process, without load"
        )


def optional(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else "-"


def machine_info(ctx: Context, site: dict[str, Any]) -> dict[str, Any]:
    wrk_version = ""
    if ctx.wrk:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            done = subprocess.run(
                [ctx.wrk, "--version"], capture_output=True, text=True, timeout=10
            )
            wrk_version = (done.stdout or done.stderr).splitlines()[0].split(" Copyright")[0]
    return {
        "nproc": cpu_count(),
        "cpu": cpu_model(),
        "os": platform.platform(),
        "python": site.get("python", platform.python_version()),
        "django": site.get("django", "?"),
        "wagtail": site.get("wagtail", "?"),
        "database": f"{ctx.args.database}: {site.get('database', '?')}",
        "load_generator": wrk_version or "python http.client threads",
        "server": f"gunicorn, {GUNICORN_WORKERS} sync workers, DEBUG=False",
        "cache": "redis" if ctx.env.get("REDIS_URL") else "locmem (per worker)",
        "load_average": " / ".join(f"{load:.2f}" for load in ctx.load_averages)
        + " (1 min; before each pass / at the end)",
    }


def print_report(ctx: Context, machine: dict[str, Any], site: dict[str, Any], passes: list[Pass]):
    print()
    print("=" * 92)
    print(
        f"Public pages benchmark: scale {ctx.args.scale}, {ctx.args.duration} s per URL, "
        f"{ctx.args.concurrency} concurrent clients, target >= {TARGET_RATIO:.0%} of trivial"
    )
    keys = ("nproc", "cpu", "load_average", "python", "django", "wagtail", "database")
    for key in (*keys, "load_generator"):
        print(f"  {key:<15} {machine[key]}")
    print(f"  {'server':<15} {machine['server']}, cache {machine['cache']}")
    counts = site.get("counts", {})
    if counts:
        print(
            f"  {'site':<15} {site.get('pages', '?')} live pages: {counts.get('course')} courses, "
            f"{counts.get('lecturer')} lecturers, {counts.get('base')} bases"
        )
    seed = ctx.timings.get("seed_demo")
    seeding = f"{seed:.1f} s" if seed is not None else "skipped"
    print(
        f"  {'setup':<15} migrate {ctx.timings.get('migrate', 0):.1f} s, "
        f"collectstatic {ctx.timings.get('collectstatic', 0):.1f} s, "
        f"seed_demo --scale {ctx.args.scale} {seeding}"
    )
    for bench_pass in passes:
        print_pass(bench_pass)
    print()


def write_json(ctx: Context, machine: dict[str, Any], site: dict[str, Any], passes: list[Pass]):
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M%S")
    path = RESULTS_DIR / f"pages-{stamp}.json"
    data = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "options": {
            k: getattr(ctx.args, k)
            for k in ("scale", "database", "duration", "concurrency", "warmup", "no_seed")
        },
        "machine": machine,
        "site": site,
        "timings_s": ctx.timings,
        "target_ratio": TARGET_RATIO,
        "passes": [
            {
                "name": p.name,
                "page_cache_seconds": p.page_cache_seconds,
                "results": [
                    {
                        **asdict(m),
                        "rps": round(m.rps, 1),
                        "errors": m.errors,
                        "ratio": round(m.rps / p.trivial_rps, 3) if p.trivial_rps else None,
                    }
                    for m in p.results
                ],
            }
            for p in passes
        ],
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    log(f"results written to {path.relative_to(ROOT)}")


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=10, help="seed_demo --scale (default 10)")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help=f"dropped and recreated; its name must start with 'bench' ({DEFAULT_POSTGRES_URL})",
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per URL (10)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients (8)")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured seconds per URL (1)")
    parser.add_argument("--redis-url", default="", help="use Redis as the cache (default locmem)")
    parser.add_argument("--python-client", action="store_true", help="do not use wrk")
    parser.add_argument("--only", choices=["cached", "uncached"], help="run a single pass")
    parser.add_argument("--no-seed", action="store_true", help="skip seed_demo (empty site)")
    parser.add_argument("--no-json", action="store_true", help="do not write bench/results/")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and database")
    args = parser.parse_args(argv)
    if not 1 <= args.concurrency <= 1000:
        parser.error("--concurrency must be between 1 and 1000")
    if not 1 <= args.duration <= 3600 or not 0 <= args.warmup <= 60:
        parser.error("--duration must be 1..3600 s and --warmup 0..60 s")
    if args.scale < 1:
        parser.error("--scale must be at least 1")
    if args.database == "postgres":
        postgres_database_name(args.postgres_url)
    return args


def child_env(args: argparse.Namespace, workdir: Path, database_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "PAGE_CACHE_SECONDS", "DEBUG", "PYTHONPATH"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        SECRET_KEY=secrets.token_urlsafe(64),
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        REDIS_URL=args.redis_url,
        MEDIA_ROOT=str(workdir / "media"),
        BENCH_STATIC_ROOT=str(workdir / "static"),
        BENCH_CACHE_KEY_PREFIX=f"bench-pages-{secrets.token_hex(6)}",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


@contextlib.contextmanager
def terminate_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into SystemExit so that the cleanup below still runs."""

    def handler(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(ctx: Context) -> list[Pass]:
    prepare_database(ctx)
    passes = [
        Pass("Cached (anonymous)", CACHED_SECONDS),
        Pass("Uncached (every request renders)", "0"),
    ]
    if ctx.args.only:
        passes = [p for p in passes if p.name.lower().startswith(ctx.args.only)]
    detail: dict[str, str | None] = {}
    for number, bench_pass in enumerate(passes):
        note_load_average(ctx)
        log_path = ctx.workdir / f"gunicorn-{number}.log"
        with Gunicorn(ctx, bench_pass.page_cache_seconds, log_path) as server:
            log(f"{bench_pass.name}: gunicorn on {HOST}:{server.port}")
            if not ctx.site:
                detail, ctx.site = pick_urls(ctx, server.port)
                log(f"detail pages: {detail}")
            # The trivial view first and last: other load on the machine shows as a difference.
            targets = [("trivial view", TRIVIAL_PATH), *INDEX_PAGES]
            for key in ("course", "lecturer", "base"):
                path = detail.get(key)
                if path:
                    targets.append((key, path))
                else:
                    log(f"no {key} detail page found: skipped")
            targets.append(("trivial (again)", TRIVIAL_PATH))
            for label, path in targets:
                result = measure(ctx, server.port, label, path)
                log(
                    f"  {path}: {result.rps:.1f} req/s, {result.errors} errors"
                    + (f" ({result.note})" if result.note else "")
                )
                bench_pass.results.append(result)
            if any(m.errors for m in bench_pass.results):
                log(f"gunicorn log, first error:\n{first_error(log_path)}")
        if bench_pass.page_cache_seconds == "0":
            profile_renders(ctx, bench_pass.results)
    note_load_average(ctx)
    return passes


def profile_renders(ctx: Context, results: list[Measurement]) -> None:
    """SQL queries and time of one uncached render of each page, in a single process."""
    paths = list(dict.fromkeys(m.path for m in results if m.path != TRIVIAL_PATH))
    log("counting SQL queries per render ...")
    try:
        done = manage(
            ctx,
            "shell",
            "-c",
            PROFILE_CODE,
            capture=True,
            env={"PAGE_CACHE_SECONDS": "0", "BENCH_PATHS": json.dumps(paths)},
        )
        line = next(ln for ln in done.stdout.splitlines() if ln.startswith("BENCH-PROFILE "))
        profile = json.loads(line.removeprefix("BENCH-PROFILE "))
    except (subprocess.SubprocessError, StopIteration, json.JSONDecodeError) as exc:
        log(f"could not count queries: {exc}")
        return
    for m in results:
        if m.path in profile:
            m.sql_queries = profile[m.path]["queries"]
            m.render_ms = profile[m.path]["ms"]


def note_load_average(ctx: Context) -> None:
    """Remember the load average: other work on the machine skews every figure."""
    with contextlib.suppress(OSError, AttributeError):
        load = os.getloadavg()[0]
        ctx.load_averages.append(round(load, 2))
        if load > cpu_count() / 2:
            log(f"warning: load average {load:.2f} on {cpu_count()} CPUs: the machine is busy")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    database_url = (
        args.postgres_url
        if args.database == "postgres"
        else f"sqlite:///{workdir / 'bench.sqlite3'}"
    )
    wrk = None if args.python_client else shutil.which("wrk")
    wrk_script = workdir / "count-non200.lua"
    wrk_script.write_text(WRK_SCRIPT)
    ctx = Context(
        args=args,
        workdir=workdir,
        python=project_python(),
        env=child_env(args, workdir, database_url),
        wrk=wrk,
        wrk_script=wrk_script,
        database_url=database_url,
    )
    if not wrk and not args.python_client:
        log("wrk not found (apt-get install wrk): using the pure-Python load generator")
    log(f"working directory {workdir}")
    try:
        with terminate_on_sigterm():
            passes = run(ctx)
        machine = machine_info(ctx, ctx.site)
        print_report(ctx, machine, ctx.site, passes)
        if not args.no_json:
            write_json(ctx, machine, ctx.site, passes)
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
