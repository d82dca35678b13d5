"""Calendar feeds under gunicorn, on SQLite and PostgreSQL: throughput (wrk) as a ratio to /healthz of the same
server in the same round, rounds alternated and repeated (median and min–max).

The database: 1,000 published events, one person with 50 invitations (BENCH_SHORT: 60 and 10). Three servers,
each `gunicorn -w 2` (sync workers) with the benchmark's limits (harness.BENCH_SETTINGS; the token limit of
30 a minute would answer 429 here, as every request comes from 127.0.0.1 with the same token):

- "after a change": organiser with FEED_CACHE_BYTES=0, so that every request makes the feed again, as the
  first request after any change to its events does: from its stored entries (each event's VEVENT, made once
  per event version), kept in the database and in the process; and a server with FEED_ENTRY_CACHE_BYTES=0
  too, which reads every entry from the database, as a server that never showed them does;
- "unchanged": organiser as deployed (the rendered body kept per process by ETag), also with If-None-Match (304);
  on PostgreSQL each worker keeps the feed's validator row while the database tells of no change
  (calendar/told.py), so these requests make no round trip (the servers "after a change" keep it too: the real
  first request after a change reads it, one statement more than they measure);
- the reference (bench/reference_app.py): the same feeds built naively with icalendar objects, and the very
  bytes organiser served, from memory (the limit).

    .venv/bin/python -m bench.bench_feeds
"""

from __future__ import annotations

import os
import platform
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from . import harness as h

EVENTS = h.scaled(1000, 60)
INVITATIONS = h.scaled(50, 10)
BASE_URL = "http://organiser.bench"


def build_database(url: str, base_url: str, secret_key: str) -> str:
    """Migrate and fill the database; returns the person's feed token."""
    from flask_migrate import upgrade

    from organiser import create_app
    from organiser.calendar.models import FeedToken
    from organiser.events.models import Event, EventStatus, Owner, Stop
    from organiser.extensions import db, utcnow
    from organiser.invitations.links import issue_rsvp_token
    from organiser.invitations.models import Invitation, InvitationState
    from organiser.people.models import ContactRole, Person, PersonKind
    from organiser.places.models import Initiative, Neighbourhood
    from organiser.tokens import hash_token, new_token

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
            invitation = Invitation(
                event=event,
                person=person,
                state=state,
                sent_at=now,
                answered_at=now if state != InvitationState.INVITED else None,
                waiting_since=now if state == InvitationState.WAITING else None,
            )
            db.session.add(invitation)
            issue_rsvp_token(invitation)  # a sent invitation has its personal link, which the feed's entry carries
        db.session.flush()
        token = new_token()  # as calendar.services.issue_feed_token stores it
        db.session.add(FeedToken(person_id=person.id, token_hash=hash_token(token), created_at=now))
        db.session.commit()
        db.engine.dispose()
    return token


