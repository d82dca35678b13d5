"""The calendar entry an invitee receives says what their mail says, in their language: the whole .ics follows
Person.locale (not the language of the organiser whose request sent it), and names every host, also those of the
route's stops."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from organiser.invitations.models import Invitation
from organiser.mail.deferred import rendered
from organiser.mail.models import OutboxMessage
from tests.factories import route


def sent_mail(db, invitation_id) -> OutboxMessage:
    """The mail as it will be sent (the worker renders it from the facts kept in the outbox)."""
    return rendered(db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.invitation_id == invitation_id)))


def description(mail: OutboxMessage) -> str:
    (vevent,) = Calendar.from_ical(mail.ics).walk("VEVENT")
    return str(vevent["DESCRIPTION"])


def safari(create_event, create_initiative, organiser):
    event = create_event(title="Wijksafari Oost", format="wijksafari", organiser=organiser)
    garden = create_initiative("Moestuin De Groene Vingers")
    start = event.starts_at
    event.stops = route(
        (start, start + timedelta(minutes=30), "De moestuin", "Parkweg 12", garden),
        (start + timedelta(minutes=40), start + timedelta(minutes=70), "Het buurthuis", "Dorpsstraat 3"),
    )
    return event


def test_an_english_invitee_gets_the_whole_calendar_entry_in_english_from_a_dutch_organiser(
    logged_in, organiser, db, create_event, create_initiative, create_person
):
    event = safari(create_event, create_initiative, organiser)
    invitation = Invitation(event=event, person=create_person("Jane Doe", email="jane@example.org", locale="en"))
    db.session.add(invitation)
    db.session.commit()

    response = logged_in.post(f"/events/{event.id}/send", {"invitation": [str(invitation.id)]})
    assert response.status_code == 302
    mail = sent_mail(db, invitation.id)
    text = description(mail)
    assert "The route:" in text and "Host: Moestuin De Groene Vingers" in text
    assert "Whose plan: the municipality invites residents" in text
    for dutch in ("De route:", "Gastheer", "Wiens plan", "Meer informatie", "U heeft nog niet geantwoord"):
        assert dutch not in text


def test_the_hosts_of_route_stops_are_in_the_calendar_entry_as_in_the_mail(
    logged_in, organiser, db, create_event, create_initiative, create_person
):
    event = safari(create_event, create_initiative, organiser)
    invitation = Invitation(event=event, person=create_person("Karel Appel", locale="nl"))
    db.session.add(invitation)
    db.session.commit()

    logged_in.post(f"/events/{event.id}/send", {"invitation": [str(invitation.id)]})
    mail = sent_mail(db, invitation.id)
    assert "Gastheer/-vrouw: Moestuin De Groene Vingers" in mail.text_body
    assert "Gastheer/-vrouw: Moestuin De Groene Vingers" in description(mail)
