"""Demo people and past events: enough colleagues, departments, residents and history for suggestions."""

from __future__ import annotations

from organiser.events.models import Event, EventStatus
from organiser.extensions import utcnow
from organiser.invitations.models import Invitation, InvitationState
from organiser.people.models import ContactRole, Department, Person, PersonKind
from organiser.places.models import Initiative


def count(db, query):
    return db.session.scalar(db.select(db.func.count()).select_from(query.subquery()))


def test_demo_people_and_history(app, db):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    first = {m: count(db, db.select(m)) for m in (Person, Department, Event, Invitation)}
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    assert {m: count(db, db.select(m)) for m in (Person, Department, Event, Invitation)} == first

    staff = db.session.scalars(db.select(Person).where(Person.kind == PersonKind.STAFF)).all()
    office = [p for p in staff if p.contact_role == ContactRole.OFFICE]
    assert len(staff) >= 40 and len({p.department_id for p in staff}) >= 6
    assert len(staff) - len(office) >= 5 and len(office) > len(staff) - len(office)
    assert all(p.email.endswith(".example") for p in db.session.scalars(db.select(Person)))
    for initiative in db.session.scalars(db.select(Initiative)):
        residents = count(db, db.select(Person).where(Person.initiatives.contains(initiative)))
        assert residents >= 1, initiative.name

    now = utcnow()
    past = db.session.scalars(db.select(Event).where(Event.ends_at < now)).all()
    assert 3 <= len(past) <= 4
    assert all(e.status == EventStatus.PUBLISHED for e in past)
    assert len({e.format for e in past}) >= 3
    invitations = db.session.scalars(db.select(Invitation).where(Invitation.event_id.in_([e.id for e in past]))).all()
    assert {i.state for i in invitations} == {InvitationState.YES, InvitationState.NO}
    assert {i.attended for i in invitations} == {True, False, None}
    for event in past:
        yes = sum(1 for i in invitations if i.event_id == event.id and i.state == InvitationState.YES)
        assert event.seats_taken == yes <= event.capacity


def test_suggestions_for_a_demo_event_use_the_history(app, client):
    app.test_cli_runner().invoke(args=["demo-data"])
    client.login("demo@organiser.example", "demo-organiser")
    from organiser.extensions import db

    event_id = db.session.scalar(db.select(Event.id).where(Event.title == "Wijksafari Oosterpark"))
    page = client.get(f"/events/{event_id}/guests/suggestions?aantal=40").get_data(as_text=True)
    assert "40 voorstellen, de beste eerst" in page
    assert "nog nooit deelgenomen" in page and "laatst deelgenomen op" in page
    assert "afdeling Vergunningen nog niet vertegenwoordigd" in page
    page = client.get(f"/events/{event_id}/guests").get_data(as_text=True)
    assert "Bewonersinitiatief Moestuin De Groene Vingers is nog niet vertegenwoordigd." in page
