"""In a real browser: changing an event's start moves its end along (static/js/app.js, under the strict CSP)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_the_end_follows_the_start(live_server, page, a11y, create_organiser):
    create_organiser()
    base = live_server["url"]
    page.goto(f"{base}/login")
    page.get_by_label("E-mailadres").fill("organiser@example.org")
    page.get_by_label("Wachtwoord").fill("correct horse battery")
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{base}/events")

    page.goto(f"{base}/events/new/netwerkborrel")
    start, end = page.get_by_label("Begint op"), page.get_by_label("Eindigt op")
    assert start.input_value().endswith("T17:00") and end.input_value().endswith("T19:00")
    a11y.check()
    # Another day: the end moves along, two hours after the start as before.
    start.fill("2027-06-03T17:00")
    assert end.input_value() == "2027-06-03T19:00"
    start.fill("2027-06-04T17:30")
    assert end.input_value() == "2027-06-04T19:30"
    # A longer borrel, then a new date: the length chosen stays.
    end.fill("2027-06-04T21:00")
    start.fill("2027-06-11T17:30")
    assert end.input_value() == "2027-06-11T21:00"
    # Across midnight and into the night summer time starts: plain wall-clock arithmetic.
    start.fill("2027-03-27T23:00")
    assert end.input_value() == "2027-03-28T02:30"
