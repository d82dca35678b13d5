"""The invitee's rights through their personal link: everything stored is shown and can be downloaded, and they can
have it erased as the organiser's delete does, with their places released and the organisers told (issue 15)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from organiser.calendar.links import issue_feed_token
from organiser.calendar.models import FeedToken
from organiser.events.models import Event
from organiser.invitations import links, sending
from organiser.invitations.models import Invitation, InvitationState
from organiser.mail.models import OutboxMessage
from organiser.people.models import Person, PersonKind


@pytest.fixture
def guest(db, organiser, create_event, create_person, create_initiative, invite):
    """A colleague invited to two events of the organiser (invitation mails queued), and one RSVP token."""
    person = create_person(name="Fatima El Amrani", email="fatima@gemeente.example")
    soon = create_event(title="Wijksafari Oost", organiser=organiser, capacity=2, max_plus_ones=1)
    later = create_event(title="Bruiscafé West", organiser=organiser, starts_at=soon.starts_at + timedelta(days=7))
    for event in (soon, later):
        db.session.add(Invitation(event=event, person=person, reason="Kantoor, nog nooit geweest"))
    db.session.flush()
    sending.send_invitations(soon)
    sending.send_invitations(later)
    db.session.commit()
    invitation = db.session.scalar(db.select(Invitation).where(Invitation.event_id == soon.id))
    return person, soon, later, links.rsvp_token(invitation)


def answer(client, token, value, plus_ones=0, note=""):
    return client.post(f"/rsvp/{token}", {"answer": value, "plus_ones": str(plus_ones), "note": note})


def main(page: str) -> str:
    return page.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def test_the_page_shows_every_stored_field_every_invitation_and_the_mails(client, db, guest):
    person, soon, later, token = guest
    answer(client, token, "yes", plus_ones=1, note="Glutenvrij")
    issue_feed_token(db.session.get(Person, person.id))
    db.session.commit()
    response = client.get(f"/rsvp/{token}/data")
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Referrer-Policy"] == "no-referrer"
    page = main(response.get_data(as_text=True))
    for shown in (
        "Fatima El Amrani",
        "fatima@gemeente.example",
        "Collega",
        "Vergunningen",
        "Vooral op kantoor",  # the contact role (the old page left it out)
        "Taal voor e-mail",
        "Wijksafari Oost",
        "Bruiscafé West",  # every invitation, not only the one of this link
        "Glutenvrij",
        "Kantoor, nog nooit geweest",
        "Uitnodiging: ",  # the mails sent
        "Bevestiging: ",
        "Agendalink gemaakt op",
        'data-setting="RETENTION_NOTES_DAYS"',  # how long, from the same settings as the purge
    ):
        assert shown in page, shown


def test_the_download_holds_the_same(client, db, guest):
    person, soon, later, token = guest
    answer(client, token, "yes", plus_ones=1, note="Glutenvrij")
    response = client.get(f"/rsvp/{token}/data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["person"]["name"] == "Fatima El Amrani" and data["person"]["contact_role"] == "office"
    assert data["person"]["department"] == "Vergunningen"
    events = {invitation["event"]: invitation for invitation in data["invitations"]}
    assert set(events) == {"Wijksafari Oost", "Bruiscafé West"}
    assert events["Wijksafari Oost"]["note"] == "Glutenvrij" and events["Wijksafari Oost"]["plus_ones"] == 1
    assert {mail["kind"] for mail in data["mails"]} == {"invitation", "confirmation"}
    # Every column of the person and invitation rows that says something about them is in the download.
    assert set(data["person"]) >= {
        column.name.removesuffix("_id")
        for column in Person.__table__.columns
        # search_key is name and e-mail folded for searching: the download shows both as they are
        if column.name not in ("id", "deleted_at", "department_id", "search_key")
    } | {"department"}
    invitation_columns = {column.name for column in Invitation.__table__.columns}
    covered = set(events["Wijksafari Oost"]) | {"id", "event_id", "person_id", "token_nonce", "team_id"}
    covered |= {"created_at", "purged_at", "token_hash", "is_guide"}  # as added_at, details_removed_at, …
    covered |= {"reply_nonce", "reply_key_hash"}  # as calendar_reply_address
    assert invitation_columns <= covered
    # Unknown links answer like any unknown link.
    assert client.get("/rsvp/" + "x" * 43 + "/data.json").status_code == 404


def test_erasing_everything(client, db, guest, organiser, create_person):
    person, soon, later, token = guest
    other = create_person(name="Derde")
    db.session.add(Invitation(event=soon, person=other))
    db.session.flush()
    sending.send_invitations(soon)
    db.session.commit()
    other_token = links.rsvp_token(db.session.scalar(db.select(Invitation).where(Invitation.person_id == other.id)))
    answer(client, token, "yes", plus_ones=1, note="Rolstoel")  # two seats of two
    answer(client, other_token, "yes")  # waiting list
    later_token = links.rsvp_token(
        db.session.scalar(
            db.select(Invitation).where(Invitation.event_id == later.id, Invitation.person_id == person.id)
        )
    )
    issue_feed_token(db.session.get(Person, person.id))
    db.session.commit()
    assert client.get(f"/rsvp/{token}/erase").status_code == 405  # GET never changes anything

    erased = client.post(f"/rsvp/{token}/erase")
    assert erased.status_code == 303  # Post/Redirect/Get: a refresh asks for nothing again
    page = client.get(erased.headers["Location"]).get_data(as_text=True)
    assert "Uw gegevens zijn verwijderd" in page

    erased = db.session.get(Person, person.id)
    assert erased.name == "Verwijderde persoon" and erased.email is None and erased.deleted_at is not None
    assert erased.kind == PersonKind.STAFF and erased.department is not None  # counts stay, as for a delete
    for invitation in db.session.scalars(db.select(Invitation).where(Invitation.person_id == person.id)):
        assert invitation.note == "" and invitation.plus_ones == 0 and invitation.reason == ""
        assert invitation.token_hash is None and invitation.token_nonce is None
    # Places released: the one on the waiting list moved up.
    promoted = db.session.scalar(db.select(Invitation).where(Invitation.person_id == other.id))
    assert promoted.state == InvitationState.YES
    assert db.session.get(Event, soon.id).seats_taken == 1
    # Every link of theirs stops working; their mail is gone; the organiser is told, without the name.
    for dead in (token, later_token):
        assert client.get(f"/rsvp/{dead}").status_code == 404
    feeds = db.session.scalars(db.select(FeedToken).where(FeedToken.person_id == person.id)).all()
    assert feeds and all(feed.revoked_at is not None for feed in feeds)
    # (but the CANCEL of their calendar entries, sent once and then deleted: tests/privacy/test_erasure_cancel.py)
    left = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.to_address == "fatima@gemeente.example"))
    assert {(message.kind, message.status.value) for message in left} == {("erasure_cancel", "pending")}
    told = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == "guest_erased")).all()
    assert [message.to_address for message in told] == [organiser.email, organiser.email]  # both events
    for message in told:
        assert "Fatima" not in message.text_body + message.html_body + message.subject
        assert "collega" in message.text_body
    assert client.get(f"/rsvp/{other_token}").status_code == 200  # someone else's link keeps working


def test_erasing_needs_the_form_and_a_working_link(client, db, guest):
    person, _soon, _later, token = guest
    assert client.post(f"/rsvp/{token}/erase", csrf=False).status_code == 400
    assert db.session.get(Person, person.id).deleted_at is None
    assert client.post("/rsvp/" + "x" * 43 + "/erase").status_code == 404


def test_an_event_that_ended_is_not_told(client, db, guest, organiser):
    person, soon, later, token = guest
    past = soon.starts_at - timedelta(days=400)
    for event in (soon, later):
        event = db.session.get(Event, event.id)
        event.starts_at, event.ends_at = past, past + timedelta(hours=2)
    db.session.commit()
    client.post(f"/rsvp/{token}/erase")
    assert db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == "guest_erased")).all() == []
    assert db.session.get(Person, person.id).deleted_at is not None
