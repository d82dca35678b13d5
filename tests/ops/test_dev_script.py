"""`make run`'s scripts/dev.sh: says clearly when its port is taken, and stops (web server and mail worker, nothing
left behind) within seconds of SIGTERM or when the web server ends, without signalling itself in a loop."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_dev(port: int, database_url: str, tmp_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "PORT": str(port),
        "BIN": str(BIN),
        "ORGANISER_DATABASE_URL": database_url,
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("ORGANISER_MAIL_SERVER", None)
    # A session of its own, as a terminal would give `make run`: everything it starts is in this group.
    return subprocess.Popen(
        ["sh", str(ROOT / "scripts" / "dev.sh")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_until_serving(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0]
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.2)
    pytest.fail("the development server did not start")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append(int(entry.name))
    return found


@pytest.fixture
def dev_processes():
    """Whatever a test starts; its whole group is killed afterwards if the test left it running."""
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()


def test_a_taken_port_is_said_clearly_before_anything_starts(database_url, tmp_path, dev_processes):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        dev = start_dev(port, database_url, tmp_path)
        dev_processes.append(dev)
        output, _ = dev.communicate(timeout=20)
    assert time.monotonic() - started < 10
    assert dev.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in output
    assert "make run PORT=8000" in output
    assert "runs at" not in output  # nothing was started
    assert not group_alive(dev.pid)


def stop_with_a_burst_of_sigterms(process: subprocess.Popen) -> tuple[str, float]:
    """Send the process 200 SIGTERMs in a row; its output and how many seconds it took to end. Then waits up to ten
    seconds more for the rest of its process group (the caller asserts none of it is left: group_alive)."""
    started = time.monotonic()
    for _ in range(200):
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    took = time.monotonic() - started
    deadline = time.monotonic() + 10
    while group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return output, took


def test_sigterm_stops_everything_within_seconds_however_often_it_comes(database_url, tmp_path, dev_processes):
    port = free_port()
    dev = start_dev(port, database_url, tmp_path)
    dev_processes.append(dev)
    wait_until_serving(port, dev)
    # A burst, as the old trap sent itself (1,525 times in one run).
    output, took = stop_with_a_burst_of_sigterms(dev)
    assert took < 15
    assert not group_alive(dev.pid), "a process of make run outlived it"
    assert dev.returncode == 143, output
    assert "Outbox worker stopped." in output
    assert "still running after 10 s" not in output
    with socket.socket() as again:  # the port is free again
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))


def test_when_the_web_server_ends_the_worker_is_stopped_too(database_url, tmp_path, dev_processes):
    port = free_port()
    dev = start_dev(port, database_url, tmp_path)
    dev_processes.append(dev)
    wait_until_serving(port, dev)
    # The web server (flask run, with its reloader) ends by itself, as when its port was taken after the check.
    web = [pid for pid in children_of(dev.pid) if "run" in Path(f"/proc/{pid}/cmdline").read_text()]
    assert len(web) == 1
    os.kill(web[0], signal.SIGTERM)
    output, _ = dev.communicate(timeout=30)
    assert "the web server stopped" in output and "Outbox worker stopped." in output
    deadline = time.monotonic() + 10
    while group_alive(dev.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not group_alive(dev.pid)


def test_the_production_web_server_stops_within_seconds_of_a_burst(database_url, tmp_path, dev_processes):
    """gunicorn as DEPLOYMENT.md runs it (2 workers × 4 threads): a burst of SIGTERMs, and nothing is left."""
    port = free_port()
    env = {
        **os.environ,
        "ORGANISER_DATABASE_URL": database_url,
        "ORGANISER_SECRET_KEY": "x" * 64,
        "ORGANISER_BASE_URL": f"http://127.0.0.1:{port}",
    }
    web = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--graceful-timeout",
            "30",
            "organiser:create_app()",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    dev_processes.append(web)
    wait_until_serving(port, web)
    output, took = stop_with_a_burst_of_sigterms(web)
    assert took < 10, output
    assert not group_alive(web.pid), output
    assert web.returncode == 0, output
