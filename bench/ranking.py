"""A round's ranking at scale, and the live roadshow's big screen under 200 viewers (issue 12).

1. Builds a throwaway database (SQLite in a temporary directory, or ``--database postgres``),
   migrates it and writes a round of ``--projects`` (2,000) × ``--judges`` (50) × 6 criteria:
   every judge scores every project (100,000 submitted scores, 600,000 criterion scores), or
   ``--judges-per-project K`` of them. Times ``competitions.selectors.round_ranking`` (load,
   trimmed mean, tie-breakers, advancing, the consistency report) in a fresh process, counting
   its SQL queries, and does the same for a round of 20 projects × 5 judges: the count must not
   grow with the round. Target: ≤ 2 s.
2. Writes a live round (``--live-projects`` 30 projects, ``--live-judges`` 15 judges, two
   thirds scored), times the screen's JSON computed (after a submission) and cached, then
   serves the project with gunicorn (production settings, 2 sync workers) and loads
   ``/competitions/live/<id>/data.json`` and the screen's page with ``--viewers`` (200)
   concurrent clients for ``--duration`` seconds each (wrk when installed). 200 viewers polling
   every 3 s ask for about 67 requests a second.

Usage (from the project root)::

    .venv/bin/python bench/ranking.py [--database postgres] [--redis-url redis://…]

Traffic goes only to 127.0.0.1; gunicorn, the temporary directory and the PostgreSQL database
are always removed at the end (unless ``--keep``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
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
    load_python,
    load_wrk,
    log,
    note_load_average,
    postgres_admin,
    postgres_database_name,
    project_python,
    terminate_on_sigterm,
    timed,
)
from bench.inside import MARKER  # noqa: E402

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/bench_ranking"
TARGET_MS = 2000


def inside(ctx: Context, command: str, *arguments: Any, timeout: float = 3600) -> Any:
    done = subprocess.run(
        [ctx.python, "-m", "bench.ranking_inside", command, *map(json.dumps, arguments)],
        cwd=ROOT,
        env=ctx.env,
        check=False,
        timeout=timeout,
        text=True,
        capture_output=True,
    )
    if done.returncode:
        raise RuntimeError(f"bench.ranking_inside {command} failed:\n{done.stdout}{done.stderr}")
    for line in done.stdout.splitlines():
        if line.startswith(MARKER + " "):
            return json.loads(line.removeprefix(MARKER + " "))
    raise RuntimeError(f"no answer from bench.ranking_inside {command}:\n{done.stdout}")


def prepare(ctx: Context) -> None:
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


def load(ctx: Context, port: int, path: str, seconds: int) -> dict[str, Any]:
    if ctx.wrk:
        return load_wrk(ctx, port, path, seconds)
    return load_python(ctx, port, path, seconds)


def run(ctx: Context) -> dict[str, Any]:
    args = ctx.args
    prepare(ctx)
    log(f"writing a round of {args.projects} projects × {args.judges} judges × 6 criteria …")
    big = inside(ctx, "seed_round", args.projects, args.judges, args.judges_per_project)
    log(
        f"{big['scores']:,} scores, {big['criterion_scores']:,} criterion scores "
        f"written in {big['seconds']:.0f} s"
    )
    small = inside(ctx, "seed_round", 20, 5, 0)
    note_load_average(ctx)
    ranking = inside(ctx, "time_ranking", big["round"], args.runs)
    small_ranking = inside(ctx, "time_ranking", small["round"], args.runs)
    live = inside(
        ctx,
        "seed_round",
        args.live_projects,
        args.live_judges,
        0,
        True,
        args.live_projects * 2 // 3,
    )
    payload = inside(ctx, "time_live_payload", live["round"], args.runs)
    screen: dict[str, Any] = {}
    with Gunicorn(ctx, "300", ctx.workdir / "gunicorn.log") as server:
        for name, path in (
            ("trivial", TRIVIAL_PATH),
            ("data.json", f"/competitions/live/{live['round']}/data.json"),
            ("page", f"/competitions/live/{live['round']}/"),
        ):
            status, body = fetch(server.port, path)
            if status != 200:
                raise RuntimeError(f"{path}: {status}\n{body[:500]!r}")
            if args.warmup:
                load(ctx, server.port, path, args.warmup)
            note_load_average(ctx)
            screen[name] = load(ctx, server.port, path, args.duration)
            screen[name]["path"] = path
    return {
        "round": big,
        "ranking": ranking,
        "small_round": small,
        "small_ranking": small_ranking,
        "live_round": live,
        "live_payload": payload,
        "screen": screen,
    }


def report(ctx: Context, result: dict[str, Any]) -> None:
    big, ranking = result["round"], result["ranking"]
    small = result["small_ranking"]
    print()
    print(f"Machine: {cpu_count()} CPUs ({cpu_model()}), database {ctx.args.database}")
    print(
        f"Round: {big['projects']:,} projects × {big['judges']} judges × {big['criteria']} "
        f"criteria = {big['scores']:,} submitted scores ({big['criterion_scores']:,} values)"
    )
    verdict = "PASS" if ranking["median_ms"] <= TARGET_MS else "FAIL"
    print(
        f"round_ranking: first {ranking['first_ms']:.0f} ms, median {ranking['median_ms']:.0f} ms"
        f", best {ranking['best_ms']:.0f} ms (CPU {ranking['cpu_median_ms']:.0f} ms), "
        f"{ranking['queries'][0]} SQL queries (target ≤ {TARGET_MS} ms: {verdict})"
    )
    print(
        f"consistency report (computed when asked for): {ranking['consistency_ms']:.0f} ms, "
        f"{ranking['flagged_judges']} judges flagged"
    )
    if ctx.load_averages:
        print(f"Load average during the run: {', '.join(map(str, ctx.load_averages))}")
    same = "the same" if small["queries"][0] == ranking["queries"][0] else "NOT the same"
    print(f"round of 20 × 5: {small['median_ms']:.1f} ms, {small['queries'][0]} queries ({same})")
    payload = result["live_payload"]
    print(
        f"Live screen JSON ({payload['total']} projects, {payload['scored']} scored, "
        f"{payload['bytes']:,} bytes): computed {payload['uncached_ms']:.1f} ms with "
        f"{payload['uncached_queries']} queries, cached {payload['cached_ms']:.2f} ms with "
        f"{payload['cached_queries']} queries"
    )
    generator = "wrk" if ctx.wrk else "python"
    cache = "redis" if ctx.args.redis_url else "locmem (per worker)"
    print(
        f"{ctx.args.viewers} concurrent viewers, gunicorn 2 sync workers, cache {cache}, "
        f"{generator}:"
    )
    for name, stats in result["screen"].items():
        rate = stats["requests"] / stats["seconds"] if stats["seconds"] else 0
        errors = stats["non200"] + stats["socket_errors"]
        print(
            f"  {name:<10} {rate:8.0f} req/s   p50 {stats['p50_ms'] or 0:7.1f} ms   "
            f"p99 {stats['p99_ms'] or 0:7.1f} ms   errors {errors}"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=2000)
    parser.add_argument("--judges", type=int, default=50)
    parser.add_argument(
        "--judges-per-project", type=int, default=0, help="0: every judge scores every project"
    )
    parser.add_argument("--runs", type=int, default=5, help="timed runs (median reported)")
    parser.add_argument("--live-projects", type=int, default=30)
    parser.add_argument("--live-judges", type=int, default=15)
    parser.add_argument("--viewers", type=int, default=200, help="concurrent screen clients")
    parser.add_argument("--duration", type=int, default=10, help="seconds per URL")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured seconds of load first")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--redis-url", default="", help="Redis as the cache (default locmem)")
    parser.add_argument("--python-client", action="store_true", help="do not use wrk")
    parser.add_argument("--no-json", action="store_true", help="do not write bench/results/")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and database")
    args = parser.parse_args(argv)
    if not 1 <= args.viewers <= 1000 or not 1 <= args.duration <= 600:
        parser.error("--viewers must be 1..1000 and --duration 1..600 s")
    if not 1 <= args.projects <= 20000 or not 1 <= args.judges <= 500:
        parser.error("--projects must be 1..20000 and --judges 1..500")
    if args.database == "postgres":
        postgres_database_name(args.postgres_url)
    # The load generators read the number of clients from `concurrency`.
    args.concurrency = args.viewers
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bench-ranking-"))
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
        env=child_env(args, workdir, database_url, name="ranking"),
        wrk=wrk,
        wrk_script=wrk_script,
        database_url=database_url,
    )
    log(f"working directory {workdir}")
    try:
        with terminate_on_sigterm():
            result = run(ctx)
        report(ctx, result)
        if not args.no_json:
            RESULTS_DIR.mkdir(parents=True, exist_ok=True)
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            path = RESULTS_DIR / f"ranking-{stamp}.json"
            options = {k: v for k, v in vars(args).items() if k != "postgres_url"}
            path.write_text(json.dumps({"options": options, **result}, indent=2))
            log(f"results written to {path.relative_to(ROOT)}")
    except (RuntimeError, subprocess.SubprocessError) as exc:
        log(f"failed: {exc}")
        return 1
    finally:
        delete_cache_keys(ctx)
        drop_database(ctx)
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if result["ranking"]["median_ms"] <= TARGET_MS else 2


if __name__ == "__main__":
    sys.exit(main())
