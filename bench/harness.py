"""The measuring instrument shared by the benchmarks: servers, load generators, repetition and the figures.

- Throughput comes from wrk (Debian's package; `make bench` installs it when missing), never from a Python client:
  the Python client reached about half of what wrk gets from the same /healthz, which made every ratio too kind.
- Latency comes from an open-loop client (`open_loop`): requests are *scheduled* at a stated arrival rate and
  each latency runs from its scheduled moment, so a slow server cannot slow the arrivals down (no coordinated
  omission). `open_loop` against /healthz shows that it reaches the rate.
- Every figure is a ratio to /healthz of the same server, measured in the same round; the rounds alternate the
  measurements and are repeated, and a row shows the median with the spread (min–max) over the rounds.
- The servers run with limits configured for a benchmark (`BENCH_SETTINGS`): every request comes from
  127.0.0.1, so the per-token and per-address rate limits would answer 429 under the benchmark's own load.

BENCH_SHORT=1 (or `make bench-short`): tiny sizes and one round, so that CI runs every benchmark and none rots.
"""

from __future__ import annotations

import http.client
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SHORT = os.environ.get("BENCH_SHORT", "").lower() in ("1", "true", "yes")
#: Rounds of alternated measurements (the spread is over these).
ROUNDS = 1 if SHORT else int(os.environ.get("BENCH_ROUNDS", "3"))
#: Seconds per wrk measurement.
WRK_SECONDS = 1 if SHORT else float(os.environ.get("BENCH_WRK_SECONDS", "3"))

#: Settings every benchmark server runs with: limits for a benchmark, not for the internet (all requests come
#: from one address, and one token is polled thousands of times a minute).
BENCH_SETTINGS = {
    # Per second, not per minute: a moving window keeps one entry per request in its period, and a minute of a
    # benchmark's requests (~100,000 in a list, copied and shifted on every hit) cost several times what a real
    # token's 30 a minute ever do. A second's worth is still more than a real token holds.
    "ORGANISER_RATE_LIMIT_TOKEN": "100000/second",
    "ORGANISER_RATE_LIMIT_LOGIN": "100000/minute",
    # The benchmark's servers are asked on loopback while BASE_URL (in mail and feed links) names another host.
    "ORGANISER_TRUSTED_HOSTS": '["127.0.0.1", "localhost", "organiser.bench"]',
    # The benchmark's administrator logs in with a password alone (as `make run`'s demo does).
    "ORGANISER_MFA_REQUIRED_FOR": "none",
}

#: Requests made by the Python clients of this process (wrk reports its own).
REQUESTS_MADE = {"python": 0, "wrk": 0}
_count_lock = threading.Lock()


def count_request(n: int = 1, kind: str = "python") -> None:
    with _count_lock:
        REQUESTS_MADE[kind] += n


def scaled(full: int, short: int) -> int:
    return short if SHORT else full


# --- Figures --------------------------------------------------------------------------------------------------


@dataclass
class Spread:
    """One figure over the rounds: median and min–max."""

    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.values.append(value)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    def show(self, fmt: str = "{:.3g}", unit: str = "") -> str:
        if not self.values:
            return "–"
        low, high = min(self.values), max(self.values)
        if len(self.values) == 1 or fmt.format(low) == fmt.format(high):
            return f"{fmt.format(self.median)}{unit}"
        return f"{fmt.format(self.median)}{unit} ({fmt.format(low)}–{fmt.format(high)})"


def ratio_fmt(value: float) -> str:
    """Ratios from 0.0001 to 1: enough digits to tell them apart."""
    if value >= 0.1:
        return f"{value:.2f}"
    if value >= 0.01:
        return f"{value:.3f}"
    if value >= 0.001:
        return f"{value:.4f}"
    return f"{value:.2g}"  # e.g. 3.8e-05 (a request that takes tens of seconds)


class Ratio(Spread):
    def show(self, fmt: str = "", unit: str = "") -> str:  # noqa: ARG002 (same signature)
        if not self.values:
            return "–"
        low, high = min(self.values), max(self.values)
        if len(self.values) == 1:
            return ratio_fmt(self.median)
        return f"{ratio_fmt(self.median)} ({ratio_fmt(low)}–{ratio_fmt(high)})"


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))  # nearest rank
    return ordered[index]


