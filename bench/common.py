"""What the benchmarks share: the bench database, gunicorn, the load generators, the report.

Used by ``bench/pages.py`` and ``bench/registrations.py``; see bench/README.md. Only 127.0.0.1 is
ever contacted, and every loop and child process is bounded in count and time.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import inside

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
HOST = "127.0.0.1"
TRIVIAL_PATH = "/bench/trivial/"
GUNICORN_WORKERS = 2

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


def run_inside(
    ctx: Context,
    command: str,
    *arguments: Any,
    timeout: float = SETUP_TIMEOUT,
    env: dict[str, str] | None = None,
) -> Any:
    """Run ``bench.inside.COMMAND(*arguments)`` in a child process with the bench settings and
    database; its answer. Raises RuntimeError, with the child's output, if it fails."""
    try:
        done = subprocess.run(
            [ctx.python, "-m", "bench.inside", command, *(json.dumps(a) for a in arguments)],
            cwd=ROOT,
            env={**ctx.env, **(env or {})},
            check=True,
            timeout=timeout,
            text=True,
            capture_output=True,
        )
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"bench.inside {command} failed:\n{exc.stdout}\n{exc.stderr}") from exc
    for line in done.stdout.splitlines():
        if line.startswith(inside.MARKER + " "):
            return json.loads(line.removeprefix(inside.MARKER + " "))
    raise RuntimeError(f"no answer from bench.inside {command}:\n{done.stdout}\n{done.stderr}")


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
    try:
        run_inside(ctx, "delete_cache_keys", timeout=60)
    except (subprocess.SubprocessError, RuntimeError, OSError) as exc:  # cleanup: log, go on
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

    def __init__(
        self,
        ctx: Context,
        page_cache_seconds: str,
        log_path: Path,
        workers: int = GUNICORN_WORKERS,
    ) -> None:
        self.ctx = ctx
        self.workers = workers
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
            str(self.workers),
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


def child_env(
    args: argparse.Namespace, workdir: Path, database_url: str, name: str = "pages"
) -> dict[str, str]:
    """The environment of every child process: bench settings, the run's database, no DEBUG."""
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
        # Without --redis-url each worker has a cache of its own, which production settings
        # refuse unless told: the report says "locmem (per worker)".
        ALLOW_PER_PROCESS_CACHE="" if args.redis_url else "1",
        MEDIA_ROOT=str(workdir / "media"),
        BENCH_STATIC_ROOT=str(workdir / "static"),
        BENCH_CACHE_KEY_PREFIX=f"bench-{name}-{secrets.token_hex(6)}",
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


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far (user + system) by the gunicorn server (master and workers),
    PostgreSQL's processes, Redis, and this process (the Python load generator), read from
    /proc: the difference over a phase says where the machine's time went. Empty where /proc
    is missing."""
    if not Path("/proc").is_dir():
        return {}
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
            except OSError:
                continue
            name = text[text.index("(") + 1 : text.rindex(")")]
            fields = text[text.rindex(")") + 2 :].split()
            stats[int(entry.name)] = (name, int(fields[1]), int(fields[11]) + int(fields[12]))
    groups = {"server": 0, "database": 0, "cache": 0, "client": 0}
    for pid, (name, ppid, ticks) in stats.items():
        if pid == server_pid or ppid == server_pid:
            groups["server"] += ticks
        elif name.startswith("postgres"):
            groups["database"] += ticks
        elif name.startswith("redis-server"):
            groups["cache"] += ticks
        elif pid == os.getpid():
            groups["client"] += ticks
    return {group: ticks / CLOCK_TICKS for group, ticks in groups.items()}


def cpu_per_request(before: dict[str, float], after: dict[str, float], requests: int) -> dict:
    """Milliseconds of CPU per request by process group, between two `process_cpu_seconds`."""
    if not before or not requests:
        return {}
    return {group: (after[group] - before[group]) * 1000 / requests for group in before}


def note_load_average(ctx: Context) -> None:
    """Remember the load average: other work on the machine skews every figure."""
    with contextlib.suppress(OSError, AttributeError):
        load = os.getloadavg()[0]
        ctx.load_averages.append(round(load, 2))
        if load > cpu_count() / 2:
            log(f"warning: load average {load:.2f} on {cpu_count()} CPUs: the machine is busy")


def wrk_version(wrk: str | None) -> str:
    """``wrk 4.1.0 [epoll]``, or "" without wrk."""
    if not wrk:
        return ""
    with contextlib.suppress(OSError, subprocess.SubprocessError, IndexError):
        done = subprocess.run([wrk, "--version"], capture_output=True, text=True, timeout=10)
        return (done.stdout or done.stderr).splitlines()[0].split(" Copyright")[0]
    return ""
