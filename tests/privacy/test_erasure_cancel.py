"""Erasing a person takes their calendar entries with them: one METHOD:CANCEL per entry, superseding the last
REQUEST (same UID, higher SEQUENCE, same ORGANIZER), sent once over real SMTP and then deleted, so that nothing in
the database names the person afterwards (issue 13)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from icalendar import Calendar

from organiser.events.models import Event, EventStatus
from organiser.extensions import db as _db
from organiser.invitations import links, sending
from organiser.invitations.erasure_notices import PROMISE
from organiser.invitations.models import Invitation, InvitationState
from organiser.mail.dispatch import dispatch_due
from organiser.mail.models import FORGOTTEN_WHEN_DONE, OutboxKind, OutboxMessage, OutboxStatus
from organiser.mail.retention import forget_recipient
from organiser.people.erasure import delete_person
from tests.inbox.conftest import last_calendar_mail, vevent_of

NAME, ADDRESS = "Fatima El Amrani", "fatima@gemeente.example"


@pytest.fixture
def guest(db, organiser, create_event, create_person):
    """Invited to three events of the organiser: a yes at one, only invited at another, and one that is over."""
    person = create_person(name=NAME, email=ADDRESS)
    soon = create_event(title="Wijksafari Oost", organiser=organiser, capacity=5)
    later = create_event(title="Bruiscafé West", organiser=organiser, starts_at=soon.starts_at + timedelta(days=7))
    past = create_event(title="Voorbij", organiser=organiser)
    events = (soon, later, past)
    for event in events:
        db.session.add(Invitation(event=event, person=person, reason="Kantoor"))
    db.session.flush()
    for event in events:
        sending.send_invitations(event)
    db.session.commit()
    past.starts_at, past.ends_at = soon.starts_at - timedelta(days=400), soon.starts_at - timedelta(days=399)
    db.session.commit()
    invitations = {
        invitation.event_id: invitation
        for invitation in db.session.scalars(db.select(Invitation).where(Invitation.person_id == person.id))
    }
    return person, soon, later, invitations


#: The accounts' trail records who deleted whom, by name (SECURITY.md 7.1.3), until TRAIL_RETENTION_DAYS: the one
#: deliberate exception, and only when an organiser deletes.
TRAIL = "trail_entry"


def names_the_person(db, *, except_tables: tuple[str, ...] = ()) -> list[str]:
    """Every table and column whose stored text holds the person's name or address (any part of it)."""
    found = []
    for table in _db.metadata.sorted_tables:
        if table.name in except_tables:
            continue
        for row in db.session.execute(sa.select(table)).mappings():
            for column, value in row.items():
                text = str(value).lower()
                if "fatima" in text or "amrani" in text:
                    found.append(f"{table.name}.{column}")
    return found


def dispatch(db):
    """One batch of the worker (the test's session ends its transaction first: SQLite locks the whole file)."""
    db.session.commit()
    return dispatch_due()


def sent_calendar(message) -> Calendar:
    (part,) = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_content())


@pytest.mark.parametrize("by", ["invitee", "organiser"])
def test_erasure_cancels_every_entry_once_and_keeps_nothing(
    by, app, db, client, logged_in, guest, smtp_server, use_smtp
):
    person, soon, later, invitations = guest
    token = links.rsvp_token(invitations[soon.id])
    db.session.commit()
    client.post(f"/rsvp/{token}", {"answer": "yes", "plus_ones": "0", "note": "Rolstoel"})
    requests = {}
    for event in (soon, later):
        request = vevent_of(last_calendar_mail(db, invitations[event.id].id))
        requests[str(request["UID"])] = request
    assert db.session.get(Invitation, invitations[soon.id].id).state == InvitationState.YES
    assert dispatch(db).kept > 0  # what the answers queued is out of the way (development: kept)
    use_smtp(smtp_server.port)

    erase = {
        "invitee": lambda: client.post(f"/rsvp/{token}/erase"),
        "organiser": lambda: logged_in.post(f"/people/{person.id}/delete"),
    }
    response = erase[by]()
    assert response.status_code in (302, 303)

    # Waiting: one CANCEL per entry of an event not over, left alone by the erasure's own deletion of their mail.
    waiting = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.to_address == ADDRESS)).all()
    assert sorted(message.kind for message in waiting) == ["erasure_cancel", "erasure_cancel"]
    assert forget_recipient(ADDRESS) == 0

    assert dispatch(db).sent >= 2  # (and the organisers told, when the invitee erased)
    received = [message for message in smtp_server.handler.messages if message["To"].endswith(f"<{ADDRESS}>")]
    assert len(received) == 2
    for message in received:
        (vevent,) = sent_calendar(message).walk("VEVENT")
        assert str(sent_calendar(message)["METHOD"]) == "CANCEL" and str(vevent["STATUS"]) == "CANCELLED"
        request = requests.pop(str(vevent["UID"]))  # same UID as the last REQUEST
        assert int(vevent["SEQUENCE"]) > int(request["SEQUENCE"])
        assert vevent.decoded("DTSTAMP") >= request.decoded("DTSTAMP")
        assert str(vevent["ORGANIZER"]) == str(request["ORGANIZER"])
        assert str(vevent["ATTENDEE"]) == f"mailto:{ADDRESS}"
        text = message.get_body(("plain",)).get_content()
        said = "op uw verzoek" if by == "invitee" else "De organisator heeft uw gegevens verwijderd"
        assert said in text and "/rsvp/" not in text
    assert requests == {}  # the event that is over got none

    # Sent once, then deleted: nothing in the database names the person any more, and nothing goes again.
    assert db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == "erasure_cancel")).all() == []
    assert names_the_person(db, except_tables=(TRAIL,) if by == "organiser" else ()) == []
    assert dispatch(db).sent == 0


