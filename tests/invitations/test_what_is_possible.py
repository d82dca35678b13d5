"""The RSVP page says exactly what is possible when an answer does not fit (never just "vol" while seats are
free), and a note counts what is stored: a line break is one character, also when the browser sends CRLF."""

from __future__ import annotations

from organiser.invitations import links
from organiser.invitations.models import Invitation, InvitationState
from organiser.mail.deferred import rendered
from organiser.mail.models import OutboxKind, OutboxMessage


def answer(client, token, value, plus_ones=0, note=""):
    return client.post(f"/rsvp/{token}", {"answer": value, "plus_ones": str(plus_ones), "note": note})


def test_one_seat_left_and_a_plus_one_asked_says_come_alone_or_wait_with_your_guest(
    app, client, db, create_event, create_person, invitees, invite
):
    app.config["CONFIRMATION_DELAY_SECONDS"] = 0
    event = create_event(capacity=3, max_plus_ones=1)
    invite(event, create_person(), "yes")
    invite(event, create_person(), "yes")
    (third,) = invitees(event, 1)
    token = links.rsvp_token(db.session.get(Invitation, third.id))

    response = answer(client, token, "yes", plus_ones=1)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    said = "Er is nog 1 plaats vrij, maar u heeft er 2 nodig (u en uw introducés). U kunt alleen komen"
    assert said in page and "op de wachtlijst, op plaats 1" in page
    assert "De bijeenkomst is vol" not in page
    db.session.expire_all()
    waiting = db.session.get(Invitation, third.id)
    assert (waiting.state, waiting.plus_ones) == (InvitationState.WAITING, 1)
    mail = rendered(
        db.session.scalars(
            db.select(OutboxMessage).where(
                OutboxMessage.invitation_id == third.id, OutboxMessage.kind == OutboxKind.CONFIRMATION.value
            )
        ).one()
    )
    assert said in " ".join(mail.text_body.split()) and "vol." not in mail.text_body

    # Going alone takes the seat at once.
    response = answer(client, token, "yes", plus_ones=0)
    db.session.expire_all()
    assert db.session.get(Invitation, third.id).state == InvitationState.YES


def test_a_full_event_still_says_full(client, db, create_event, create_person, invitees, invite):
    event = create_event(capacity=1, max_plus_ones=1)
    invite(event, create_person(), "yes")
    (second,) = invitees(event, 1)
    token = links.rsvp_token(db.session.get(Invitation, second.id))
    response = answer(client, token, "yes", plus_ones=1)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "De bijeenkomst is vol. U staat op de wachtlijst, op plaats 1." in page


def test_a_note_of_500_characters_with_browser_line_breaks_is_taken_and_stored_with_one_per_line(
    client, db, create_event, invitees
):
    event = create_event()
    (invitation,) = invitees(event, 1)
    token = links.rsvp_token(invitation)
    note = "\r\n".join(["x" * 96] * 5 + ["y" * 15])  # as a browser sends it: 5 line breaks as CRLF
    assert len(note.replace("\r\n", "\n")) == 500 and len(note) == 505

    response = answer(client, token, "yes", note=note)
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Invitation, invitation.id).note
    assert stored == note.replace("\r\n", "\n") and "\r" not in stored

    too_long = answer(client, token, "yes", note=note + "z")
    assert too_long.status_code == 400
    assert "maximaal 500 tekens" in too_long.get_data(as_text=True)
