"""The event form's defaults per format, and actions that must not pretend to work on a cancelled event."""

from __future__ import annotations

import re
from datetime import date, time

import pytest

from organiser.events.models import FORMATS, Event, EventStatus, Stop
from tests.conftest import local
from tests.events.test_events import event_form

USUAL = {
    "wijksafari": "13:30",
    "speurtocht": "14:00",
    "bruiscafe": "15:30",
    "netwerkborrel": "17:00",
    "broedplaats": "10:00",
}


def prefilled(page: str, name: str) -> str:
    return re.search(rf'name="{name}"[^>]*value="([^"]*)"', page).group(1)


@pytest.mark.parametrize("code", sorted(FORMATS))
def test_each_format_prefills_its_usual_time_and_length(logged_in, code):
    page = logged_in.get(f"/events/new/{code}").get_data(as_text=True)
    start, end = prefilled(page, "starts_at"), prefilled(page, "ends_at")
    assert start.endswith(f"T{USUAL[code]}"), start
    info = FORMATS[code]
    from datetime import datetime

    assert datetime.fromisoformat(end) - datetime.fromisoformat(start) == info.duration
    if info.on_workdays:
        assert datetime.fromisoformat(start).weekday() < 5


def test_a_netwerkborrel_is_after_work_on_a_working_day():
    borrel = FORMATS["netwerkborrel"]
    assert borrel.usual_start >= time(16, 30) and borrel.on_workdays
    # Two weeks after a Thursday is a Thursday; after a Saturday, the Monday after.
    assert borrel.suggested_start(date(2027, 1, 7)).isoformat() == "2027-01-21T17:00:00"
    assert borrel.suggested_start(date(2027, 1, 9)).isoformat() == "2027-01-25T17:00:00"
    assert FORMATS["wijksafari"].suggested_start(date(2027, 1, 9)).isoformat() == "2027-01-23T13:30:00"


def test_the_start_field_tells_the_script_which_end_to_move(logged_in, create_event, organiser):
    page = logged_in.get("/events/new/bruiscafe").get_data(as_text=True)
    assert re.search(r'<input[^>]*data-end-field="ends_at"[^>]*name="starts_at"', page)
    event = create_event(format="wijksafari", organiser=organiser)
    page = logged_in.get(f"/events/{event.id}/stops").get_data(as_text=True)
    assert re.search(r'<input[^>]*data-end-field="ends_at"[^>]*name="starts_at"', page)
    assert "<script>" not in page  # no inline script (CSP): static/js/app.js does it


def test_publishing_a_cancelled_event_is_refused_clearly(logged_in, db):
    logged_in.post("/events/new/bruiscafe", event_form(format="bruiscafe"))
    event = db.session.scalar(db.select(Event))
    assert logged_in.post(f"/events/{event.id}/cancel", {"reason": ""}).status_code == 302
    response = logged_in.post(f"/events/{event.id}/publish", {})
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "staat nu in de agenda" not in page
    assert "Een afgelaste bijeenkomst kan niet opnieuw worden gepubliceerd; hij blijft afgelast." in page
    db.session.refresh(event)
    assert event.status == EventStatus.CANCELLED and event.published_at is None


def test_publishing_twice_and_cancelling_twice_say_what_happened(logged_in, db):
    logged_in.post("/events/new/bruiscafe", event_form(format="bruiscafe"))
    event = db.session.scalar(db.select(Event))
    logged_in.get(logged_in.post(f"/events/{event.id}/publish", {}).headers["Location"])
    db.session.refresh(event)
    published_at, sequence = event.published_at, event.sequence
    page = logged_in.get(logged_in.post(f"/events/{event.id}/publish", {}).headers["Location"]).get_data(as_text=True)
    assert "De bijeenkomst stond al in de agenda." in page and "staat nu in de agenda" not in page
    db.session.refresh(event)
    assert event.published_at == published_at
    logged_in.get(logged_in.post(f"/events/{event.id}/cancel", {"reason": ""}).headers["Location"])
    page = logged_in.get(logged_in.post(f"/events/{event.id}/cancel", {"reason": ""}).headers["Location"]).get_data(
        as_text=True
    )
    assert "De bijeenkomst was al afgelast." in page
    db.session.refresh(event)
    assert event.sequence == sequence + 1


def test_the_route_of_a_cancelled_event_cannot_change(logged_in, db):
    logged_in.post("/events/new/wijksafari", event_form())
    event = db.session.scalar(db.select(Event))
    stop_data = {
        "name": "Moestuin",
        "address": "Parkweg 12",
        "starts_at": "2030-06-15T13:00",
        "ends_at": "2030-06-15T13:30",
        "initiative_id": "0",
    }
    logged_in.post(f"/events/{event.id}/stops", stop_data)
    logged_in.post(
        f"/events/{event.id}/stops",
        {**stop_data, "name": "Buurtkamer", "starts_at": "2030-06-15T14:00", "ends_at": "2030-06-15T14:30"},
    )
    logged_in.post(f"/events/{event.id}/cancel", {"reason": ""})
    stops = db.session.scalars(db.select(Stop).order_by(Stop.position)).all()
    before = [(s.id, s.position, s.name, s.starts_at) for s in stops]
    message = "Deze bijeenkomst is afgelast; de route kan niet meer worden gewijzigd."
    for url, data in (
        (
            f"/events/{event.id}/stops",
            {**stop_data, "name": "Nieuw", "starts_at": "2030-06-15T15:00", "ends_at": "2030-06-15T15:30"},
        ),
        (f"/events/{event.id}/stops/{stops[0].id}/edit", {**stop_data, "name": "Anders"}),
        (f"/events/{event.id}/stops/{stops[0].id}/delete", {}),
        (f"/events/{event.id}/stops/{stops[0].id}/move", {"direction": "down"}),
    ):
        response = logged_in.post(url, data)
        assert response.status_code == 302, url
        assert message in logged_in.get(response.headers["Location"]).get_data(as_text=True), url
    after = [
        (s.id, s.position, s.name, s.starts_at) for s in db.session.scalars(db.select(Stop).order_by(Stop.position))
    ]
    assert after == before
    assert stops[0].starts_at == local(2030, 6, 15, 13, 0)
