"""Sending to many at once (issue 12): "Versturen" takes a fixed number of SQL statements, however many are invited,
and records what must be sent; the worker renders each mail when it sends it."""

from __future__ import annotations

from organiser.invitations import links
from organiser.invitations.models import Invitation, InvitationState
from organiser.mail.deferred import rendered
from organiser.mail.models import OutboxMessage, OutboxStatus
from tests.factories import recorded_statements


def send_to(logged_in, db, create_event, organiser, invitees, n: int, title: str):
    event = create_event(title=title, organiser=organiser, capacity=50)
    listed = invitees(event, n, send=False)
    ids = [str(invitation.id) for invitation in listed]
    url = f"/events/{event.id}/send"
    with recorded_statements(db) as statements:
        response = logged_in.post(url, {"invitation": ids})
    assert response.status_code == 302
    return event, listed, statements


def test_sending_to_n_and_2n_people_takes_the_same_statements(logged_in, db, create_event, organiser, invitees):
    send_to(logged_in, db, create_event, organiser, invitees, 2, "Eerst een kleine")  # the first request warms up
    small, _, few = send_to(logged_in, db, create_event, organiser, invitees, 4, "Buurtsafari Oost")
    large, invited, many = send_to(logged_in, db, create_event, organiser, invitees, 8, "Buurtsafari West")
    assert len(few) == len(many), "\n".join(few)
    assert len(many) <= 25  # the login, the event, one SELECT, one UPDATE, one INSERT, the trail, the commit

    # Everyone chosen is invited with a working link, and has exactly one invitation mail waiting.
    db.session.expire_all()
    stored = db.session.scalars(db.select(Invitation).where(Invitation.event_id == large.id)).all()
    assert {invitation.state for invitation in stored} == {InvitationState.INVITED}
    assert all(invitation.sent_at is not None and invitation.calendar_sequence >= 1 for invitation in stored)
    mails = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.event_id == large.id).order_by(OutboxMessage.invitation_id)
    ).all()
    assert [mail.invitation_id for mail in mails] == sorted(invitation.id for invitation in invited)
    assert {mail.status for mail in mails} == {OutboxStatus.PENDING}
    assert all(mail.subject.startswith("Uitnodiging: Buurtsafari West") for mail in mails)
    first = stored[0]
    token = links.rsvp_token(first)
    mail = rendered(next(m for m in mails if m.invitation_id == first.id))
    assert f"http://organiser.test/rsvp/{token}" in mail.text_body
    assert "METHOD:REQUEST" in mail.ics and f"SEQUENCE:{first.calendar_sequence}" in mail.ics
    assert logged_in.get(f"/rsvp/{token}").status_code == 200


def test_a_second_send_invites_nobody_twice(logged_in, db, create_event, organiser, invitees):
    event, listed, _ = send_to(logged_in, db, create_event, organiser, invitees, 3, "Wijkwandeling")
    ids = [str(invitation.id) for invitation in listed]
    assert logged_in.post(f"/events/{event.id}/send", {"invitation": ids}).status_code == 302
    page = logged_in.get(f"/events/{event.id}/send").get_data(as_text=True)
    assert "3 van wie u koos, waren al uitgenodigd of staan niet meer op de lijst." in page
    count = db.session.scalar(
        db.select(db.func.count()).select_from(OutboxMessage).where(OutboxMessage.event_id == event.id)
    )
    assert count == 3