def test_a_cancel_given_up_leaves_no_record_either(app, db, client, guest, smtp_server, use_smtp):
    person, soon, later, invitations = guest
    token = links.rsvp_token(invitations[soon.id])
    db.session.commit()
    dispatch(db)
    use_smtp(smtp_server.port)
    smtp_server.handler.rcpt_reply = "550 5.1.1 Mailbox unavailable"
    client.post(f"/rsvp/{token}/erase")
    report = dispatch(db)
    assert report.failed >= 2
    assert db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == "erasure_cancel")).all() == []
    assert names_the_person(db) == []


def test_without_a_mail_server_the_cancel_is_dropped_not_kept(app, db, client, guest):
    person, soon, later, invitations = guest
    token = links.rsvp_token(invitations[soon.id])
    db.session.commit()
    client.post(f"/rsvp/{token}/erase")
    dispatch(db)
    kept = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.KEPT)).all()
    assert all(message.kind != "erasure_cancel" for message in kept)
    assert names_the_person(db) == []


def test_no_cancel_for_a_cancelled_event_or_a_no(app, db, client, guest, organiser):
    person, soon, later, invitations = guest
    token = links.rsvp_token(invitations[soon.id])
    db.session.commit()
    client.post(f"/rsvp/{token}", {"answer": "no", "plus_ones": "0", "note": ""})
    db.session.get(Event, later.id).status = EventStatus.CANCELLED
    db.session.commit()
    client.post(f"/rsvp/{token}/erase")
    assert db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == "erasure_cancel")).all() == []


def test_the_pages_promise_exactly_this(app, db, client, guest):
    """The "my data" page, the page after erasing, the privacy statement (both languages) and SECURITY.md say
    what the tests above check happens."""
    person, soon, later, invitations = guest
    token = links.rsvp_token(invitations[soon.id])
    db.session.commit()
    promise = str(PROMISE)
    assert "één bericht" in promise and "niets" in promise
    assert promise in client.get(f"/rsvp/{token}/data").get_data(as_text=True)
    assert promise in client.get("/privacy").get_data(as_text=True)
    erased = client.post(f"/rsvp/{token}/erase")
    assert promise in client.get(erased.headers["Location"]).get_data(as_text=True)
    with app.test_request_context(), force_locale("en"):
        english = str(PROMISE)
    assert english != promise
    client.post("/language", {"lang": "en", "next": "/privacy"})
    assert english in client.get("/privacy").get_data(as_text=True)
    security = (Path(__file__).parents[2] / "SECURITY.md").read_text()
    assert "METHOD:CANCEL (`erasure_cancel`, same UID, SEQUENCE raised)" in security
    assert OutboxKind.ERASURE_CANCEL.value == "erasure_cancel" and "erasure_cancel" in FORGOTTEN_WHEN_DONE


def test_an_internationalised_address_loses_its_mail_too(app, db, organiser, create_event, create_person):
    """The outbox holds the IDNA form (ann@xn--bcher-kva.example) of an address stored in Unicode: erasure finds
    the mail in either form."""
    person = create_person(name="Anna Bücher", email="anna@bücher.example")
    event = create_event(organiser=organiser)
    db.session.add(Invitation(event=event, person=person))
    db.session.flush()
    sending.send_invitations(event)
    db.session.commit()
    kinds = lambda: sorted(  # noqa: E731
        db.session.scalars(
            db.select(OutboxMessage.kind).where(OutboxMessage.to_address == "anna@xn--bcher-kva.example")
        )
    )
    assert kinds() == ["invitation"]
    delete_person(person)
    db.session.commit()
    assert kinds() == ["erasure_cancel"]
