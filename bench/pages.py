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
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

# ``python bench/pages.py`` puts bench/, not the project, on sys.path: make bench.common importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    GUNICORN_WORKERS,
    HOST,
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

INDEX_PAGES = [
    ("home", "/"),
    ("course index", "/courses/"),
    ("lecturer index", "/trainers/"),
    ("base index", "/bases/"),
]
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/bench_pages"
TARGET_RATIO = 0.60
CACHED_SECONDS = "300"


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
        info = run_inside(ctx, "pick_urls")
    except (subprocess.SubprocessError, RuntimeError, ValueError) as exc:
        log(f"could not query the database for detail pages; parsing the index pages:\n{exc}")
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
    return {
        "nproc": cpu_count(),
        "cpu": cpu_model(),
        "os": platform.platform(),
        "python": site.get("python", platform.python_version()),
        "django": site.get("django", "?"),
        "wagtail": site.get("wagtail", "?"),
        "database": f"{ctx.args.database}: {site.get('database', '?')}",
        "load_generator": wrk_version(ctx.wrk) or "python http.client threads",
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
        profile = run_inside(ctx, "profile_renders", paths, env={"PAGE_CACHE_SECONDS": "0"})
    except (subprocess.SubprocessError, RuntimeError, ValueError) as exc:
        log(f"could not count queries: {exc}")
        return
    for m in results:
        if m.path in profile:
            m.sql_queries = profile[m.path]["queries"]
            m.render_ms = profile[m.path]["ms"]


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
