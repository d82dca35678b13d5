"""Answers and feeds on the production set-up on loopback (deploy.local): PostgreSQL, two gunicorn instances
(2 workers x 4 threads each), one outbox worker sending to an SMTP sink, with the benchmark's limits.

1. /healthz of each server (wrk), and the open-loop client against /healthz at the stated arrival rate and at
   ten times it: it reaches the rate, so the latencies below are the server's.
2. Answers to one event: 300 invitees, 10 seats, up to 50 clients at once (open loop at ANSWER_RATE answers a
   second). Each invitee opens their page on one server first (CSRF token and cookie, not timed), then posts the
   answer to the other server at its scheduled moment; latency from that moment to the reply.
3. The same event's answers closed loop (50 clients, each posts as soon as its previous answer was taken): what
   one event takes per second.
4. How long one answer holds the event's row lock: answers one at a time through the app in this process on the
   same database, timing from the statement that locks the event row to the end of the commit, and counting
   the statements inside.
5. Answers spread over 50 events (6 invitees each), open loop at the same rate.
6. Personal feeds of 2,000 staff polled with wrk (a Lua script walks the tokens; with If-None-Match for 304).

Every request made is counted (wrk's and the Python clients'); the seats are checked after the answers.

    .venv/bin/python -m bench.bench_load      (needs PostgreSQL; ORGANISER_TEST_DATABASE_URL or 127.0.0.1:5432)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

from deploy.local import LocalProduction

from . import harness as h
from .load_support import CSRF, FORM_KEY, Visitor, run_concurrently
from .rows import event_row

INVITEES, SEATS, CLIENTS = h.scaled(300, 30), 10, h.scaled(50, 10)
SPREAD_EVENTS, SPREAD_EACH = h.scaled(50, 5), 6
#: The stated arrival rate of the latency rows (answers per second arriving, uniformly spaced).
ANSWER_RATE = float(h.scaled(50, 20))
FEED_PEOPLE, FEED_EVENTS = h.scaled(2000, 50), 20
LOCK_SAMPLES = h.scaled(60, 10)
LUA = Path(__file__).with_name("feeds.lua")


def rsvp_token(secret_key: str, nonce: str) -> str:
    """The personal RSVP token as the app derives it from the invitation's nonce (see the invitations domain)."""
    digest = hmac.new(secret_key.encode(), b"rsvp:" + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def seed(app, secret_key: str, events: int, invitees_each: int, seats: int, tag: str) -> list[tuple[int, list[str]]]:
    """Published events with colleagues invited (invitations sent, tokens issued); [(event id, tokens)]."""
    from organiser.events.models import Event
    from organiser.extensions import db
    from organiser.invitations.models import Invitation
    from organiser.people.models import Department, Person

    now = datetime.now(UTC)
    start = (now + timedelta(days=14)).replace(minute=0, second=0, microsecond=0)
    result = []
    with app.app_context():
        department = db.session.execute(
            sa.insert(Department.__table__).returning(Department.__table__.c.id), [{"name": f"Afdeling {tag}"}]
        ).scalar_one()
        for e in range(events):
            event_id = db.session.execute(
                sa.insert(Event.__table__).returning(Event.__table__.c.id),
                [event_row(f"Netwerkborrel {tag} {e}", start, now=now, capacity=seats)],
            ).scalar_one()
            if not invitees_each:
                result.append((event_id, []))
                continue
            people = db.session.execute(
                sa.insert(Person.__table__).returning(Person.__table__.c.id),
                [
                    {
                        "name": f"Collega {tag} {e}-{n:04d}",
                        "email": f"collega-{tag}-{e}-{n:04d}@gemeente.example",
                        "kind": "staff",
                        "active": True,
                        "department_id": department,
                        "contact_role": "office",
                        "locale": "nl",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n in range(invitees_each)
                ],
            ).scalars()
            tokens, rows = [], []
            for person_id in people:
                nonce = secrets.token_urlsafe(32)
                token = rsvp_token(secret_key, nonce)
                tokens.append(token)
                rows.append(
                    {
                        "event_id": event_id,
                        "person_id": person_id,
                        "state": "invited",
                        "plus_ones": 0,
                        "note": "",
                        "reason": "",
                        "created_at": now,
                        "sent_at": now,
                        "is_guide": False,
                        "token_nonce": nonce,
                        "token_hash": hashlib.sha256(token.encode()).hexdigest(),
                    }
                )
            db.session.execute(sa.insert(Invitation.__table__), rows)
            result.append((event_id, tokens))
        db.session.commit()
        db.session.remove()
    return result


def answer_of(index: int) -> tuple[str, int]:
    if index % 10 == 9:
        return "no", 0
    if index % 10 == 8:
        return "maybe", 0
    return "yes", 1 if index % 3 == 0 else 0


class Answerer:
    """One invitee: opens the page on one server (untimed), later posts the answer to the other."""

    def __init__(self, urls: list[str], index: int, token: str) -> None:
        self.first, self.second = urls[index % len(urls)], urls[(index + 1) % len(urls)]
        self.path = f"/rsvp/{token}"
        self.answer, self.plus_ones = answer_of(index)
        self.visitor = Visitor()
        self.fields: dict[str, str] | None = None

    def open_page(self) -> None:
        page = self.visitor.get(self.first, self.path)
        # The answer form carries the link's own form key; a session CSRF token only where the page has one.
        found, key = CSRF.search(page.text), FORM_KEY.search(page.text)
        assert page.status == 200 and (found or key), (page.status, page.text[:200])
        self.fields = {"answer": self.answer, "plus_ones": str(self.plus_ones), "note": ""}
        self.fields["csrf_token"] = found.group(1) if found else ""
        self.fields["form_key"] = key.group(1) if key else ""

    def post(self) -> int:
        assert self.fields is not None
        try:
            return self.visitor.request(self.second, "POST", self.path, body=urlencode(self.fields).encode()).status
        finally:
            self.visitor.close()


def prepared(urls: list[str], tokens: list[str]) -> list[Answerer]:
    answerers = [Answerer(urls, n, token) for n, token in enumerate(tokens)]
    run_concurrently(answerers, lambda a: a.open_page(), 8)
    return answerers


def check_seats(app, event_ids: list[int]) -> str:
    """No event overbooked, its counter equal to the seats its yes answers hold; every answer taken."""
    from organiser.events.models import Event
    from organiser.extensions import db
    from organiser.invitations.models import Invitation

    with app.app_context():
        for event_id in event_ids:
            event = db.session.get(Event, event_id)
            invitations = db.session.scalars(db.select(Invitation).where(Invitation.event_id == event_id)).all()
            held = sum(1 + i.plus_ones for i in invitations if i.state.value == "yes")
            assert event.seats_taken == held <= event.capacity, (event_id, event.seats_taken, held, event.capacity)
            unanswered = [i.id for i in invitations if i.state.value == "invited"]
            assert not unanswered, f"{len(unanswered)} answers not taken at event {event_id}"
        db.session.remove()
    return "no event overbooked, every seat counter equal to its yes answers, every answer taken"


LOCKING = re.compile(r"^\s*(SELECT\b.*\bFROM event\b.*\bFOR UPDATE|UPDATE event\b)", re.S | re.I)


def lock_hold(app, tokens: list[str]) -> tuple[h.Spread, h.Spread, h.Spread, dict[str, h.Spread]]:
    """Answers one at a time in this process: ms from locking the event row to the end of the commit, statements
    inside the lock, statements per answer, and the holds by what locked the row (a seat taken, the line joined)."""
    from sqlalchemy.orm import Session

    from organiser.extensions import db

    holds, inside, total = h.Spread(), h.Spread(), h.Spread()
    #: The same holds by what locked the row: a seat taken (UPDATE) or the waiting line joined (FOR UPDATE).
    by_kind = {"seat": h.Spread(), "line": h.Spread()}
    state = {"locked_at": None, "inside": 0, "total": 0, "kind": "seat"}

    def on_statement(conn, cursor, statement, *args) -> None:
        state["total"] += 1
        if state["locked_at"] is None and LOCKING.match(statement):
            state["locked_at"] = time.perf_counter()
            state["kind"] = "seat" if statement.lstrip().upper().startswith("UPDATE") else "line"
        if state["locked_at"] is not None:
            state["inside"] += 1

    def on_end(session) -> None:
        if state["locked_at"] is not None:
            held = (time.perf_counter() - state["locked_at"]) * 1000
            holds.add(held)
            by_kind[state["kind"]].add(held)
            inside.add(state["inside"])
            state["locked_at"], state["inside"] = None, 0

    client = app.test_client()
    with app.app_context():
        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", on_statement)
        sa.event.listen(Session, "after_commit", on_end)
        sa.event.listen(Session, "after_rollback", on_end)
        try:
            for n, token in enumerate(tokens):
                answer, plus_ones = answer_of(n)
                state["total"] = 0
                response = client.post(f"/rsvp/{token}", data={"answer": answer, "plus_ones": plus_ones, "note": ""})
                assert response.status_code in (302, 303), response.status_code
                total.add(state["total"])
        finally:
            sa.event.remove(engine, "before_cursor_execute", on_statement)
            sa.event.remove(Session, "after_commit", on_end)
            sa.event.remove(Session, "after_rollback", on_end)
        db.session.remove()
    return holds, inside, total, by_kind


def seed_feeds(app) -> list[str]:
    """FEED_PEOPLE staff, each invited to 2 of FEED_EVENTS events, each with a feed token; returns the tokens."""
    from organiser.calendar.models import FeedToken
    from organiser.extensions import db
    from organiser.invitations.models import Invitation
    from organiser.tokens import hash_token, new_token

    events = seed(app, "unused", FEED_EVENTS, 0, 100, f"feeds-{secrets.token_hex(2)}")
    people = seed(app, "unused", 1, FEED_PEOPLE, 100, f"people-{secrets.token_hex(2)}")  # invited to one event
    now = datetime.now(UTC)
    tokens = []
    with app.app_context():
        person_ids = db.session.scalars(
            db.select(Invitation.person_id).where(Invitation.event_id == people[0][0]).order_by(Invitation.id)
        ).all()
        rows, feed_rows = [], []
        for n, person_id in enumerate(person_ids):
            rows.append(
                {
                    "event_id": events[n % FEED_EVENTS][0],
                    "person_id": person_id,
                    "state": "yes",
                    "plus_ones": 0,
                    "note": "",
                    "reason": "",
                    "created_at": now,
                    "sent_at": now,
                    "answered_at": now,
                    "is_guide": False,
                }
            )
            token = new_token()
            tokens.append(token)
            feed_rows.append({"person_id": person_id, "token_hash": hash_token(token), "created_at": now})
        db.session.execute(sa.insert(Invitation.__table__), rows)
        db.session.execute(sa.insert(FeedToken.__table__), feed_rows)
        db.session.commit()
        db.session.remove()
    return tokens


def latency_row(label: str, result: h.OpenLoopResult) -> list[str]:
    bad = sum(1 for s in result.statuses if s not in (200, 302, 303, 304))
    return [
        label,
        f"{result.rate:g}/s",
        f"{result.achieved_rate:.1f}/s",
        f"{result.ms(50):,.0f} ms",
        f"{result.ms(95):,.0f} ms",
        f"{result.ms(99):,.0f} ms",
        f"{result.scheduled}, {bad} not 2xx/3xx, sent ≤ {result.worst_send_lag * 1000:.0f} ms late (no free client)",
    ]


def main() -> None:
    h.require_wrk()
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory() as state,
        LocalProduction(state, env={**h.BENCH_SETTINGS, "ORGANISER_MAIL_TIMEOUT": "5"}) as stack,
    ):
        urls = stack.web_urls
        secret_key = stack.state.secret_key
        app = stack.app(
            WTF_CSRF_ENABLED=False,
            RATE_LIMIT_TOKEN=h.BENCH_SETTINGS["ORGANISER_RATE_LIMIT_TOKEN"],
            TRUSTED_HOSTS=["localhost", "127.0.0.1"],  # the in-process client asks for "localhost"
            MFA_REQUIRED_FOR="none",
        )
        print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}; stack up in {time.monotonic() - started:.0f} s")
        for url in urls:
            h.wrk(url + "/healthz", seconds=1)
        health = {url: h.wrk(url + "/healthz").per_second for url in urls}

        client = h.KeepAlive()
        duration = h.scaled(6, 2)
        latency_rows = []
        for rate in (ANSWER_RATE, ANSWER_RATE * 10):
            calls = [(lambda url=urls[n % len(urls)]: client.get(url, "/healthz")) for n in range(int(rate * duration))]
            latency_rows.append(latency_row("/healthz (the client's own check)", h.open_loop(calls, rate, CLIENTS)))

        ((one_event, tokens),) = seed(app, secret_key, 1, INVITEES, SEATS, "een")
        answerers = prepared(urls, tokens)
        one = h.open_loop([a.post for a in answerers], ANSWER_RATE, CLIENTS)
        latency_rows.append(latency_row(f"answers to one event ({INVITEES} invitees, {SEATS} seats)", one))

        spread = seed(app, secret_key, SPREAD_EVENTS, SPREAD_EACH, SEATS, "veel")
        spread_tokens = [t for _, tokens in spread for t in tokens]
        answerers = prepared(urls, spread_tokens)
        many = h.open_loop([a.post for a in answerers], ANSWER_RATE, CLIENTS)
        latency_rows.append(latency_row(f"answers spread over {SPREAD_EVENTS} events", many))

        ((closed_event, tokens),) = seed(app, secret_key, 1, INVITEES, SEATS, "dicht")
        answerers = prepared(urls, tokens)
        began = time.perf_counter()
        statuses = run_concurrently(answerers, lambda a: a.post(), CLIENTS)
        closed_rate = len(statuses) / (time.perf_counter() - began)
        assert all(s in (302, 303) for s in statuses), statuses

        ((lock_event, tokens),) = seed(app, secret_key, 1, LOCK_SAMPLES, SEATS, "slot")
        holds, inside, per_answer, by_kind = lock_hold(app, tokens)
        checked = check_seats(app, [one_event, closed_event, lock_event, *(e for e, _ in spread)])

        feed_tokens = seed_feeds(app)
        polls = stack.state_dir / "feeds.tsv"
        lines = []
        fetched = run_concurrently(
            feed_tokens, lambda t: h.get(urls[0], f"/calendar/personal/{t}.ics").headers.get("ETag", ""), 8
        )
        for token, etag in zip(feed_tokens, fetched, strict=True):
            assert etag, "every personal feed has an ETag"
            lines.append(f"/calendar/personal/{token}.ics\t{etag}")
        polls.write_text("\n".join(lines) + "\n")
        feed = {"full": (h.Spread(), h.Ratio()), "304": (h.Spread(), h.Ratio())}
        feed_health = h.Spread()
        for _ in range(h.ROUNDS):
            baseline = h.wrk(urls[0] + "/healthz").per_second
            feed_health.add(baseline)
            for name, conditional in (("full", "0"), ("304", "1")):
                result = h.wrk(
                    urls[0] + "/", script=LUA, script_env={"BENCH_LIST": str(polls), "BENCH_CONDITIONAL": conditional}
                )
                feed[name][0].add(result.per_second)
                feed[name][1].add(result.per_second / baseline)
        with app.app_context():
            from organiser.extensions import db

            db.engine.dispose()

    print(f"\nstated arrival rate {ANSWER_RATE:g} answers/s (uniform), at most {CLIENTS} clients in flight")
    print("\n/healthz (wrk -t 2 -c 8): " + ", ".join(f"{rate:,.0f}/s" for rate in health.values()))
    h.print_table(
        "Open loop: latency from each request's scheduled moment to its reply",
        ["what", "arrival rate", "achieved", "p50", "p95", "p99", "requests"],
        latency_rows,
    )
    h.print_table(
        "One event's answers and its row lock",
        ["what", "figure"],
        [
            [f"answers to one event, {CLIENTS} clients closed loop", f"{closed_rate:.1f} answers/s"],
            [
                "event row lock held per answer (uncontended, in-process)",
                holds.show("{:.1f}", " ms") + " (before: 135 ms, the confirmation rendered inside it)",
            ],
            [
                "  of which a seat taken / the waiting line joined",
                " / ".join(f"{len(by_kind[k].values)}× " + by_kind[k].show("{:.1f}", " ms") for k in ("seat", "line")),
            ],
            [
                "statements inside the lock / per answer",
                f"{inside.median:.0f} of {per_answer.median:.0f} (before: 16 of 18)",
            ],
            ["checked", checked],
        ],
    )
    h.print_table(
        f"Personal feeds of {FEED_PEOPLE:,} staff, wrk walking the tokens (one server), {h.ROUNDS} rounds",
        ["what", "requests/s", "ratio to /healthz"],
        [
            ["/healthz", feed_health.show("{:,.0f}", "/s"), "1"],
            ["personal feed, full", feed["full"][0].show("{:,.0f}", "/s"), feed["full"][1].show()],
            ["personal feed, 304 (If-None-Match)", feed["304"][0].show("{:,.0f}", "/s"), feed["304"][1].show()],
        ],
    )
    print(f"\n{h.show_requests_made()}; whole run {time.monotonic() - started:.0f} s")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
