"""Internationalised e-mail addresses: a domain in any script is mailed to in its IDNA form; a local part outside
ASCII is refused where it is entered, and one such address already in the directory never fails a batch for
everyone else (it is skipped, marked and reported)."""

from __future__ import annotations

import io

from organiser.invitations.models import Invitation, InvitationState
from organiser.mail.models import OutboxMessage
from organiser.mail.rendering import mime_bytes
from organiser.people.models import Person

NOT_ASCII = "letters met accenten of andere bijzondere tekens vóór de @"


def outbox(db):
    return db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_the_directory_form_refuses_a_local_part_outside_ascii_and_takes_an_idn_domain(logged_in, db):
    form = {"name": "Jörg Bücher", "kind": "staff", "new_department": "Vergunningen", "contact_role": "office"}
    refused = logged_in.post("/people/new", {**form, "email": "jörg@bücher.example"})
    assert refused.status_code == 200 and NOT_ASCII in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(Person)) is None

    taken = logged_in.post("/people/new", {**form, "email": "Joerg@Bücher.example"})
    assert taken.status_code == 302
    assert db.session.scalar(db.select(Person.email)) == "joerg@bücher.example"


def test_the_import_refuses_a_local_part_outside_ascii_with_the_reason(logged_in, db):
    csv = "naam;e-mail;soort;afdeling;rol\r\nJörg;jörg@bücher.example;collega;Vergunningen;kantoor\r\n"
    response = logged_in.post(
        "/people/import", {"file": (io.BytesIO(csv.encode()), "mensen.csv")}, content_type="multipart/form-data"
    )
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert NOT_ASCII in page
    assert logged_in.post(response.headers["Location"]).status_code in (200, 302, 400)
    assert db.session.scalar(db.select(Person)) is None


def test_one_address_organiser_cannot_mail_is_skipped_marked_and_reported_the_rest_is_sent(
    logged_in, organiser, db, create_event, create_person, invitees
):
    event = create_event(title="Borrel", organiser=organiser)
    # Entered before the rule (or by a path around it): the directory holds it.
    joerg = create_person("Jörg Bücher", email="jörg@bücher.example")
    ann = create_person("Ann Idn", email="ann@bücher.example")
    cor = create_person("Cor Ascii", email="cor@example.org")
    for person in (joerg, ann, cor):
        db.session.add(Invitation(event=event, person=person))
    db.session.commit()
    ids = list(db.session.scalars(db.select(Invitation.id).order_by(Invitation.id)))

    page = logged_in.get(f"/events/{event.id}/send").get_data(as_text=True)
    assert "Jörg Bücher (Vergunningen) — organiser kan niet naar dit e-mailadres mailen: wordt overgeslagen" in page

    response = logged_in.post(f"/events/{event.id}/send", {"invitation": [str(i) for i in ids]})
    assert response.status_code == 302 and response.headers["Location"] == f"/events/{event.id}/answers"
    shown = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 uitnodigingen worden verstuurd." in shown
    assert "Niet verstuurd aan 1 persoon: Jörg Bücher (organiser kan niet naar dit e-mailadres mailen)." in shown

    states = dict(db.session.execute(db.select(Invitation.person_id, Invitation.state)).all())
    assert states == {
        joerg.id: InvitationState.LISTED,
        ann.id: InvitationState.INVITED,
        cor.id: InvitationState.INVITED,
    }
    db.session.refresh(joerg)
    assert joerg.email_bounced_at is not None and NOT_ASCII in joerg.email_problem
    mails = outbox(db)
    assert [m.to_address for m in mails] == ["ann@xn--bcher-kva.example", "cor@example.org"]
    head = mime_bytes(mails[0], "Gemeente", "organiser@gemeente.example").split(b"\r\n\r\n")[0]
    assert b"To: Ann Idn <ann@xn--bcher-kva.example>" in head
    assert "e-mailadres werkt niet" in logged_in.get(f"/people/{joerg.id}").get_data(as_text=True)


def test_a_send_with_nobody_to_mail_says_so_offers_no_button_and_sends_nothing(
    logged_in, organiser, db, create_event, create_person
):
    event = create_event(title="Borrel", organiser=organiser)
    joerg = create_person("Jörg Bücher", email="jörg@bücher.example")
    invitation = Invitation(event=event, person=joerg)
    db.session.add(invitation)
    db.session.commit()

    page = logged_in.get(f"/events/{event.id}/send").get_data(as_text=True)
    assert "Niemand kan nu een uitnodiging krijgen" in page and "Versturen</button>" not in page

    response = logged_in.post(f"/events/{event.id}/send", {"invitation": [str(invitation.id)]})
    assert response.headers["Location"] == f"/events/{event.id}/send"
    shown = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Er is niets verstuurd: Jörg Bücher (organiser kan niet naar dit e-mailadres mailen)" in shown
    assert "0 uitnodigingen" not in shown and "worden verstuurd" not in shown
    assert outbox(db) == []


def test_a_feed_link_to_an_address_organiser_cannot_mail_is_refused_with_a_message(
    logged_in, db, create_person, feed_token
):
    joerg = create_person("Jörg Bücher", email="jörg@bücher.example")
    feed_token(joerg)
    response = logged_in.post(f"/people/{joerg.id}/feed-link")
    assert response.status_code == 302
    shown = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "geen e-mailadres waar organiser naartoe kan mailen" in shown
    assert "de oude agendalink blijft werken" in shown
    assert outbox(db) == []


def test_correcting_an_address_organiser_could_not_mail_works_and_tells_nobody_at_the_old_one(
    logged_in, db, create_person, create_department
):
    joerg = create_person("Jörg Bücher", email="jörg@bücher.example", department="Vergunningen")
    form = {
        "name": "Jörg Bücher",
        "email": "joerg@bücher.example",
        "kind": "staff",
        "department_id": str(joerg.department_id),
        "contact_role": "office",
    }
    response = logged_in.post(f"/people/{joerg.id}/edit", form)
    assert response.status_code == 302
    db.session.refresh(joerg)
    assert joerg.email == "joerg@bücher.example" and joerg.email_bounced_at is None
    assert [m.to_address for m in outbox(db)] == []
