"""Initiative hosts by personal link: their event, its route and who comes; adding residents of their own
initiative; nothing else (not the directory, not other events)."""

from __future__ import annotations

import re

import pytest

from organiser.auth.models import TrailEntry
from organiser.events.models import EventStatus
from organiser.invitations.models import EventLink, Invitation, InvitationState
from organiser.mail.models import OutboxMessage
from organiser.people.models import Person, PersonKind


@pytest.fixture
def hosted(db, create_event, create_initiative, create_person, invite, organiser):
    moestuin = create_initiative("Moestuin De Groene Vingers")
    koor = create_initiative("Havenkoor", neighbourhood=moestuin.neighbourhood)
    event = create_event(title="Wijksafari Oosterpark", organiser=organiser, hosts=[moestuin, koor])
    other = create_event(title="Ander plan", organiser=organiser, status=EventStatus.DRAFT)
    invite(event, create_person("Vera Vergunning"), InvitationState.YES)
    invite(event, create_person("Nog Geen Antwoord"), InvitationState.INVITED)
    invite(other, create_person("Geheime Gast"), InvitationState.YES)
    return {"event": event, "other": other, "moestuin": moestuin, "koor": koor}


def make_host_link(logged_in, event, initiative, email="henk@moestuin.example") -> str:
    made = logged_in.post(
        f"/events/{event.id}/links", {"name": "Henk Host", "email": email, "initiative_id": str(initiative.id)}
    )
    assert made.status_code == 303  # Post/Redirect/Get: a refresh does not make a second link
    page = logged_in.get(made.headers["Location"]).get_data(as_text=True)
    return re.search(r"http://organiser\.test(/host/[A-Za-z0-9_-]+)", page).group(1)


def test_host_sees_their_event_route_and_who_comes_and_nothing_else(logged_in, client, db, hosted):
    path = make_host_link(logged_in, hosted["event"], hosted["moestuin"])
    stored = db.session.scalar(db.select(EventLink))
    assert path.rsplit("/", 1)[1] not in stored.token_hash
    mail = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.to_address == "henk@moestuin.example"))
    assert path in mail.text_body

    host = type(client)(client.raw.application.test_client())
    response = host.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Wijksafari Oosterpark" in page and "Vera Vergunning" in page
    assert "Nog Geen Antwoord" not in page and "Geheime Gast" not in page and "Ander plan" not in page
    # Nothing else opens with the link: no organiser pages, no directory.
    for other in ("/events", "/people", f"/events/{hosted['event'].id}/guests", f"/events/{hosted['other'].id}"):
        assert host.get(other).status_code in (302, 404)


def test_host_adds_a_resident_of_their_own_initiative(logged_in, client, db, hosted, create_person):
    path = make_host_link(logged_in, hosted["event"], hosted["moestuin"])
    host = type(client)(client.raw.application.test_client())
    response = host.post(path, {"name": "Rita Tuin", "email": "rita@example.org"})
    assert response.status_code == 302
    rita = db.session.scalar(db.select(Person).where(Person.email == "rita@example.org"))
    assert rita.kind == PersonKind.RESIDENT and [i.name for i in rita.initiatives] == ["Moestuin De Groene Vingers"]
    invitation = db.session.scalar(db.select(Invitation).where(Invitation.person_id == rita.id))
    assert invitation.event_id == hosted["event"].id and invitation.state == InvitationState.LISTED
    assert "Rita Tuin" in host.get(path).get_data(as_text=True)
    assert db.session.scalar(db.select(TrailEntry).where(TrailEntry.action == "host_added_resident"))

    # A colleague's address, or a resident of another initiative, cannot be added (and nothing is revealed).
    colleague = create_person("Vera Collega", email="vera@gemeente.example")
    other_resident = create_person(
        "Karel Koor", email="karel@example.org", kind=PersonKind.RESIDENT, initiatives=[hosted["koor"]]
    )
    for person in (colleague, other_resident):
        response = host.post(path, {"name": "x", "email": person.email})
        assert response.status_code == 400 and "Vraag de organisator" in response.get_data(as_text=True)
        assert (
            db.session.scalar(
                db.select(Invitation).where(
                    Invitation.person_id == person.id, Invitation.event_id == hosted["event"].id
                )
            )
            is None
        )


def test_revoked_and_unknown_links_look_the_same(logged_in, client, db, hosted):
    path = make_host_link(logged_in, hosted["event"], hosted["moestuin"])
    link = db.session.scalar(db.select(EventLink))
    assert logged_in.post(f"/events/{hosted['event'].id}/links/{link.id}/revoke").status_code == 302
    assert client.get(path).status_code == 404
    assert client.get("/host/" + "x" * 43).status_code == 404


def test_only_the_events_organisers_hand_out_links(client, db, hosted, create_organiser):
    create_organiser(email="ander@example.org", name="Ander")
    client.login("ander@example.org")
    event = hosted["event"]
    assert client.get(f"/events/{event.id}/links").status_code in (403, 404)
    response = client.post(f"/events/{event.id}/links", {"name": "X", "initiative_id": str(hosted["moestuin"].id)})
    assert response.status_code in (403, 404)
    assert db.session.scalar(db.select(db.func.count()).select_from(EventLink)) == 0


def test_a_host_link_needs_one_of_the_events_host_initiatives(logged_in, db, hosted, create_initiative):
    elsewhere = create_initiative("Taalcafé Rijnbuurt", neighbourhood=hosted["moestuin"].neighbourhood)
    response = logged_in.post(f"/events/{hosted['event'].id}/links", {"name": "X", "initiative_id": str(elsewhere.id)})
    assert response.status_code == 200 and "Ongeldige keuze" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(EventLink)) == 0


def test_the_host_link_mail_is_in_the_hosts_language(logged_in, db, hosted, create_person):
    """Like every mail to a person, the host link goes out in their language (it was always Dutch)."""
    create_person("Harry Host", email="harry@moestuin.example", locale="en")
    make_host_link(logged_in, hosted["event"], hosted["moestuin"], email="harry@moestuin.example")
    make_host_link(logged_in, hosted["event"], hosted["moestuin"], email="henk@moestuin.example")
    english, dutch = (
        db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.to_address == address))
        for address in ("harry@moestuin.example", "henk@moestuin.example")
    )
    assert english.subject.startswith("Your link for") and dutch.subject.startswith("Uw link voor")
    assert "/host/" in english.text_body and "/host/" in dutch.text_body
