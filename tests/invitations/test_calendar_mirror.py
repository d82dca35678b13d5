"""The invitee's calendar entry mirrors organiser: every message supersedes the one before (SEQUENCE, DTSTAMP),
every change of someone's place or of the route updates it, one settled change sends one message, the UID
survives a new host name, and the mails read well (paragraphs, the common layout)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar

from organiser.events import routes as events
from organiser.extensions import utcnow
from organiser.invitations import answers, sending
from organiser.invitations.models import Invitation
from organiser.mail.deferred import rendered
from organiser.mail.models import OutboxMessage
from tests.conftest import make_app


@pytest.fixture
def invited(db, create_event, create_person):
    def factory(n=1, **event_fields):
        event = create_event(**event_fields)
        for i in range(n):
            db.session.add(Invitation(event=event, person=create_person(name=f"Karel Appel {i}")))
        db.session.flush()
        sending.send_invitations(event)
        db.session.commit()
        return event, db.session.scalars(db.select(Invitation).where(Invitation.event_id == event.id)).all()

    return factory


def calendar_mails(db, invitation_id):
    """The mails with a calendar part, as they are sent (a mail recorded as facts rendered as the worker does)."""
    query = db.select(OutboxMessage).where(OutboxMessage.invitation_id == invitation_id).order_by(OutboxMessage.id)
    return [mail for mail in map(rendered, db.session.scalars(query)) if mail.ics is not None]


def vevent(mail):
    (found,) = Calendar.from_ical(mail.ics).walk("VEVENT")
    return found


def test_each_message_to_an_invitee_supersedes_the_one_before(app, db, invited):
    event, (invitation,) = invited()
    app.config["CONFIRMATION_DELAY_SECONDS"] = 0
    for answer in ("yes", "no", "yes"):
        answers.record_answer(db.session.get(Invitation, invitation.id), answer)
        db.session.commit()
    mails = calendar_mails(db, invitation.id)
    # Each confirmation replaced the unsent one before it, but SEQUENCE and DTSTAMP still only go up.
    sequences = [int(vevent(m)["SEQUENCE"]) for m in mails]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    stamps = [vevent(m)["DTSTAMP"].dt for m in mails]
    assert stamps == sorted(stamps) and stamps[-1] >= utcnow() - timedelta(minutes=1)  # made now, not the event's
    assert vevent(mails[-1])["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"


def test_a_double_answer_within_the_minute_sends_one_confirmation_of_the_final_state(db, client, invited):
    from organiser.invitations.links import rsvp_token

    event, (invitation,) = invited()
    token = rsvp_token(invitation)
    for answer in ("yes", "yes", "maybe", "no"):
        client.post(f"/rsvp/{token}", {"answer": answer, "plus_ones": "0", "note": ""})
    confirmations = [m for m in calendar_mails(db, invitation.id) if m.kind == "confirmation"]
    assert len(confirmations) == 1
    assert confirmations[0].ics_method == "CANCEL"  # the final state: not coming
    assert confirmations[0].next_attempt_at > utcnow()  # held for the minute in which a change replaces it


def test_withdrawal_removes_the_calendar_entry(db, invited):
    event, (invitation,) = invited()
    answers.withdraw(db.session.get(Invitation, invitation.id))
    db.session.commit()
    last = calendar_mails(db, invitation.id)[-1]
    assert last.kind == "withdrawn" and last.ics_method == "CANCEL"


def test_a_route_change_is_announced_once_per_settled_change(app, db, invited):
    event, invitations = invited(n=2, format="wijksafari")
    start = event.starts_at
    for minutes in (0, 30, 60):
        events.add_stop(
            event,
            f"Halte {minutes}",
            "Parkweg 12",
            start + timedelta(minutes=minutes),
            start + timedelta(minutes=minutes + 20),
            None,
        )
        db.session.commit()
    assert db.session.get(type(event), event.id).sequence == 3
    for invitation in invitations:
        notices = [m for m in calendar_mails(db, invitation.id) if m.kind == "route_change"]
        assert len(notices) == 1  # three edits in a row: one notice, with the route as it is now
        assert notices[0].ics_method == "REQUEST" and "Halte 60" in notices[0].text_body
        assert "Halte 60" in str(vevent(notices[0])["DESCRIPTION"])


def test_a_draft_routes_changes_announce_nothing(db, create_event):
    from organiser.events.models import EventStatus

    event = create_event(format="wijksafari", status=EventStatus.DRAFT)
    events.add_stop(event, "Halte", "Parkweg 12", event.starts_at, event.starts_at + timedelta(minutes=20), None)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0


def test_the_uid_stays_when_the_host_name_changes(database_url, db, invited):
    event, (invitation,) = invited()
    uid = str(vevent(calendar_mails(db, invitation.id)[0])["UID"])
    assert uid == f"event-{event.id}@organiser.test"
    moved = make_app(database_url, BASE_URL="https://organiser.gemeente.example")
    with moved.app_context():
        from organiser.extensions import db as moved_db
        from organiser.invitations.links import rsvp_token
        from organiser.invitations.notices import queue_new_link

        moved_invitation = moved_db.session.get(Invitation, invitation.id)
        assert rsvp_token(moved_invitation)
        queue_new_link(moved_invitation)
        moved_db.session.commit()
        mail = rendered(moved_db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first())
        assert str(vevent(mail)["UID"]) == uid
        moved_db.session.remove()
        moved_db.engine.dispose()  # this app's own pool: closed now, not whenever it is collected


def test_the_invitation_mail_keeps_the_descriptions_paragraphs(db, invited):
    event, (invitation,) = invited(description="Eerst koffie.\r\n\r\nDaarna lopen we <samen>.\nTot dan!")
    mail = calendar_mails(db, invitation.id)[0]
    assert "<p>Eerst koffie.</p>" in mail.html_body
    assert "<p>Daarna lopen we &lt;samen&gt;.<br>Tot dan!</p>" in mail.html_body


def test_the_feed_link_mail_uses_the_common_layout(db, create_person):
    from organiser.calendar.links import send_feed_link

    person = create_person(name="Karel Appel")
    send_feed_link(person)
    db.session.commit()
    mail = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.kind == "feed_link"))
    assert '<html lang="nl">' in mail.html_body
    assert '<a href="webcal://' in mail.html_body
