"""Deleting a draft that never sent anything (issue 17): test drafts need not stay listed forever; once anything
of it was sent (an invitation, a mail) or it was published, it is refused with a clear message."""

from __future__ import annotations

from organiser.auth.models import TrailEntry
from organiser.events.models import Event, EventStatus, Series, Stop
from organiser.invitations.models import EventLink, Invitation
from organiser.mail.models import OutboxMessage
from organiser.teams.models import Team
from tests.conftest import Client, local
from tests.factories import route


def count(db, model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def test_a_draft_that_sent_nothing_is_deleted_with_its_route_guests_teams_and_links(
    db, logged_in, organiser, create_event, invite
):
    draft = create_event(
        title="Testje",
        format="wijksafari",
        organiser=organiser,
        status=EventStatus.DRAFT,
        starts_at=local(2030, 5, 1, 13),
        stops=route((local(2030, 5, 1, 13), local(2030, 5, 1, 14), "De moestuin", "Parkweg 12")),
    )
    listed = invite(draft, "Anna", "listed")
    team = Team(event_id=draft.id, number=1, name="Team 1")
    db.session.add(team)
    db.session.flush()
    listed.team_id = team.id
    db.session.commit()
    logged_in.post(f"/events/{draft.id}/links", {"name": "Hulp op de dag", "email": ""})  # a link, not mailed
    assert count(db, EventLink) == 1
    other = create_event(title="Blijft", organiser=organiser, status=EventStatus.DRAFT)
    draft_id, other_id = draft.id, other.id

    detail = logged_in.get(f"/events/{draft.id}").get_data(as_text=True)
    assert "Concept verwijderen" in detail
    page = logged_in.get(f"/events/{draft.id}/delete").get_data(as_text=True)
    assert "Er is nog niets van dit concept verstuurd." in page
    response = logged_in.post(f"/events/{draft_id}/delete")
    assert response.status_code == 302 and response.headers["Location"] == "/events"
    assert "Het concept „Testje” is verwijderd." in logged_in.get("/events").get_data(as_text=True)
    db.session.expunge_all()
    assert db.session.get(Event, draft_id) is None and db.session.get(Event, other_id) is not None
    assert count(db, Stop) == 0
    assert count(db, Invitation) == 0
    assert count(db, Team) == 0
    assert count(db, EventLink) == 0
    assert "Testje" not in logged_in.get("/events").get_data(as_text=True)
    assert db.session.scalar(db.select(TrailEntry).where(TrailEntry.action == "event_deleted")).summary == "Testje"


def test_a_draft_whose_invitations_were_sent_is_not_deleted(db, logged_in, organiser, create_event, invite):
    # Sending refuses drafts today; should a draft ever hold sent invitations, their links must keep working.
    draft = create_event(title="Verstuurd", organiser=organiser, status=EventStatus.DRAFT)
    invite(draft, "Anna", "invited")
    invite(draft, "Bert", "invited")
    page = logged_in.get(f"/events/{draft.id}/delete").get_data(as_text=True)
    assert "Deze bijeenkomst kan niet worden verwijderd." in page
    assert "Er zijn al 2 uitnodigingen verstuurd." in page
    assert "Ja, verwijderen" not in page
    response = logged_in.post(f"/events/{draft.id}/delete")
    assert response.status_code == 400
    assert "Er zijn al 2 uitnodigingen verstuurd." in response.get_data(as_text=True)
    assert db.session.get(Event, draft.id) is not None and count(db, Invitation) == 2


def test_a_draft_with_mail_sent_about_it_is_not_deleted(db, logged_in, organiser, create_event, create_initiative):
    draft = create_event(title="Met host", organiser=organiser, status=EventStatus.DRAFT)
    moestuin = create_initiative("Moestuin")
    draft.hosts = [moestuin]
    db.session.commit()
    logged_in.post(
        f"/events/{draft.id}/links",
        {"name": "Henk", "email": "henk@moestuin.example", "initiative_id": str(moestuin.id)},
    )
    assert count(db, OutboxMessage, OutboxMessage.event_id == draft.id) == 1
    response = logged_in.post(f"/events/{draft.id}/delete")
    assert response.status_code == 400
    assert "Er is al mail over deze bijeenkomst verstuurd of klaar gezet." in response.get_data(as_text=True)
    assert db.session.get(Event, draft.id) is not None


def test_a_published_event_is_cancelled_not_deleted(db, logged_in, organiser, create_event):
    published = create_event(title="Openbaar", organiser=organiser)
    assert "Concept verwijderen" not in logged_in.get(f"/events/{published.id}").get_data(as_text=True)
    response = logged_in.post(f"/events/{published.id}/delete")
    assert response.status_code == 400
    assert "Alleen een concept kan worden verwijderd." in response.get_data(as_text=True)
    assert db.session.get(Event, published.id) is not None


def test_a_draft_occurrence_leaves_its_series_and_the_last_one_takes_the_series_along(
    db, logged_in, organiser, create_event
):
    source = create_event(title="Proef", organiser=organiser, status=EventStatus.DRAFT, starts_at=local(2030, 1, 8, 16))
    logged_in.post(f"/events/{source.id}/series/new", {"frequency": "weekly", "end": "count", "count": "2"})
    first, second = db.session.scalars(db.select(Event).order_by(Event.starts_at)).all()
    series_id = first.series.id
    response = logged_in.post(f"/events/{second.id}/delete")
    assert response.headers["Location"] == f"/series/{series_id}"
    assert [e.id for e in db.session.get(Series, series_id).events] == [first.id]
    assert logged_in.post(f"/events/{first.id}/delete").headers["Location"] == "/events"
    assert count(db, Series) == 0 and count(db, Event) == 0


def test_only_who_may_change_the_event_may_delete_it(app, db, create_organiser, create_event):
    anna = create_organiser(email="anna@example.org", name="Anna A")
    create_organiser()
    draft = create_event(title="Concept van Anna", organiser=anna, status=EventStatus.DRAFT)
    olga = Client(app.test_client())
    olga.login("organiser@example.org")
    assert olga.get(f"/events/{draft.id}/delete").status_code == 404
    assert olga.post(f"/events/{draft.id}/delete").status_code == 404
    assert db.session.get(Event, draft.id) is not None
