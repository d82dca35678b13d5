"""A person's mail language (issue 17): set on the person form, shown in the directory, and used for every mail
and calendar entry to them — whatever language the organiser's own screen is in."""

from __future__ import annotations

from organiser.invitations import notices
from organiser.invitations.models import Invitation
from organiser.mail.deferred import rendered
from organiser.mail.models import OutboxKind, OutboxMessage
from organiser.people.models import Person


def person_form(**overrides):
    data = {
        "name": "Ann Smith",
        "email": "ann.smith@gemeente.example",
        "kind": "staff",
        "department_id": "",
        "new_department": "Finance",
        "contact_role": "office",
        "locale": "en",
    }
    data.update(overrides)
    return data


def mail_of(db, kind: OutboxKind, name: str) -> OutboxMessage:
    """The latest mail of `kind` to `name`, as it is sent (a mail recorded as facts rendered as the worker does)."""
    return rendered(
        db.session.scalars(
            db.select(OutboxMessage)
            .where(OutboxMessage.kind == kind, OutboxMessage.to_name == name)
            .order_by(OutboxMessage.id.desc())
        ).first()
    )


def test_the_mail_language_is_chosen_on_the_person_form(db, logged_in):
    form = logged_in.get("/people/new").get_data(as_text=True)
    assert "Taal van e-mails en agenda-afspraken" in form and 'value="en"' in form
    response = logged_in.post("/people/new", person_form())
    assert response.status_code == 302
    person = db.session.scalar(db.select(Person))
    assert person.locale == "en"
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert 'lang="en">English</dd>' in page

    logged_in.post(f"/people/{person.id}/edit", person_form(locale="nl"))
    db.session.refresh(person)
    assert person.locale == "nl"


def test_a_form_without_the_field_keeps_the_language(db, logged_in, create_person):
    person = create_person("Ann Smith", email="ann.smith@gemeente.example", locale="en")
    data = person_form()
    del data["locale"]  # an older page, or a client that leaves it out
    assert logged_in.post(f"/people/{person.id}/edit", data).status_code == 302
    db.session.refresh(person)
    assert person.locale == "en"


def test_a_language_the_app_does_not_speak_is_refused_with_a_message(db, logged_in):
    response = logged_in.post("/people/new", person_form(locale="fr"))
    assert response.status_code == 200
    assert "Ongeldige keuze." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Person)) is None


def test_every_mail_and_calendar_entry_goes_in_the_persons_language(
    db, logged_in, organiser, create_event, create_person
):
    event = create_event(title="Netwerkborrel", organiser=organiser)
    ann = create_person("Ann Smith", locale="en")
    joop = create_person("Joop Jansen", locale="nl")
    for person in (ann, joop):
        db.session.add(Invitation(event=event, person=person))
    db.session.commit()
    logged_in.post("/language", {"lang": "en", "next": "/events"})  # the organiser works in English
    ids = [str(i) for i in db.session.scalars(db.select(Invitation.id).where(Invitation.event_id == event.id))]
    logged_in.post(f"/events/{event.id}/send", {"invitation": ids})

    english, dutch = mail_of(db, OutboxKind.INVITATION, "Ann Smith"), mail_of(db, OutboxKind.INVITATION, "Joop Jansen")
    assert english.subject.startswith("Invitation: Netwerkborrel") and "Dear Ann Smith" in english.text_body
    assert "More information" in english.ics and "Meer informatie" not in english.ics
    assert dutch.subject.startswith("Uitnodiging: Netwerkborrel") and "Beste Joop Jansen" in dutch.text_body
    assert "Meer informatie" in dutch.ics and "More information" not in dutch.ics  # not the organiser's English

    logged_in.post(f"/events/{event.id}/answers/remind")
    assert mail_of(db, OutboxKind.REMINDER, "Ann Smith").subject.startswith("Reminder")
    assert mail_of(db, OutboxKind.REMINDER, "Joop Jansen").subject.startswith("Herinnering")

    logged_in.post(f"/people/{ann.id}/feed-link")
    assert "calendar" in mail_of(db, OutboxKind.FEED_LINK, "Ann Smith").subject.lower()

    invitation = db.session.scalar(db.select(Invitation).where(Invitation.person_id == ann.id))
    notices.queue_calendar_answer(invitation, "deadline")
    calendar_answer = mail_of(db, OutboxKind.CALENDAR_ANSWER, "Ann Smith")
    assert "Dear Ann Smith" in calendar_answer.text_body and "Meer informatie" not in calendar_answer.ics
