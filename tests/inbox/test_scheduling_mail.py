"""The scheduling mail as a recipient gets it, over real SMTP: whom Reply and the calendar buttons reach, what the
mail says about the buttons, and headers that decode to exactly the text organiser rendered."""

from __future__ import annotations

import email
import email.policy

import pytest
from icalendar import Calendar

from organiser.invitations.models import Invitation
from organiser.mail.dispatch import dispatch_due
from tests.inbox.conftest import REPLY_ADDRESS
from tests.mail.conftest import smtp_server, use_smtp  # noqa: F401  (fixtures)

SENDER = "Gemeente Voorbeeld <organiser@gemeente.example>"


def received_invitation(server):
    (message,) = [m for m in server.handler.messages if m.get_content_type() == "multipart/mixed"]
    calendar_part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    (vevent,) = Calendar.from_ical(calendar_part.get_content()).walk("VEVENT")
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_content()
    return message, vevent, text


@pytest.fixture
def sent_invitation(app, db, invited, smtp_server, use_smtp):  # noqa: F811
    """Factory: invite one person, send the mail over SMTP, return (message, vevent, text, envelope, invitation)."""

    def factory(**event_fields):
        use_smtp(smtp_server.port)
        app.config["MAIL_DEFAULT_SENDER"] = SENDER
        event, (invitation,) = invited(**event_fields)
        dispatch_due()
        message, vevent, text = received_invitation(smtp_server)
        return message, vevent, text, smtp_server.handler.envelopes[-1], db.session.get(Invitation, invitation.id)

    return factory


def test_with_a_reply_mailbox_buttons_and_bounces_reach_it_and_reply_reaches_the_organiser(sent_invitation, organiser):
    message, vevent, text, (mail_from, _to), invitation = sent_invitation()
    assert str(vevent["ORGANIZER"]).startswith("mailto:antwoord+")
    assert vevent["ATTENDEE"].params["RSVP"] == "TRUE"
    assert "knoppen Accepteren, Misschien of Weigeren in uw agenda" in text
    assert message["Reply-To"].addresses[0].addr_spec == organiser.email  # pressing Reply reaches a person
    assert message["Reply-To"].addresses[0].display_name == organiser.name
    assert mail_from == REPLY_ADDRESS  # bounces come back where they are read
    assert "/rsvp/" not in str(vevent["DESCRIPTION"]) and "/rsvp/" not in str(vevent.get("URL", ""))


def test_without_a_reply_mailbox_the_mail_does_not_pretend(app, sent_invitation, client):
    app.config["INBOX_URL"] = None
    message, vevent, text, (mail_from, _to), invitation = sent_invitation()
    # The ORGANIZER is a valid calendar address even with a display name in MAIL_DEFAULT_SENDER.
    assert vevent["ORGANIZER"] == "mailto:organiser@gemeente.example"
    assert vevent["ATTENDEE"].params["RSVP"] == "FALSE"
    assert "geven uw antwoord niet aan ons door" in text
    assert "geven uw antwoord niet door" in str(vevent["DESCRIPTION"])
    assert mail_from == "organiser@gemeente.example"
    from organiser.invitations.links import rsvp_token

    page = client.get(f"/rsvp/{rsvp_token(invitation)}").get_data(as_text=True)
    assert "geven uw antwoord niet aan ons door" in page


@pytest.mark.parametrize(
    "title",
    [
        "Wijksafari door Overvecht: ontmoet de initiatiefnemers van de moestuin, het repaircafé en de buurtkeuken 🌱",
        "Bruiscafé – één avond met “quotes”, ß, ø en 😀😀😀 " * 2,
        "Netwerkborrel",
    ],
)
def test_every_header_decodes_to_exactly_the_rendered_text(app, db, sent_invitation, smtp_server, title):  # noqa: F811
    from organiser.mail.models import OutboxMessage

    _message, _vevent, _text, _envelope, invitation = sent_invitation(title=title[:200])
    stored = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.invitation_id == invitation.id))
    reparsed = email.message_from_bytes(smtp_server.handler.raw[-1], policy=email.policy.default)  # as on the wire
    assert str(reparsed["Subject"]) == stored.subject
    assert title[:200].strip() in stored.subject
    assert reparsed["To"].addresses[0].display_name == invitation.person.name


@pytest.mark.parametrize(
    "title",
    [
        "Neighbourhood safari: meet the people behind the community garden, the repair café and the kitchen 🌱" * 2,
        "Café – one evening with “quotes”, ß, ø and 😀",
    ],
)
def test_every_header_of_an_english_mail_decodes_to_exactly_the_rendered_text(
    app,
    db,
    organiser,
    create_event,
    create_person,
    smtp_server,  # noqa: F811
    use_smtp,  # noqa: F811
    title,
):
    from organiser.invitations import sending
    from organiser.mail.models import OutboxMessage

    use_smtp(smtp_server.port)
    app.config["MAIL_DEFAULT_SENDER"] = "Gemeente Zoëterwoude – Ontmoeten 🤝 <organiser@gemeente.example>"
    organiser.name = "Ölga Ørganisator-Ñúñez"
    person = create_person("Zoë Ångström 😀", email="zoe@example.org", locale="en")
    event = create_event(title=title[:200], organiser=organiser)
    db.session.add(Invitation(event=event, person=person))
    db.session.flush()
    sending.send_invitations(event)
    db.session.commit()
    dispatch_due()

    stored = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.event_id == event.id))
    assert stored.subject.startswith("Invitation") and title[:200].strip() in stored.subject  # rendered in English
    reparsed = email.message_from_bytes(smtp_server.handler.raw[-1], policy=email.policy.default)  # as on the wire
    assert str(reparsed["Subject"]) == stored.subject
    assert reparsed["To"].addresses[0].display_name == "Zoë Ångström 😀"
    assert reparsed["To"].addresses[0].addr_spec == "zoe@example.org"
    assert reparsed["From"].addresses[0].display_name == "Gemeente Zoëterwoude – Ontmoeten 🤝"
    assert reparsed["Reply-To"].addresses[0].display_name == "Ölga Ørganisator-Ñúñez"
    assert reparsed["Reply-To"].addresses[0].addr_spec == organiser.email
    for name, value in reparsed.items():  # nothing left undecoded anywhere
        assert "=?" not in str(value), (name, value)
