"""The open-loop client of the benchmarks: it keeps to the arrival rate, and a slow server shows in the latency
(measured from each request's scheduled moment) instead of slowing the arrivals down."""

from __future__ import annotations

import time

from bench import harness


def test_open_loop_keeps_to_the_arrival_rate():
    result = harness.open_loop([lambda: 200] * 100, rate=200, max_in_flight=4)
    assert 150 <= result.achieved_rate <= 210
    assert result.ms(99) < 50
    assert result.statuses == [200] * 100


def test_a_slow_server_shows_in_the_latency_not_in_fewer_arrivals():
    def slow() -> int:
        time.sleep(0.05)
        return 200

    # 20 a second arriving, one client that takes 50 ms each: it keeps up (latency about 50 ms; the bound leaves
    # room for a busy machine, where a 50 ms sleep was seen to take up to 105 ms) ...
    keeping_up = harness.open_loop([slow] * 10, rate=20, max_in_flight=1)
    assert keeping_up.ms(99) < 250
    # ... 100 a second arriving: the requests queue, and the wait counts (a closed loop would report 50 ms): the
    # 20th waits for the 19 before it, 19 x 50 ms of work against 19 x 10 ms between arrivals, about 810 ms.
    queued = harness.open_loop([slow] * 20, rate=100, max_in_flight=1)
    assert queued.ms(99) > 600
    assert queued.worst_send_lag > 0.6


def test_a_spread_shows_median_and_range():
    assert harness.Spread([3.0, 1.0, 2.0]).show("{:.0f}", " ms") == "2 ms (1–3)"
    assert harness.Ratio([0.5]).show() == "0.50"
    assert harness.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50) == 5
