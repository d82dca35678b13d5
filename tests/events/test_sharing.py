"""Shared work: co-organisers, handing an event over, "mijn" and "alle bijeenkomsten"."""

from __future__ import annotations

import pytest

from organiser.auth.models import Organiser, TrailEntry
from organiser.events.models import Event, EventStatus
from tests.conftest import Client
from tests.events.test_events import event_form


@pytest.fixture
def colleagues(app, create_organiser, create_event):
    anna = create_organiser(email="anna@example.org", name="Anna A")
    bert = create_organiser(email="bert@example.org", name="Bert B")
    published = create_event(title="Bruiscafé van Anna", organiser=anna)
    draft = create_event(title="Concept van Anna", organiser=anna, status=EventStatus.DRAFT)

    def as_(email):
        client = Client(app.test_client())
        client.login(email)
        return client

    return {"anna": anna, "bert": bert, "published": published, "draft": draft, "as": as_}


def test_a_co_organiser_plans_the_event_too(db, colleagues):
    anna, bert, event = (
        colleagues["as"]("anna@example.org"),
        colleagues["as"]("bert@example.org"),
        colleagues["published"],
    )
    assert bert.get(f"/events/{event.id}/edit").status_code == 404
    assert bert.get(f"/events/{event.id}/guests").status_code == 404
    assert "Bert B" in anna.get(f"/events/{event.id}/team").get_data(as_text=True)
    assert anna.post(f"/events/{event.id}/team", {"organiser_id": str(colleagues["bert"].id)}).status_code == 302

    assert "Bruiscafé van Anna" in bert.get("/events").get_data(as_text=True)  # mijn bijeenkomsten
    assert bert.get(f"/events/{event.id}/guests").status_code == 200
    form = event_form(format="bruiscafe", title="Bruiscafé van Anna en Bert")
    assert bert.post(f"/events/{event.id}/edit", form).status_code == 302
    assert db.session.get(Event, event.id).title == "Bruiscafé van Anna en Bert"
    assert db.session.scalar(db.select(TrailEntry).where(TrailEntry.action == "co_organiser_added"))

    anna.post(f"/events/{event.id}/team/{colleagues['bert'].id}/remove")
    assert bert.get(f"/events/{event.id}/edit").status_code == 404


def test_only_those_who_manage_the_event_share_it(db, colleagues, create_organiser):
    create_organiser(email="carla@example.org", name="Carla C")
    bert = colleagues["as"]("bert@example.org")
    event = colleagues["published"]
    assert bert.get(f"/events/{event.id}/team").status_code == 404
    response = bert.post(f"/events/{event.id}/team", {"organiser_id": str(colleagues["bert"].id)})
    assert response.status_code == 404
    assert bert.post(f"/events/{event.id}/hand-over", {"organiser_id": str(colleagues["bert"].id)}).status_code == 404
    assert db.session.get(Event, event.id).co_organisers == []


def test_handing_an_event_over(db, colleagues):
    anna, bert, event = colleagues["as"]("anna@example.org"), colleagues["as"]("bert@example.org"), colleagues["draft"]
    response = anna.post(f"/events/{event.id}/hand-over", {"organiser_id": str(colleagues["bert"].id)})
    assert response.status_code == 302
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert event.organiser_id == colleagues["bert"].id
    assert [co.name for co in event.co_organisers] == ["Anna A"]  # the previous organiser stays on
    assert bert.get(f"/events/{event.id}/edit").status_code == 200
    assert db.session.scalar(db.select(TrailEntry).where(TrailEntry.action == "event_handed_over"))


def test_hand_over_only_to_an_active_organiser(db, colleagues, create_organiser):
    gone = create_organiser(email="weg@example.org", name="Weg W")
    gone.active = False
    db.session.commit()
    anna, event = colleagues["as"]("anna@example.org"), colleagues["published"]
    assert anna.post(f"/events/{event.id}/hand-over", {"organiser_id": str(gone.id)}).status_code == 400
    assert db.session.get(Event, event.id).organiser_id == colleagues["anna"].id


def test_all_events_shows_colleagues_published_events_never_their_drafts(colleagues):
    bert = colleagues["as"]("bert@example.org")
    mine = bert.get("/events").get_data(as_text=True)
    assert "Bruiscafé van Anna" not in mine
    everything = bert.get("/events?alle=1").get_data(as_text=True)
    assert "Bruiscafé van Anna" in everything and "Anna A" in everything
    assert "Concept van Anna" not in everything
    assert "Concept van Anna" in colleagues["as"]("anna@example.org").get("/events?alle=1").get_data(as_text=True)


def test_deactivating_an_account_hands_over_co_organised_events_too(app, db, colleagues, create_organiser):
    admin = create_organiser(email="beheer@example.org", name="Bea", is_admin=True)
    carla = create_organiser(email="carla@example.org", name="Carla C")
    anna = colleagues["as"]("anna@example.org")
    shared = colleagues["published"]
    anna.post(f"/events/{shared.id}/team", {"organiser_id": str(colleagues["bert"].id)})
    beheer = colleagues["as"]("beheer@example.org")
    beheer.post(f"/accounts/{colleagues['bert'].id}/deactivate", {"successor": str(carla.id)})
    db.session.expire_all()
    assert [co.name for co in db.session.get(Event, shared.id).co_organisers] == ["Carla C"]
    assert not db.session.get(Organiser, colleagues["bert"].id).active
    assert admin.active
