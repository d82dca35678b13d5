"""The benchmarks in their short mode (BENCH_SHORT=1: tiny sizes, one round), so that none of them rots: each
must run to its end and print its table. The figures themselves are not judged here (CI machines vary)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail

pytestmark = pytest.mark.bench

ROOT = Path(__file__).resolve().parents[2]


def test_every_benchmark_runs_in_its_short_mode(postgres_server_url, tmp_path):
    if not shutil.which("wrk"):
        skip_or_fail("the benchmarks need wrk (make bench-tools installs it)")
    env = {**os.environ, "BENCH_SHORT": "1", "ORGANISER_TEST_DATABASE_URL": postgres_server_url}
    done = subprocess.run(
        [sys.executable, "-m", "bench"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    output = done.stdout
    assert done.returncode == 0, output[-3000:] + done.stderr[-3000:]
    for row in (
        # bench_feeds: every row answered 2xx/3xx (429 under the benchmark's own load made it fail before)
        "| public feed, 60 events, after a change | PostgreSQL |",
        "| personal feed, 304 (If-None-Match) | PostgreSQL |",
        "| public feed, same bytes from memory (limit) | PostgreSQL |",
        # bench_pages
        '| "Versturen" to 30 people (one request) | SQLite |',
        "| answers page, 50 invitations | SQLite |",
        "| suggestions the naive way",
        "| reach dashboard, 2,000 invitations, three years | SQLite |",
        "| outbox worker (`flask outbox send --all`, start-up subtracted) | SQLite |",
        # bench_reach (in-process, every reach page and the suggestions page)
        "| reach dashboard, three years | SQLite |",
        "| suggestions page (10 of 400 staff) | SQLite |",
        # bench_load
        "| /healthz (the client's own check) | 200/s |",
        "| answers to one event (30 invitees, 10 seats) | 20/s |",
        "| answers spread over 5 events | 20/s |",
        "no event overbooked",
        "| personal feed, 304 (If-None-Match) |",
    ):
        assert row in output, f"missing {row!r} in\n{output[-3000:]}"
    assert "requests made:" in output
