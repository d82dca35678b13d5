"""Load, CI-sized: many visitors answer at once over both gunicorn instances for an event with few seats, and
many staff poll their personal feeds with conditional requests. Correctness only; timings are in
bench/bench_load.py. What "arrival order" means is in bench/load_support.py."""

from __future__ import annotations

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
    expected = load.expected_promotions(seating, freed=sum(1 + seating.states[a.token][1] for a in cancelling))
    assert expected, "somebody should fit in the seats freed"
    replies = load.answer_all(production.web_urls, [load.Answer(a.index, a.token, "no", 0) for a in cancelling], 3)
    load.check_no_server_errors(replies)
    after = load.read_seating(production_app, event_id, tokens)
    flashes = [load.FLASH.findall(r.confirmation.text) for r in replies]
    assert [after.states[a.token][0] for a in cancelling] == ["no"] * len(cancelling) == ["no"] * 3, flashes
    load.check_seats(after)
    load.check_waiting_list(after)
    assert [token for token in seating.waiting if after.states[token][0] == "yes"] == expected
    assert after.promotions == len(expected)


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
