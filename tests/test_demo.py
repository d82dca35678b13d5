"""Demo data: every format, a wijksafari with a route, loaded once however often it runs."""

from __future__ import annotations

from organiser.events.models import Event, EventStatus, Series
from organiser.places.models import Initiative, Neighbourhood


def count(db, model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_demo_data_is_complete_and_idempotent(app, db):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    first = {m: count(db, m) for m in (Event, Initiative, Neighbourhood, Series)}
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    assert {m: count(db, m) for m in (Event, Initiative, Neighbourhood, Series)} == first
    assert first[Initiative] >= 8 and first[Neighbourhood] >= 4
    events = db.session.scalars(db.select(Event)).all()
    assert {e.format for e in events} >= {"wijksafari", "speurtocht", "bruiscafe", "netwerkborrel", "broedplaats"}
    assert any(e.format == "wijksafari" and len(e.stops) >= 3 for e in events)
    (series,) = db.session.scalars(db.select(Series)).all()  # one small series, its dates published
    assert len(series.events) == 3 and all(e.status == EventStatus.PUBLISHED for e in series.events)


def test_demo_login_works(app, client):
    app.test_cli_runner().invoke(args=["demo-data"])
    client.login("demo@organiser.example", "demo-organiser")
    assert "Wijksafari Oosterpark" in client.get("/events").get_data(as_text=True)
