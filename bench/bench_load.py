"""Load on the production set-up, on loopback: two gunicorn instances (2 workers x 4 threads each) in front of
one PostgreSQL database, an outbox worker sending to an SMTP sink (deploy.local).

1. /healthz, the baseline: what the servers and this client manage for a trivial request.
2. 200 invitees answer for 10 seats, 32 at a time, each opening their personal page on one server and posting
   the answer (CSRF token from the page) to the other. Checked: no 5xx, no overbooking, waiting list 1..N in
   arrival order, everyone told their true place (see bench/load_support.py).
3. 2,000 staff each poll their personal feed (a token each, from calendar.services.issue_feed_token): once in
   full, then again with If-None-Match (304), 16 at a time, spread over both servers.

Throughput and latency percentiles per kind of request, and throughput as a ratio to /healthz measured by
the same servers in the same run (what to compare between machines).

    .venv/bin/python -m bench.bench_load      (needs PostgreSQL; ORGANISER_TEST_DATABASE_URL or 127.0.0.1:5432)
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time

from bench import load_support as load
from deploy.local import LocalProduction

INVITEES, SEATS, ANSWER_CONCURRENCY = 200, 10, 32
FEED_PEOPLE, FEED_CONCURRENCY = 2000, 16
HEALTH_REQUESTS, HEALTH_CONCURRENCY = 3000, 16


def answer_for(index: int) -> tuple[str, int]:
    """Most say yes (every third with a guest), some maybe, some no."""
    if index % 10 == 9:
        return "no", 0
    if index % 10 == 8:
        return "maybe", 0
    return "yes", 1 if index % 3 == 0 else 0


def main() -> None:
    started = time.monotonic()
    settings = {"ORGANISER_RATE_LIMIT_TOKEN": "100000/minute"}  # every visitor comes from 127.0.0.1
    with tempfile.TemporaryDirectory() as state, LocalProduction(state, env=settings) as stack:
        app = stack.app()
        urls = stack.web_urls
        machine = platform.processor() or platform.machine()
        print(f"machine: {os.cpu_count()} cores, {machine}, Python {sys.version.split()[0]}")
        print(f"stack up in {time.monotonic() - started:.1f} s: {', '.join(urls)}")

        load.hit_many(urls, "/healthz", 200, HEALTH_CONCURRENCY)  # warm up every worker
        health = load.stats("/healthz (baseline)", load.hit_many(urls, "/healthz", HEALTH_REQUESTS, HEALTH_CONCURRENCY))

        event_id, tokens = load.seed_rsvp_event(app, INVITEES, SEATS, max_plus_ones=1)
        answers = [load.Answer(n, token, *answer_for(n)) for n, token in enumerate(tokens)]
        load.answer_all(urls, answers, ANSWER_CONCURRENCY)
        seating = load.read_seating(app, event_id, tokens)
        load.check_no_server_errors(answers)
        load.check_seats(seating)
        load.check_waiting_list(seating)
        load.check_told_places(answers, seating)
        pairs = load.check_arrival_order(answers, seating)
        pages = load.stats("RSVP page (GET)", [a.page for a in answers])
        posts = load.stats(f"RSVP answer (POST), {ANSWER_CONCURRENCY} at a time", [a.post for a in answers])

        seed_started = time.monotonic()
        feed_tokens = load.seed_feed_people(app, FEED_PEOPLE, events=20, invitations_each=2)
        seeded = time.monotonic() - seed_started
        first = load.poll_feeds(urls, feed_tokens, FEED_CONCURRENCY)
        again = load.poll_feeds(urls, feed_tokens, FEED_CONCURRENCY, etags=[r.headers["ETag"] for r in first])
        load.check_feed_polls(first, again)
        full = load.stats(f"personal feed, {FEED_PEOPLE:,} tokens, full", first)
        conditional = load.stats(f"personal feed, {FEED_PEOPLE:,} tokens, 304", again)
        with app.app_context():
            from organiser.extensions import db

            db.engine.dispose()

    print()
    print(f"{'request':<44} {'count':>6} {'throughput':>11}  latency percentiles                      vs /healthz")
    for row in (health, pages, posts, full, conditional):
        print(row.row(health))
    print()
    print(
        f"RSVP: {len(answers)} answers for {SEATS} seats: {seating.seats_taken} seats taken "
        f"(= the yes answers and their guests), {len(seating.waiting)} on the waiting list in order, "
        f"{pairs:,} ordered pairs checked, no 5xx, {seating.confirmations} confirmations queued"
    )
    print(f"feeds: {FEED_PEOPLE:,} tokens issued in {seeded:.1f} s; every first fetch 200, every second 304")
    print(f"whole run {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