def print_table(title: str, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """A Markdown table (so that it can go into the README as it is)."""
    print(f"\n{title}\n")
    print("| " + " | ".join(header) + " |")
    print("| " + " | ".join("---" for _ in header) + " |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    sys.stdout.flush()


class QueryCounter:
    """Counts the SQL statements sent to the database while active."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.count = 0

    def _record(self, *args) -> None:
        self.count += 1

    def __enter__(self) -> QueryCounter:
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)


class TranslationCounter:
    """Counts translation look-ups (every `_()`, lazy text and template `_()` asks Flask-Babel for the catalogue
    once through Domain.get_translations)."""

    def __init__(self) -> None:
        self.count = 0

    def __enter__(self) -> TranslationCounter:
        import flask_babel

        self._original = original = flask_babel.Domain.get_translations
        counter = self

        def counting(domain):
            counter.count += 1
            return original(domain)

        flask_babel.Domain.get_translations = counting
        return self

    def __exit__(self, *exc) -> None:
        import flask_babel

        flask_babel.Domain.get_translations = self._original


# --- Servers --------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """One gunicorn on a free loopback port, its own process group, stopped by its pid."""

    def __init__(self, app: str, env: dict[str, str], log_path: Path, *, workers: int = 2, threads: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        argv = [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "--timeout", "600"]
        if threads > 1:
            argv += ["--threads", str(threads)]
        self.log = open(log_path, "ab")  # noqa: SIM115 (the child keeps it open)
        self.process = subprocess.Popen(
            [*argv, app],
            cwd=ROOT,
            env={**env, "PYTHONUNBUFFERED": "1"},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {app} stopped during start-up; see {log_path}")
            try:
                if get(self.url, "/healthz").status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn {app} did not start; see {log_path}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
        self.log.close()

    def __enter__(self) -> Gunicorn:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float


def get(base: str, path: str, headers: dict[str, str] | None = None, timeout: float = 600) -> Response:
    """One GET on a fresh connection (counted)."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        began = time.perf_counter()
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - began
    finally:
        connection.close()
        count_request()
    return Response(response.status, dict(response.headers.items()), body, elapsed)


# --- wrk: throughput ------------------------------------------------------------------------------------------

WRK = shutil.which("wrk")
_REQUESTS = re.compile(r"(\d+) requests in ([\d.]+)(\w+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


@dataclass
class WrkResult:
    requests: int
    seconds: float
    non_2xx_3xx: int
    socket_errors: int
    output: str

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def require_wrk() -> str:
    if not WRK:
        raise SystemExit("wrk is missing: `make bench` installs it (apt-get install wrk), or install it yourself")
    return WRK


def wrk(
    url: str,
    *,
    seconds: float | None = None,
    connections: int = 8,
    threads: int = 2,
    headers: dict[str, str] | None = None,
    script: Path | None = None,
    script_env: dict[str, str] | None = None,
    expect_ok: bool = True,
) -> WrkResult:
    """Run wrk and read its summary; fails when any answer was not 2xx/3xx (unless told otherwise)."""
    seconds = max(1, round(seconds or WRK_SECONDS))  # wrk takes whole seconds
    argv = [require_wrk(), "-t", str(threads), "-c", str(max(connections, threads)), "-d", f"{seconds:g}s"]
    argv += ["--timeout", "120s"]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    if script:
        argv += ["-s", str(script)]
    done = subprocess.run(
        [*argv, url], capture_output=True, text=True, check=True, env={**os.environ, **(script_env or {})}
    )
    out = done.stdout
    found = _REQUESTS.search(out)
    if not found:
        raise RuntimeError(f"wrk said:\n{out}\n{done.stderr}")
    requests, amount, unit = int(found.group(1)), float(found.group(2)), found.group(3)
    elapsed = amount * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]
    bad = _NON_2XX.search(out)
    errors = _ERRORS.search(out)
    result = WrkResult(
        requests,
        elapsed,
        int(bad.group(1)) if bad else 0,
        sum(int(g) for g in errors.groups()) if errors else 0,
        out,
    )
    count_request(requests, "wrk")
    if expect_ok and result.non_2xx_3xx:
        raise RuntimeError(f"wrk {url}: {result.non_2xx_3xx} answers were not 2xx/3xx\n{out}")
    if requests == 0:
        raise RuntimeError(f"wrk {url}: no request finished in {seconds:g} s\n{out}")
    return result


# --- Open loop: latency at a stated arrival rate ----------------------------------------------------------------


@dataclass
class OpenLoopResult:
    rate: float
    scheduled: int
    #: Latency of each request from its scheduled moment to its answer (seconds).
    latencies: list[float]
    statuses: list[int]
    #: Wall time from the first scheduled moment to the last answer.
    seconds: float
    #: How late the client sent requests behind schedule, worst case (seconds): the client's own lag.
    worst_send_lag: float

    @property
    def achieved_rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def ms(self, p: float) -> float:
        return percentile(self.latencies, p) * 1000


def open_loop(
    requests: Sequence[Callable[[], int]], rate: float, max_in_flight: int = 64, *, start_in: float = 0.2
) -> OpenLoopResult:
    """Start requests[i]() at start + i / rate (uniform arrivals), on up to `max_in_flight` threads at once.

    Each callable makes its HTTP request(s) and returns the final status. A latency runs from the scheduled
    moment, so a request that had to wait for a free client thread counts that wait too.
    """
    count = len(requests)
    latencies: list[float] = [0.0] * count
    statuses: list[int] = [0] * count
    lags: list[float] = [0.0] * count
    next_index = iter(range(count))
    lock = threading.Lock()
    start = time.perf_counter() + start_in

    def worker() -> None:
        while True:
            with lock:
                index = next(next_index, None)
            if index is None:
                return
            due = start + index / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            lags[index] = time.perf_counter() - due
            try:
                statuses[index] = requests[index]()
            except OSError:
                statuses[index] = 0
            latencies[index] = time.perf_counter() - due

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(min(max_in_flight, count))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ends = [start + i / rate + latencies[i] for i in range(count)]
    return OpenLoopResult(rate, count, latencies, statuses, max(ends) - start, max(lags))


class KeepAlive:
    """A kept-alive connection per thread and server, for the open-loop client (counted)."""

    def __init__(self) -> None:
        self.local = threading.local()

    def get(self, base: str, path: str, headers: dict[str, str] | None = None) -> int:
        connections = self.local.__dict__.setdefault("connections", {})
        for attempt in range(2):
            connection = connections.get(base)
            if connection is None:
                host, port = base.removeprefix("http://").split(":")
                connection = connections[base] = http.client.HTTPConnection(host, int(port), timeout=120)
            try:
                connection.request("GET", path, headers=headers or {})
                response = connection.getresponse()
                response.read()
                count_request()
                if response.will_close:
                    connection.close()
                    del connections[base]
                return response.status
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                connection.close()
                del connections[base]
                if attempt:
                    raise
        raise AssertionError("unreachable")


def show_requests_made() -> str:
    return f"requests made: {REQUESTS_MADE['wrk']:,} by wrk, {REQUESTS_MADE['python']:,} by the Python clients"


# --- Databases --------------------------------------------------------------------------------------------------

POSTGRES_SERVER = os.environ.get("ORGANISER_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_admin() -> sa.Engine | None:
    """An AUTOCOMMIT engine on the PostgreSQL server, or None when it is not reachable."""
    from organiser.config import normalise_database_url

    admin = sa.create_engine(normalise_database_url(POSTGRES_SERVER), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as error:
        print(f"[postgresql] not reachable ({error.orig}): skipped")
        admin.dispose()
        return None
    return admin


class Databases:
    """A SQLite file in `directory`, then a fresh PostgreSQL database (dropped afterwards), as (label, url)."""

    def __init__(self, directory: Path, postgres: bool = True, sqlite: bool = True) -> None:
        self.directory = Path(directory)
        self.postgres = postgres
        self.sqlite = sqlite

    def __iter__(self):
        if self.sqlite:
            yield "SQLite", f"sqlite:///{self.directory / 'bench.sqlite3'}"
        if not self.postgres:
            return
        admin = postgres_admin()
        if admin is None:
            if os.environ.get("CI"):
                raise SystemExit("PostgreSQL is not reachable (CI must run every benchmark)")
            return
        import secrets

        name = f"organiser_bench_{secrets.token_hex(4)}"
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield "PostgreSQL", admin.url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def server_env(url: str, secret_key: str, base_url: str, **extra: str) -> dict[str, str]:
    """The environment of an organiser server (or `flask` command) on this database, with BENCH_SETTINGS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORGANISER_", "FLASK_"))}
    env.update(
        FLASK_APP="organiser",
        ORGANISER_DATABASE_URL=url,
        ORGANISER_SECRET_KEY=secret_key,
        ORGANISER_BASE_URL=base_url,
        **BENCH_SETTINGS,
        **extra,
    )
    return env


def slow_rate(base: str, path: str, per_client: int, clients: int = 2) -> float:
    """Requests per second of an endpoint too slow for wrk's fixed window (a request takes seconds, and wrk
    drops the ones still running when its time is up): `clients` threads, each `per_client` requests in turn."""

    def client() -> None:
        for _ in range(per_client):
            reply = get(base, path)
            if reply.status != 200:
                raise RuntimeError(f"{path}: {reply.status}")

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return per_client * clients / (time.perf_counter() - began)