def measure_database(label: str, url: str, tmp: Path) -> list[list[str]]:
    secret_key = secrets.token_hex(32)
    token = build_database(url, BASE_URL, secret_key)
    env = h.server_env(url, secret_key, BASE_URL)
    personal, public = f"/calendar/personal/{token}.ics", "/calendar/public.ics"
    memory = tmp / f"memory-{label}"
    memory.mkdir()
    log = tmp / f"gunicorn-{label}.log"
    with (
        h.Gunicorn("organiser:create_app()", {**env, "ORGANISER_FEED_CACHE_BYTES": "0"}, log) as changed,
        h.Gunicorn("organiser:create_app()", env, log) as deployed,
        h.Gunicorn(
            "organiser:create_app()",
            {**env, "ORGANISER_FEED_CACHE_BYTES": "0", "ORGANISER_FEED_ENTRY_CACHE_BYTES": "0"},
            log,
        ) as from_database,
    ):
        bodies, etags = {}, {}
        for name, path in (("public", public), ("personal", personal)):
            reply = h.get(deployed.url, path)
            assert reply.status == 200, (path, reply.status, reply.body[:200])
            bodies[name], etags[name] = reply.body, reply.headers["ETag"]
            (memory / name).write_bytes(reply.body)
        reference_env = {**env, "BENCH_DATABASE_URL": url, "BENCH_MEMORY_DIR": str(memory)}
        with h.Gunicorn("bench.reference_app:create()", reference_env, log) as reference:
            limit_etags = {name: h.get(reference.url, f"/memory/{name}").headers["ETag"] for name in bodies}
            slow = h.scaled(3, 1)  # requests per client (2 clients) where one request takes seconds (public feed)
            # (row, server, path, headers, slow: requests per client, wrk connections)
            plan = [
                (f"public feed, {EVENTS:,} events, after a change", changed, public, None, None, 4),
                ("public feed, after a change, entries from the database", from_database, public, None, None, 8),
                ("public feed, unchanged (cached by ETag)", deployed, public, None, None, 8),
                ("public feed, built naively (icalendar objects)", reference, "/naive/public.ics", None, slow, 4),
                ("public feed, same bytes from memory (limit)", reference, "/memory/public", None, None, 8),
                (f"personal feed, {INVITATIONS} events, after a change", changed, personal, None, None, 8),
                ("personal feed, after a change, entries from the database", from_database, personal, None, None, 8),
                ("personal feed, unchanged (cached by ETag)", deployed, personal, None, None, 8),
                (
                    "personal feed, 304 (If-None-Match)",
                    deployed,
                    personal,
                    {"If-None-Match": etags["personal"]},
                    None,
                    8,
                ),
                ("personal feed, built naively", reference, f"/naive/personal/{token}.ics", None, None, 8),
                ("personal feed, same bytes from memory (limit)", reference, "/memory/personal", None, None, 8),
                (
                    "personal feed, 304 from memory (limit)",
                    reference,
                    "/memory/personal",
                    {"If-None-Match": limit_etags["personal"]},
                    None,
                    8,
                ),
            ]
            servers = {
                "after a change": changed,
                "entries from the database": from_database,
                "unchanged": deployed,
                "reference": reference,
            }
            for server in servers.values():  # every worker imported, connected and rendered once
                h.wrk(server.url + "/healthz", seconds=1)
            row_sizes = {}
            for row, server, path, headers, _slow, _connections in plan:
                h.get(server.url, path, headers)
                row_sizes[row] = len(h.get(server.url, path, headers).body)
            ratios = {row[0]: h.Ratio() for row in plan}
            rates = {row[0]: h.Spread() for row in plan}
            health = {name: h.Spread() for name in servers}
            for round_number in range(h.ROUNDS):
                baseline = {}
                order = list(servers.items())
                if round_number % 2:
                    order.reverse()  # alternate which server goes first
                for name, server in order:
                    baseline[name] = h.wrk(server.url + "/healthz").per_second
                    health[name].add(baseline[name])
                    for row, row_server, path, headers, slow_requests, connections in plan:
                        if row_server is not server:
                            continue
                        if slow_requests:
                            rate = h.slow_rate(server.url, path, slow_requests)
                        else:
                            rate = h.wrk(server.url + path, connections=connections, headers=headers).per_second
                        rates[row].add(rate)
                        ratios[row].add(rate / baseline[name])
    rows = []
    for name in servers:
        rows.append([f"/healthz of the {name} server", label, "16 B", health[name].show("{:,.0f}", "/s"), "1"])
    for row, *_rest in plan:
        rows.append([row, label, f"{row_sizes[row]:,} B", rates[row].show("{:,.1f}", "/s"), ratios[row].show()])
    public_ratio = ratios[plan[0][0]].median
    naive_ratio = ratios["public feed, built naively (icalendar objects)"].median
    rows.append(
        [
            "public feed after a change ÷ built naively",
            label,
            "",
            "",
            f"{public_ratio / naive_ratio:.2f}× (target ≥ 10×)" if naive_ratio else "–",
        ]
    )
    return rows


def main() -> None:
    h.require_wrk()
    began = time.monotonic()
    rows = []
    with tempfile.TemporaryDirectory(prefix="organiser-bench-") as tmp:
        # BENCH_SHORT: PostgreSQL here, SQLite in bench_pages (both kept working, CI stays short).
        for label, url in h.Databases(Path(tmp), sqlite=not h.SHORT):
            rows += measure_database(label, url, Path(tmp))
    print(
        f"gunicorn -w 2 (sync workers) per server; wrk -t 2 -c 8 (naive public feeds: 2 Python clients, "
        f"{h.scaled(3, 1)} requests each), "
        f"{h.WRK_SECONDS:g} s per measurement, {h.ROUNDS} rounds; Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; {EVENTS} events, {INVITATIONS} invitations"
    )
    h.print_table(
        "Feeds: throughput and ratio to /healthz of the same server in the same round, median (min–max)",
        ["what", "database", "body", "requests/s", "ratio to /healthz"],
        rows,
    )
    print(f"\n{h.show_requests_made()}; run took {time.monotonic() - began:.0f} s")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
