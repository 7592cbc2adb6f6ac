"""Check-ins through the scanner's API: 8,100 scans, a tenth of them repeated, 16 clients.

One command builds a fresh database, seeds it (``seed_demo --scale 1``), adds a cohort of 7,290
confirmed trainees with a session that has just started, a registrar (教务) with a DRF token, and
serves the project with gunicorn (4 sync workers, ``DEBUG=False``, ``bench.settings``) on
127.0.0.1; then measures:

1. the trivial view ``/bench/trivial/`` (req/s, wrk when installed), the yardstick, before the
   check-ins and again after them: a shared machine's speed drifts within minutes, and the
   ratio is taken to the mean of the two;
2. ``POST /api/v1/checkins/`` 8,100 times from 16 clients, each its own connection: every trainee
   once (their QR text, or for one in five the code typed in lower case) and 810 of them a
   second time, later in the run, as a scanner that scans a person twice. Every first scan must
   answer 201 and every repeat 200, with no other answer;
3. the database: each trainee recorded exactly once, no row twice.

Reported: check-ins per second and their ratio to the trivial view's requests per second
(target >= 40 %), latencies, answers by status. Usage (from the project root)::

    .venv/bin/python bench/checkins.py [--database postgres|sqlite] [--workers 4]

Traffic goes only to 127.0.0.1. Gunicorn, the temporary directory and the PostgreSQL benchmark
database are always removed at the end (unless ``--keep``). Exit status 0 when every person was
recorded exactly once with no error (fast enough or not), 2 when not, 1 when the run failed.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import http.client
import json
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

# ``python bench/checkins.py`` puts bench/, not the project, on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    HOST,
    REQUEST_TIMEOUT,
    RESULTS_DIR,
    WRK_SCRIPT,
    Context,
    Gunicorn,
    child_env,
    cpu_count,
    cpu_model,
    cpu_per_request,
    delete_cache_keys,
    drop_database,
    first_error,
    log,
    note_load_average,
    postgres_database_name,
    prepare_database,
    process_cpu_seconds,
    project_python,
    run_inside,
    terminate_on_sigterm,
    wrk_version,
)
from bench.registrations import percentile, trivial

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/bench_checkins"
PATH = "/api/v1/checkins/"
TARGET_RATIO = 0.40
RUN_TIMEOUT = 1800.0
INSIDE_TIMEOUT = 600.0
SEED = 11  # the order of the scans, the same every run


def scans(texts: list[str], repeats: int) -> list[tuple[int, bool]]:
    """(trainee, repeated?) in the order they are sent: every trainee once in a shuffled order,
    and `repeats` of them again, each at a random later place than their first scan."""
    rng = random.Random(SEED)
    order = list(range(len(texts)))
    rng.shuffle(order)
    sent: list[tuple[int, bool]] = [(trainee, False) for trainee in order]
    for first_at in sorted(rng.sample(range(len(order)), repeats), reverse=True):
        again = rng.randint(first_at + 1, len(order))
        sent.insert(again, (order[first_at], True))
    return sent


def check_in(conn, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, float]:
    """POST one scan: (status or None, what went wrong or "", seconds). As lean as the trivial
    view's client: the body is encoded beforehand, and only an unexpected answer is read as
    JSON (for the report)."""
    started = time.perf_counter()
    try:
        conn.request("POST", PATH, body=body, headers=headers)
        response = conn.getresponse()
        raw = response.read()
    except (OSError, http.client.HTTPException) as exc:
        conn.close()
        return None, type(exc).__name__, time.perf_counter() - started
    elapsed = time.perf_counter() - started
    if response.status in (200, 201):
        return response.status, "", elapsed
    try:
        data = json.loads(raw)
    except ValueError:
        data = {}
    said = data.get("code") if isinstance(data, dict) else None
    return response.status, str(said or raw[:80]), elapsed


def load(port: int, site: dict[str, Any], sent: list[tuple[int, bool]], clients: int):
    """Send every scan from `clients` threads; the answers in the order of `sent`."""
    headers = {"Content-Type": "application/json", "Authorization": f"Token {site['token']}"}
    bodies = [json.dumps({"session": site["session"], "code": t}).encode() for t in site["texts"]]
    answers: list[tuple[int | None, str, float] | None] = [None] * len(sent)
    issued = iter(range(len(sent)))
    lock = threading.Lock()
    deadline = time.monotonic() + RUN_TIMEOUT

    def client() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        try:
            while time.monotonic() < deadline:
                with lock:
                    index = next(issued, None)
                if index is None:
                    return
                trainee, _repeated = sent[index]
                answers[index] = check_in(conn, bodies[trainee], headers)
                if answers[index][0] is None:
                    time.sleep(0.01)  # no busy loop while the server refuses connections
        finally:
            conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()) + REQUEST_TIMEOUT + 5)
    return answers, time.perf_counter() - started


def mean_of(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The yardstick: the two trivial-view phases' mean rate and CPU per request."""
    cpu = {
        group: (before["cpu_ms"][group] + after["cpu_ms"][group]) / 2
        for group in before.get("cpu_ms") or {}
        if group in (after.get("cpu_ms") or {})
    }
    return {
        "rps": (before["rps"] + after["rps"]) / 2,
        "requests": before["requests"] + after["requests"],
        "errors": before["errors"] + after["errors"],
        "cpu_ms": cpu,
    }


