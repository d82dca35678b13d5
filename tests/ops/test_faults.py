"""Faults on the loopback production set-up: the mail server away during a large send, a worker killed in the
middle of a batch, the database gone for a while during requests. Nothing lost, nothing sent twice (but for the
one message whose conversation was cut, which its Message-ID dedupes), and the app recovers by itself."""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter

import pytest
import sqlalchemy as sa

from bench import load_support as load
from organiser.extensions import db
from organiser.mail.models import OutboxMessage, OutboxStatus
from tests.factories import wait_until

pytestmark = pytest.mark.load

OUTAGE = "Even geen verbinding met de database. Probeer het over een minuut opnieuw."


def outbox(app, event_id: int) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.event_id == event_id)).all()
        db.session.expunge_all()
        db.session.remove()
    return rows


def drained(app) -> bool:
    """Nothing pending in the whole outbox (other tests' mail included)."""
    with app.app_context():
        pending = db.session.scalar(
            db.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
        )
        db.session.remove()
    return pending == 0


def delivered_ids(production, message_ids: set[str]) -> Counter:
    """How often each of these Message-IDs reached the SMTP sink."""
    return Counter(message_id for message_id in production.delivered_message_ids() if message_id in message_ids)


def test_smtp_down_during_a_large_send_delivers_every_mail_exactly_once(production, production_app):
    wait_until(lambda: drained(production_app), 60, "earlier mail sent")
    production.stop_smtp()
    try:
        event_id, _tokens = load.seed_rsvp_event(production_app, invitees=300, capacity=300)
        # The worker tries every one of them while the server is away: each a temporary failure, retried later.
        wait_until(
            lambda: all(m.last_error for m in outbox(production_app, event_id)), 60, "every mail tried and failed"
        )
        rows = outbox(production_app, event_id)
        assert len(rows) == 300 and {m.status for m in rows} == {OutboxStatus.PENDING}
        assert all("Connection refused" in m.last_error for m in rows), {m.last_error for m in rows}
    finally:
        production.start_smtp()
    rows = wait_until(
        lambda: (r := outbox(production_app, event_id)) and all(m.status == OutboxStatus.SENT for m in r) and r,
        90,
        "all 300 sent after the server came back",
        every=0.5,
    )
    ids = {m.message_id for m in rows}
    assert len(ids) == 300
    received = delivered_ids(production, ids)
    assert set(received) == ids and set(received.values()) == {1}  # every one, once


def test_worker_killed_mid_batch_loses_nothing_and_repeats_at_most_the_message_in_flight(production, production_app):
    wait_until(lambda: drained(production_app), 60, "earlier mail sent")
    production.stop_worker()
    production.stop_smtp()
    production.start_smtp(delay=0.3)  # a slow server: 0.3 s between taking a message and saying so
    try:
        event_id, _tokens = load.seed_rsvp_event(production_app, invitees=20, capacity=20)
        ids = {m.message_id for m in outbox(production_app, event_id)}
        production.start_worker()
        # Kill it the moment the third message is stored: the server has it, the worker has not heard so yet.
        wait_until(lambda: sum(delivered_ids(production, ids).values()) >= 3, 30, "three messages delivered", 0.01)
        production.stop_worker(signal.SIGKILL)
        at_kill = {m.message_id: m.status for m in outbox(production_app, event_id)}
        delivered_at_kill = set(delivered_ids(production, ids))
        assert list(at_kill.values()).count(OutboxStatus.SENT) < 20
        # A new worker takes over the dead one's rows once their lease (6 s here) has run out.
        production.start_worker()
        wait_until(
            lambda: all(m.status == OutboxStatus.SENT for m in outbox(production_app, event_id)),
            90,
            "all mail sent by the new worker",
            every=0.5,
        )
    finally:
        production.stop_worker()
        production.stop_smtp()
        production.start_smtp()
        production.start_worker()
    received = delivered_ids(production, ids)
    assert set(received) == ids  # nothing lost
    twice = [message_id for message_id, count in received.items() if count > 1]
    # Only a message the server had taken while the worker died without recording it can come twice; it has the
    # same Message-ID both times, so mail clients show it once.
    assert len(twice) <= 1, twice
    for message_id in twice:
        assert message_id in delivered_at_kill and at_kill[message_id] != OutboxStatus.SENT
        assert received[message_id] == 2


def test_database_gone_during_requests_gives_a_clean_503_and_recovers_by_itself(production, production_app):
    event_id, tokens = load.seed_rsvp_event(production_app, invitees=60, capacity=10, max_plus_ones=0)
    admin = sa.create_engine(production.state.admin_url, isolation_level="AUTOCOMMIT")
    name = production.state.database_name
    answers = [load.Answer(n, token, "yes", 0) for n, token in enumerate(tokens)]
    done = threading.Event()
    outage: dict[str, float] = {}

    def visitors() -> None:
        try:
            load.run_concurrently(
                answers[:45], lambda a: (load.answer_over_http(production.web_urls, a), time.sleep(0.05)), 3
            )
        finally:
            done.set()

    thread = threading.Thread(target=visitors)
    thread.start()
    try:
        wait_until(lambda: sum(a.post is not None for a in answers) >= 10, 60, "ten answers before the outage")
        with admin.connect() as connection:
            # What a restart looks like to the app: every connection cut, and new ones refused for a while.
            outage["start"] = time.monotonic()
            connection.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            connection.execute(
                sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"), {"name": name}
            )
            time.sleep(2)
            connection.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            outage["end"] = time.monotonic()
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
        thread.join(120)
    assert done.is_set()

    replies = [r for a in answers for r in a.replies]
    failed = [r for r in replies if r.status >= 500]
    assert failed, "the outage should have hit some requests"
    for reply in failed:  # a clean page that says what is going on, never a stack trace or a bare 500
        logs = "\n".join(production.log(f"web-{n}")[-4000:] for n in range(1, len(production.web_urls) + 1))
        assert reply.status == 503 and OUTAGE in reply.text and "Traceback" not in reply.text, logs
        assert outage["start"] - 1 <= reply.sent <= outage["end"] + 1
    # Recovered by itself (organiser/pool.py replaces the connections the server closed): everyone after the
    # outage gets through.
    later = load.answer_all(production.web_urls, answers[45:], 3)
    load.check_no_server_errors(later)

    # Nothing half-saved: every answer stored came with its confirmation mail, the seats add up, and every
    # answer the visitor saw confirmed is stored.
    seating = load.read_seating(production_app, event_id, tokens)
    load.check_seats(seating)
    load.check_waiting_list(seating)
    answered = [t for t, (state, _plus) in seating.states.items() if state != "invited"]
    assert seating.confirmations == len(answered)
    confirmed = [a.token for a in answers if a.post is not None and a.post.status in (302, 303)]
    assert set(confirmed) <= set(answered)
    # The worker lived through it too: the confirmations all go out.
    wait_until(
        lambda: all(m.status == OutboxStatus.SENT for m in outbox(production_app, event_id)), 60, "mail sent", 0.5
    )
