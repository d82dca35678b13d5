"""Calendar feeds under gunicorn: requests per second, each as a ratio to /healthz served in the same run.

Builds a temporary SQLite database (migrated; 1,000 published events; one person with 50 invitations),
starts `gunicorn -w 2 'organiser:create_app()'` on a free port, sends a fixed number of requests per
endpoint from a few client threads (http.client, keep-alive asked for), prints the figures, stops the server.

    .venv/bin/python -m bench.bench_feeds
"""

from __future__ import annotations

import http.client
import os
import platform
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIENT_THREADS = 4
EVENTS = 1000
INVITATIONS = 50


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_database(url: str, base_url: str, secret_key: str) -> str:
    """Migrate and fill the database; returns the person's feed token."""
    from flask_migrate import upgrade

    from organiser import create_app
    from organiser.calendar.links import issue_feed_token
    from organiser.events.models import Event, EventStatus, Initiative, Neighbourhood, Owner, Stop
    from organiser.extensions import db, utcnow
    from organiser.invitations.models import Invitation, InvitationState
    from organiser.people.models import ContactRole, Person, PersonKind

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret_key, "BASE_URL": base_url})
    with app.app_context():
        upgrade()
        hood = Neighbourhood(name="Oosterpark", slug="oosterpark")
        initiatives = [
            Initiative(name=f"Initiatief {i}", neighbourhood=hood, address=f"Parkweg {i}") for i in range(10)
        ]
        db.session.add_all([hood, *initiatives])
        now = utcnow().replace(minute=0, second=0)
        events = []
        for i in range(EVENTS):
            start = now + timedelta(days=1 + i // 3, hours=3 * (i % 3))
            route = i % 5 == 0
            event = Event(
                title=f"Bijeenkomst {i}: kennismaken in de wijk",
                format="wijksafari" if route else ("bruiscafe", "netwerkborrel", "broedplaats", "speurtocht")[i % 4],
                description="Kom kennismaken met bewoners en collega's van de gemeente. " * 3,
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                location=f"Buurthuis De Boog, Vondelstraat {i}",
                neighbourhood=hood,
                owner=Owner.MUNICIPALITY if i % 2 else Owner.RESIDENTS,
                status=EventStatus.PUBLISHED,
                published_at=now,
                capacity=30,
                seats_taken=0,
                sequence=i % 3,
                updated_at=now,
                hosts=initiatives[i % 10 : i % 10 + 2],
            )
            if route:
                event.stops = [
                    Stop(
                        position=n + 1,
                        name=f"Halte {n + 1}",
                        address=f"Parkweg {n}",
                        starts_at=start + timedelta(minutes=40 * n),
                        ends_at=start + timedelta(minutes=40 * n + 30),
                        initiative=initiatives[n],
                    )
                    for n in range(3)
                ]
            events.append(event)
        db.session.add_all(events)
        person = Person(
            name="Pieter Vergunning",
            email="pieter@gemeente.example",
            kind=PersonKind.STAFF,
            contact_role=ContactRole.OFFICE,
        )
        db.session.add(person)
        states = (InvitationState.YES, InvitationState.INVITED, InvitationState.MAYBE, InvitationState.WAITING)
        for n, event in enumerate(events[:: EVENTS // INVITATIONS][:INVITATIONS]):
            state = states[n % len(states)]
            db.session.add(
                Invitation(
                    event=event,
                    person=person,
                    state=state,
                    sent_at=now,
                    answered_at=now if state != InvitationState.INVITED else None,
                    waiting_since=now if state == InvitationState.WAITING else None,
                )
            )
        db.session.flush()
        token = issue_feed_token(person)
        db.session.commit()
        db.engine.dispose()
    return token


def start_server(port: int, env: dict[str, str], log) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "organiser:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not start; see its log")


def measure(port: int, path: str, requests: int, expect: int, headers: dict[str, str] | None = None) -> dict:
    """Send `requests` requests from CLIENT_THREADS threads; returns requests per second and the body size."""
    share, rest = divmod(requests, CLIENT_THREADS)
    per_thread = [share + (1 if i < rest else 0) for i in range(CLIENT_THREADS)]
    start = threading.Barrier(CLIENT_THREADS + 1)
    errors: list[str] = []
    sizes: list[int] = []

    def client(count: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        start.wait()
        for _ in range(count):
            connection.request("GET", path, headers={"Connection": "keep-alive", **(headers or {})})
            response = connection.getresponse()
            body = response.read()  # http.client reconnects by itself when the server closed the connection
            if response.status != expect:
                errors.append(f"{path}: {response.status}")
            sizes.append(len(body))
        connection.close()

    threads = [threading.Thread(target=client, args=(count,)) for count in per_thread]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise RuntimeError(f"unexpected answers: {errors[:3]}")
    return {"requests": requests, "per_second": requests / elapsed, "bytes": max(sizes)}


def run_server(env: dict[str, str], port: int, log, plan: list[tuple[str, str, int, int, bool]]) -> list:
    """Start gunicorn, warm each worker up, measure every (name, path, requests, status, conditional) in the plan."""
    server = start_server(port, env, log)
    try:
        etags = {}
        for _name, path, _requests, _status, _conditional in plan:
            measure(port, path, CLIENT_THREADS, 200)  # every worker has imported, connected and rendered once
            connection = http.client.HTTPConnection("127.0.0.1", port)
            connection.request("GET", path)
            etags[path] = connection.getresponse().getheader("ETag")
            connection.close()
        return [
            (name, measure(port, path, requests, status, {"If-None-Match": etags[path]} if conditional else None))
            for name, path, requests, status, conditional in plan
        ]
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main() -> None:
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="organiser-bench-") as tmp:
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        url = f"sqlite:///{tmp}/bench.sqlite3"
        secret_key = secrets.token_hex(32)
        token = build_database(url, base_url, secret_key)
        env = {
            **os.environ,
            "ORGANISER_DATABASE_URL": url,
            "ORGANISER_SECRET_KEY": secret_key,
            "ORGANISER_BASE_URL": base_url,
            "FLASK_DEBUG": "0",
        }
        personal, public = f"/calendar/personal/{token}.ics", "/calendar/public.ics"
        with open(Path(tmp) / "gunicorn.log", "w") as log:
            # Every body rendered afresh: what the first fetch after a change costs.
            rendering = run_server(
                {**env, "ORGANISER_FEED_CACHE_BYTES": "0"},
                port,
                log,
                [
                    ("/healthz", "/healthz", 1000, 200, False),
                    ("personal feed, 50 events", personal, 100, 200, False),
                    ("personal feed, 304 (If-None-Match)", personal, 1000, 304, True),
                    ("public feed, 1,000 events", public, 8, 200, False),
                ],
            )
            # As deployed: an unchanged feed's body comes from the per-process cache (by ETag).
            cached = run_server(
                env,
                port,
                log,
                [
                    ("/healthz", "/healthz", 1000, 200, False),
                    ("personal feed, 50 events (cached)", personal, 1000, 200, False),
                    ("public feed, 1,000 events (cached)", public, 100, 200, False),
                ],
            )
    print(
        f"gunicorn -w 2 (sync workers), SQLite, {CLIENT_THREADS} client threads; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs"
    )
    for title, results in (("rendered every time (FEED_CACHE_BYTES=0)", rendering), ("as deployed", cached)):
        baseline = results[0][1]["per_second"]
        print(f"\n{title}")
        print(f"{'endpoint':<38} {'requests':>8} {'req/s':>9} {'ratio':>7} {'body':>10}")
        for name, figures in results:
            print(
                f"{name:<38} {figures['requests']:>8} {figures['per_second']:>9.1f} "
                f"{figures['per_second'] / baseline:>7.3f} {figures['bytes']:>9,}B"
            )
    print(f"\n(run took {time.monotonic() - began:.0f} s)")


if __name__ == "__main__":
    main()