def summarise(sent, answers, seconds: float) -> dict[str, Any]:
    """201 for each first scan, 200 for each repeat; anything else is an error."""
    expected = [201 if not repeated else 200 for _trainee, repeated in sent]
    statuses = collections.Counter(str(a[0]) if a else "not sent" for a in answers)
    wrong = collections.Counter(
        f"HTTP {answer[0]} {answer[1]}" if answer else "not sent"
        for answer in answers
        if not answer or answer[0] not in (200, 201)
    )
    latencies = sorted(answer[2] for answer in answers if answer)
    return {
        "scans": len(sent),
        "answers": sum(1 for answer in answers if answer),
        "statuses": dict(statuses),
        "first_scans": expected.count(201),
        "repeats": expected.count(200),
        "errors": sum(wrong.values()),
        "error_kinds": dict(wrong.most_common(10)),
        "seconds": seconds,
        "per_second": len(latencies) / seconds if seconds else 0.0,
        "p50_ms": percentile(latencies, 0.50),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": latencies[-1] * 1000 if latencies else None,
    }


def run(ctx: Context) -> dict[str, Any]:
    args = ctx.args
    repeats = round(args.checkins * args.repeated)
    trainees = args.checkins - repeats
    note_load_average(ctx)
    prepare_database(ctx)
    site = run_inside(ctx, "setup_checkins", trainees, args.typed, timeout=INSIDE_TIMEOUT)
    log(f"{trainees:,} trainees, session {site['session']} on {site['programme']!r}")
    sent = scans(site["texts"], repeats)
    log_path = ctx.workdir / "gunicorn.log"
    result: dict[str, Any] = {"site": {k: v for k, v in site.items() if k != "texts"}}
    with Gunicorn(ctx, "0", log_path, workers=args.workers) as server:
        log(f"gunicorn on {HOST}:{server.port}, {args.workers} sync workers")
        note_load_average(ctx)
        pid = server.process.pid

        def yardstick() -> dict[str, Any]:
            before = process_cpu_seconds(pid)
            stats = trivial(ctx, server.port)
            served = stats["requests"] + stats.get("warmup_requests", 0)
            stats["cpu_ms"] = cpu_per_request(before, process_cpu_seconds(pid), served)
            log(f"trivial view: {stats['rps']:,.0f} req/s")
            note_load_average(ctx)
            return stats

        result["trivial_before"] = yardstick()
        before = process_cpu_seconds(pid)
        answers, seconds = load(server.port, site, sent, args.concurrency)
        result["checkins"] = summarise(sent, answers, seconds)
        result["checkins"]["cpu_ms"] = cpu_per_request(before, process_cpu_seconds(pid), len(sent))
        result["trivial_after"] = yardstick()
    result["trivial"] = mean_of(result["trivial_before"], result["trivial_after"])
    checkins = result["checkins"]
    log(
        f"check-ins: {checkins['answers']:,} answers in {seconds:.1f} s = "
        f"{checkins['per_second']:,.0f}/s, {checkins['errors']} errors"
    )
    if checkins["errors"]:
        log(f"gunicorn log, first error:\n{first_error(log_path)}")
    note_load_average(ctx)
    database = run_inside(ctx, "count_checkins", site["session"], timeout=INSIDE_TIMEOUT)
    result["database"] = database
    # Which answer each scan got: a repeat that overtook its first scan swaps 201 and 200, which
    # is right; what must hold is one 201 per trainee.
    created = collections.Counter(
        trainee
        for (trainee, _repeated), answer in zip(sent, answers, strict=True)
        if answer and answer[0] == 201
    )
    result["created_per_trainee"] = dict(collections.Counter(created.values()))
    ratio = checkins["per_second"] / result["trivial"]["rps"] if result["trivial"]["rps"] else 0
    result["ratio"] = ratio
    result["targets"] = {
        "each person recorded exactly once": database["rows"] == trainees
        and database["registrations"] == trainees
        and database["recorded_twice"] == 0
        and len(created) == trainees
        and set(created.values()) == {1},
        "201 first, 200 again": checkins["statuses"].get("201") == trainees
        and checkins["statuses"].get("200") == repeats,
        "0 errors": checkins["errors"] == 0,
        f"check-ins/s >= {TARGET_RATIO:.0%} of the trivial view": ratio >= TARGET_RATIO,
    }
    result["load_averages"] = ctx.load_averages
    return result


def ms(value: float | None) -> str:
    return f"{value:,.0f} ms" if value is not None else "—"


