"""Load, CI-sized: many visitors answer at once over both gunicorn instances for an event with few seats, and
many staff poll their personal feeds with conditional requests. Correctness only; timings are in
bench/bench_load.py. What "arrival order" means is in bench/load_support.py."""

from __future__ import annotations

import contextlib
import select
import socket
from urllib.parse import urlsplit

import pytest

from bench import load_support as load

pytestmark = pytest.mark.load


def answer_for(index: int) -> tuple[str, int]:
    """Most say yes (every third with a guest), some maybe, some no."""
    if index % 10 == 9:
        return "no", 0
    if index % 10 == 8:
        return "maybe", 0
    return "yes", 1 if index % 3 == 0 else 0


def test_many_answers_at_once_never_overbook_and_keep_the_waiting_list_in_order(production, production_app):
    event_id, tokens = load.seed_rsvp_event(production_app, invitees=80, capacity=8, max_plus_ones=1)
    answers = [load.Answer(n, token, *answer_for(n)) for n, token in enumerate(tokens)]
    load.answer_all(production.web_urls, answers, concurrency=16)

    seating = load.read_seating(production_app, event_id, tokens)
    load.check_no_server_errors(answers)
    load.check_seats(seating)
    assert seating.seats_taken >= seating.capacity - 1  # full, but for one seat too few for a pair
    assert len(seating.waiting) >= 50
    load.check_waiting_list(seating)
    load.check_told_places(answers, seating)
    assert load.check_arrival_order(answers, seating) > 100  # enough ordered pairs to mean something
    assert seating.confirmations == len(answers)  # one confirmation per answer taken, none lost or doubled

    # Three seated people cancel at the same moment: the head of the waiting list moves up, in order.
    cancelling = [a for a in answers if seating.states[a.token][0] == "yes"][:3]
    freed_each = [1 + seating.states[a.token][1] for a in cancelling]
    possible = load.possible_promotions(seating, freed_each)
    assert all(possible), "somebody should fit in the seats freed"
    replies = load.answer_all(production.web_urls, [load.Answer(a.index, a.token, "no", 0) for a in cancelling], 3)
    load.check_no_server_errors(replies)
    after = load.read_seating(production_app, event_id, tokens)
    flashes = [load.FLASH.findall(r.confirmation.text) for r in replies]
    assert [after.states[a.token][0] for a in cancelling] == ["no"] * len(cancelling) == ["no"] * 3, flashes
    load.check_seats(after)
    load.check_waiting_list(after)
    promoted = [token for token in seating.waiting if after.states[token][0] == "yes"]
    assert promoted in possible, (promoted, possible)
    assert after.promotions == len(promoted)


def test_answers_one_after_another_are_seated_and_queued_in_that_order(production, production_app):
    event_id, tokens = load.seed_rsvp_event(production_app, invitees=14, capacity=4, max_plus_ones=0)
    answers = load.answer_all(production.web_urls, [load.Answer(n, t, "yes", 0) for n, t in enumerate(tokens)], 1)
    load.check_no_server_errors(answers)
    seating = load.read_seating(production_app, event_id, tokens)
    assert [t for t in tokens if seating.states[t][0] == "yes"] == tokens[:4]
    assert seating.waiting == tokens[4:]
    assert [a.shown_position for a in answers] == [None] * 4 + list(range(1, 11))


def test_many_personal_feeds_polled_with_conditional_requests(production, production_app):
    tokens = load.seed_feed_people(production_app, people=300, events=10)
    first = load.poll_feeds(production.web_urls, tokens, concurrency=8)
    again = load.poll_feeds(production.web_urls, tokens, concurrency=8, etags=[r.headers["ETag"] for r in first])
    load.check_feed_polls(first, again)


def post_early_reply_aware(base: str, path: str, size: int) -> bytes:
    """POST a body of `size` bytes the way curl and nginx do: keep an eye on the socket while sending, and stop
    sending as soon as the server answers (gunicorn answers 413 before it has read the body, then closes)."""
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {size}\r\n\r\n"
        )
        sock.sendall(head.encode())
        chunk, sent = b"x" * 65536, 0
        while sent < size and not select.select([sock], [], [], 0)[0]:
            try:
                sent += sock.send(chunk[: size - sent])
            except (BrokenPipeError, ConnectionResetError):
                break
        reply = b""
        with contextlib.suppress(ConnectionResetError, TimeoutError):
            while data := sock.recv(65536):
                reply += data
    return reply


def test_an_oversized_upload_gets_the_413_page_from_the_real_server(production):
    """Through gunicorn too: a body over MAX_CONTENT_LENGTH gets the Dutch page (a client that keeps sending
    regardless sees the connection closed: DEPLOYMENT.md has the proxy buffer request bodies)."""
    reply = post_early_reply_aware(production.web_urls[0], "/people/import", 5 * 1024 * 1024 + 1)
    assert reply.startswith(b"HTTP/1.1 413")
    assert "Het maximum is 5 MB." in reply.decode("utf-8", "replace")
