"""The mail worker stops within seconds of SIGTERM however many signals arrive, and lets go of its database
connection (a second signal inside the first handler used to deadlock on threading.Event's lock)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from organiser.shutdown import StopRequest

APPLICATION_NAME = "organiser-worker-under-test"


def start_worker(database_url: str, cwd) -> subprocess.Popen:
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() == "postgresql":
        # So that the test can find the worker's connection in pg_stat_activity.
        url = url.update_query_dict({"application_name": APPLICATION_NAME})
    env = {
        **os.environ,
        "FLASK_APP": "organiser",
        "FLASK_DEBUG": "1",
        "ORGANISER_DATABASE_URL": url.render_as_string(hide_password=False),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("ORGANISER_MAIL_SERVER", None)
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    worker = subprocess.Popen(
        [flask, "outbox", "work", "--interval", "0.05", "--jobs-interval", "0.05"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    started = worker.stdout.readline() + worker.stdout.readline()
    assert "Outbox worker started" in started, started
    return worker


def worker_connections(database_url: str) -> int:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.scalar(
                sa.text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                {"name": APPLICATION_NAME},
            )
    finally:
        engine.dispose()


def signal_until_it_ends(process: subprocess.Popen, sig: signal.Signals, most: int | None) -> float:
    """Send `sig` again and again (at most `most` times, or until the process ends); the seconds it took to end."""
    started, sent = time.monotonic(), 0
    while process.poll() is None and time.monotonic() - started < 10 and (most is None or sent < most):
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)
        sent += 1
    process.wait(timeout=10)
    return time.monotonic() - started


@pytest.mark.parametrize("burst", [1, 500, None], ids=["one", "500", "until-it-ends"])
def test_the_worker_stops_within_seconds_of_a_burst_of_sigterms(database_url, tmp_path, burst):
    """dev.sh once sent SIGTERM 1,525 times in a row; the worker then never stopped and kept its connection."""
    worker = start_worker(database_url, tmp_path)
    postgres = database_url.startswith("postgresql")
    try:
        time.sleep(0.5)  # a few rounds: dispatching and scheduled jobs, with the database
        if postgres:
            assert worker_connections(database_url) >= 1
        took = signal_until_it_ends(worker, signal.SIGTERM, burst)
        output, _ = worker.communicate(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 0, output
    # A worker that ignores the burst never ends (signal_until_it_ends then raises after 20 s); one that handles
    # it ends within a second or two on a quiet machine, and within 5–8 s seen on 2 cores at a load average of 14.
    assert took < 15, took
    assert "Traceback" not in output, output
    assert "SIGTERM received" in output and output.rstrip().endswith("Outbox worker stopped."), output
    if postgres:
        assert worker_connections(database_url) == 0


def test_sigint_and_sighup_stop_the_worker_too(database_url, tmp_path):
    for sig in (signal.SIGINT, signal.SIGHUP):
        worker = start_worker(database_url, tmp_path)
        try:
            worker.send_signal(sig)
            output, _ = worker.communicate(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.communicate()
        assert worker.returncode == 0 and f"{sig.name} received" in output, output


def test_a_stop_request_wakes_a_sleeping_loop_at_once():
    stop = StopRequest()
    try:
        started = time.monotonic()
        assert stop.wait(0.05) is False
        stop.set()
        stop.set()
        assert stop.wait(30) is True and time.monotonic() - started < 5
    finally:
        stop.close()


def test_a_signal_wakes_a_stop_request_in_this_process():
    stop = StopRequest()
    restore = stop.on_signals((signal.SIGUSR1,))
    try:
        started = time.monotonic()
        for _ in range(200):
            os.kill(os.getpid(), signal.SIGUSR1)
        assert stop.wait(30) is True and time.monotonic() - started < 5
        assert stop.signal_name == "SIGUSR1"
    finally:
        restore()
        stop.close()


#: A process like the outbox worker (no thread of its own) that stops 1,000 times while another process sends it
#: SIGUSR1 without pause; it prints how many "ignored due to race condition" errors CPython reported.
RACE = """
import os, signal, subprocess, sys
from organiser.shutdown import StopRequest
unraisable = []
sys.unraisablehook = lambda hook: unraisable.append(str(hook.exc_value))
code = "import os, signal\\nwhile True:\\n    try: os.kill(%d, signal.SIGUSR1)\\n    except ProcessLookupError: break"
sender = subprocess.Popen([sys.executable, "-c", code % os.getpid()])
try:
    for _ in range(1000):
        stop = StopRequest()
        restore = stop.on_signals((signal.SIGUSR1,))
        try:
            assert stop.wait(5)
        finally:
            restore()
            stop.close()
    assert signal.getsignal(signal.SIGUSR1) == signal.SIG_IGN  # further ones ignored, as before
finally:
    sender.kill()
    sender.wait()
print(len(unraisable), unraisable[:1])
"""


def test_a_stream_of_signals_while_the_handlers_change_prints_nothing():
    """A signal caught by the C-level handler just before the switch to SIG_IGN found SIG_IGN where its Python
    handler had been, and CPython printed "Signal 10 ignored due to race condition" with a traceback: 3 to 18 times
    in 2,000 switches (and 5 to 12 in this test's 1,000 under pytest) before the switch was made with the signals
    blocked (the SIGTERM burst test above saw it in
    CI). Run in a process of its own, with one thread, as the worker is: pytest's workers have more, and a signal
    sent to the process may land on a thread that does not block it."""
    result = subprocess.run([sys.executable, "-c", RACE], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0 []", result.stdout + result.stderr
