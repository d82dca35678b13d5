"""A new route stop starts with a sensible time slot (never one of no length), and a slot that ends at or before
its start is refused with a message that says what to do."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from organiser.events.models import Stop
from tests.factories import route

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def prefilled(page: str, name: str) -> str | None:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    value = re.search(r'value="([^"]*)"', found.group(0)) if found else None
    return value.group(1) if value else None


def safari(create_event, organiser, db, *stops):
    start = datetime(2027, 6, 5, 14, 0, tzinfo=AMSTERDAM)
    event = create_event(format="wijksafari", organiser=organiser, starts_at=start, hours=2)
    event.stops = route(*((start + a, start + b, f"Halte {n}", "Parkweg 1") for n, (a, b) in enumerate(stops)))
    db.session.commit()
    return event


def test_after_the_last_stop_the_new_one_gets_half_an_hour_or_what_is_left(logged_in, organiser, db, create_event):
    event = safari(create_event, organiser, db, (timedelta(0), timedelta(minutes=90)))
    page = logged_in.get(f"/events/{event.id}/stops").get_data(as_text=True)
    assert (prefilled(page, "starts_at"), prefilled(page, "ends_at")) == ("2027-06-05T15:30", "2027-06-05T16:00")


def test_a_route_that_fills_the_event_prefills_no_zero_length_stop_and_says_why(logged_in, organiser, db, create_event):
    event = safari(create_event, organiser, db, (timedelta(0), timedelta(hours=2)))
    page = logged_in.get(f"/events/{event.id}/stops").get_data(as_text=True)
    assert prefilled(page, "starts_at") in (None, "") and prefilled(page, "ends_at") in (None, "")
    assert "De haltes vullen de hele tijd van de bijeenkomst." in page


def test_a_gap_between_stops_is_offered_first(logged_in, organiser, db, create_event):
    event = safari(
        create_event, organiser, db, (timedelta(0), timedelta(minutes=30)), (timedelta(hours=1), timedelta(hours=2))
    )
    page = logged_in.get(f"/events/{event.id}/stops").get_data(as_text=True)
    assert (prefilled(page, "starts_at"), prefilled(page, "ends_at")) == ("2027-06-05T14:30", "2027-06-05T15:00")


def test_an_end_at_the_start_is_refused_with_the_times(logged_in, organiser, db, create_event):
    event = safari(create_event, organiser, db)
    form = {"name": "Moestuin", "address": "Parkweg 12", "initiative_id": "0"}
    response = logged_in.post(
        f"/events/{event.id}/stops", {**form, "starts_at": "2027-06-05T14:30", "ends_at": "2027-06-05T14:30"}
    )
    assert response.status_code == 200
    assert "Het einde van de halte (14:30) moet na het begin (14:30) liggen." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Stop)) == 0