def print_report(ctx: Context, result: dict[str, Any]) -> None:
    site, checkins, database = result["site"], result["checkins"], result["database"]
    trivial_view = result["trivial"]
    print()
    print("Check-in benchmark")
    print(f"  machine     {cpu_count()} CPUs, {cpu_model()}")
    print(
        f"  software    Python {site['python']}, Django {site['django']}, Wagtail "
        f"{site['wagtail']}, {site['database']}, gunicorn {site['gunicorn']} "
        f"({ctx.args.workers} sync workers)"
    )
    print(
        f"  load gen.   {wrk_version(ctx.wrk) or 'python threads'} (trivial view); python "
        f"threads, one connection each (check-ins)"
    )
    print(f"  load avg.   {' / '.join(f'{load:.2f}' for load in ctx.load_averages)}")
    print(f"  cache       {'Redis' if ctx.args.redis_url else 'locmem (per worker)'}")
    if ctx.args.no_health_checks:
        print("  database    CONN_HEALTH_CHECKS off (--no-health-checks)")
    print()
    print(
        f"  trivial view         {trivial_view['rps']:>9,.0f} req/s  "
        f"(mean of {result['trivial_before']['rps']:,.0f} before and "
        f"{result['trivial_after']['rps']:,.0f} after the check-ins; "
        f"{trivial_view['requests']:,} requests, {trivial_view['errors']} errors)"
    )
    print(
        f"  check-ins            {checkins['per_second']:>9,.0f} /s     "
        f"({checkins['answers']:,} in {checkins['seconds']:.1f} s, {ctx.args.concurrency} "
        f"clients)"
    )
    print(f"  ratio                {result['ratio']:>9.0%}         (target >= {TARGET_RATIO:.0%})")
    for label, phase in (("trivial view", trivial_view), ("check-in", checkins)):
        if phase.get("cpu_ms"):
            parts = ", ".join(f"{group} {value:.2f}" for group, value in phase["cpu_ms"].items())
            print(f"  CPU ms per {label:<14}{parts}")
    print(
        f"  latency              p50 {ms(checkins['p50_ms'])}, p95 {ms(checkins['p95_ms'])}, "
        f"p99 {ms(checkins['p99_ms'])}, max {ms(checkins['max_ms'])}"
    )
    print(
        f"  answers              {checkins['statuses']} (first scans {checkins['first_scans']:,}"
        f", repeats {checkins['repeats']:,})"
    )
    print(f"  errors               {checkins['errors']} {checkins['error_kinds'] or ''}")
    print(
        f"  database             {database['rows']:,} rows for {database['registrations']:,} "
        f"trainees, {database['recorded_twice']} recorded twice, {database['statuses']}"
    )
    print(f"  201s per trainee     {result['created_per_trainee']}")
    print()
    for name, ok in result["targets"].items():
        print(f"  {'ok  ' if ok else 'FAIL'} {name}")
    print()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help=f"dropped and recreated; its name must start with 'bench' ({DEFAULT_POSTGRES_URL})",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (4)")
    parser.add_argument("--checkins", type=int, default=8100, help="scans sent (8100)")
    parser.add_argument("--repeated", type=float, default=0.10, help="share repeated (0.10)")
    parser.add_argument("--typed", type=float, default=0.20, help="share typed codes (0.20)")
    parser.add_argument("--concurrency", type=int, default=16, help="clients (16)")
    parser.add_argument("--trivial-seconds", type=int, default=5, help="trivial view load (5)")
    parser.add_argument("--scale", type=int, default=1, help="seed_demo --scale (1)")
    parser.add_argument("--redis-url", default="", help="use Redis as the cache (default locmem)")
    parser.add_argument("--python-client", action="store_true", help="do not use wrk")
    parser.add_argument(
        "--no-health-checks",
        action="store_true",
        help="without CONN_HEALTH_CHECKS (a SELECT 1 before each request's first query)",
    )
    parser.add_argument("--no-json", action="store_true", help="do not write bench/results/")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and database")
    args = parser.parse_args(argv)
    if not 2 <= args.checkins <= 1_000_000 or not 0 <= args.repeated < 0.5:
        parser.error("need 2 <= --checkins <= 1,000,000 and 0 <= --repeated < 0.5")
    if not 0 <= args.typed <= 1 or not 1 <= args.workers <= 64:
        parser.error("need 0 <= --typed <= 1 and 1 <= --workers <= 64")
    if not 1 <= args.concurrency <= 256 or not 1 <= args.trivial_seconds <= 600:
        parser.error("--concurrency must be 1..256 and --trivial-seconds 1..600")
    if args.database == "postgres":
        postgres_database_name(args.postgres_url)
    args.no_seed = False  # the cohort needs a seeded programme
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bench-checkins-"))
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
        env=child_env(args, workdir, database_url, name="checkins")
        | ({"BENCH_NO_HEALTH_CHECKS": "1"} if args.no_health_checks else {}),
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
            "options": {k: v for k, v in vars(args).items() if k != "postgres_url"},
            "timings_s": ctx.timings,
            **result,
        }
        print_report(ctx, result)
        if not args.no_json:
            RESULTS_DIR.mkdir(parents=True, exist_ok=True)
            stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M%S")
            path = RESULTS_DIR / f"checkins-{stamp}.json"
            path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
            log(f"results written to {path.relative_to(RESULTS_DIR.parent.parent)}")
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
    correct = [ok for name, ok in result["targets"].items() if not name.startswith("check-ins/s")]
    return 0 if all(correct) else 2


if __name__ == "__main__":
    sys.exit(main())
