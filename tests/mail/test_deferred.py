"""Mail recorded as facts and rendered by the worker (issues 12 and 15): while a mail waits, the outbox holds no
working link and no note; what is sent says what was true when it was caused, in the recipient's language; a
retry sends the same mail once."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from organiser.extensions import utcnow
from organiser.invitations import links
from organiser.invitations.models import Invitation, InvitationState
from organiser.mail.deferred import rendered
from organiser.mail.dispatch import dispatch_due
from organiser.mail.models import OutboxMessage, OutboxStatus

NOTE = "Rolstoel, graag een ingang zonder drempel"


def answer(client, token, value, plus_ones=0, note=""):
    response = client.post(f"/rsvp/{token}", {"answer": value, "plus_ones": str(plus_ones), "note": note})
    assert response.status_code in (200, 302, 303), response.status_code
    return response


def stored_text(message: OutboxMessage) -> str:
    """Every column of an outbox row that could carry a link or a note."""
    return " ".join(
        str(value)
        for value in (
            message.subject,
            message.text_body,
            message.html_body,
            message.ics,
            message.facts,
            message.to_name,
            message.reply_to,
            message.last_error,
            message.qr_url,
        )
    )


def live_tokens(db) -> list[str]:
    tokens = [links.rsvp_token(invitation) for invitation in db.session.scalars(db.select(Invitation))]
    return [token for token in tokens if token]


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def ics_of(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return part.get_content()
    raise AssertionError("no calendar part")


def test_no_waiting_mail_holds_a_working_link_or_the_note(
    app, client, db, create_event, organiser, invitees, smtp_server, use_smtp
):
    app.config["CONFIRMATION_DELAY_SECONDS"] = 0
    event = create_event(title="Wijksafari Noord", organiser=organiser, capacity=1)
    first, second, third = invitees(event, 3)
    tokens = {invitation.id: links.rsvp_token(invitation) for invitation in (first, second, third)}
    answer(client, tokens[first.id], "yes", note=NOTE)  # a seat
    answer(client, tokens[second.id], "yes", note=NOTE)  # the waiting list
    answer(client, tokens[first.id], "no")  # the second is promoted
    db.session.expire_all()

    waiting = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    kinds = [message.kind for message in waiting]
    assert kinds.count("invitation") == 3 and "confirmation" in kinds and "promotion" in kinds
    assert len(live_tokens(db)) == 3
    for message in waiting:
        assert message.status == OutboxStatus.PENDING and message.deferred
        text = stored_text(message)
        assert NOTE not in text, message.kind
        for token in live_tokens(db):
            assert token not in text, message.kind

    use_smtp(smtp_server.port)
    report = dispatch_due(now=utcnow() + timedelta(seconds=1))
    assert report.sent == len(waiting) and report.failed == 0
    received = {message["Message-ID"]: message for message in smtp_server.handler.messages}
    assert len(received) == len(waiting)
    for row in waiting:
        mail = received[row.message_id]
        assert f"http://organiser.test/rsvp/{tokens[row.invitation_id]}" in body(mail)
        assert mail["Subject"] == row.subject
    db.session.expire_all()
    for message in db.session.scalars(db.select(OutboxMessage)):  # sent: the contents and facts are gone
        assert message.status == OutboxStatus.SENT and not message.has_contents and message.facts is None


def test_the_mail_says_what_was_true_when_it_was_caused(
    app, client, db, create_event, organiser, invitees, smtp_server, use_smtp
):
    """The second person's confirmation says "waiting list, place 1" although a seat became theirs before the
    worker sent it: the promotion that follows says so, with a higher SEQUENCE. In their language (English)."""
    app.config["CONFIRMATION_DELAY_SECONDS"] = 0
    event = create_event(title="Wijksafari Zuid", organiser=organiser, capacity=1)
    first, second = invitees(event, 2)
    second.person.locale = "en"
    db.session.commit()
    first_token, second_token = links.rsvp_token(first), links.rsvp_token(second)
    answer(client, first_token, "yes")
    answer(client, second_token, "yes", note=NOTE)
    answer(client, first_token, "no")
    db.session.expire_all()
    assert db.session.get(Invitation, second.id).state == InvitationState.YES

    use_smtp(smtp_server.port)
    dispatch_due(now=utcnow() + timedelta(seconds=1))
    to_second = [m for m in smtp_server.handler.messages if m["To"].addresses[0].addr_spec == second.person.email]
    by_subject = {m["Subject"]: m for m in to_second}
    confirmation = by_subject["You are on the waiting list for Wijksafari Zuid"]
    promotion = by_subject["A place has become free: you are coming to Wijksafari Zuid"]
    assert "waiting list, at number 1" in body(confirmation) and NOTE in body(confirmation)
    (confirmed,) = Calendar.from_ical(ics_of(confirmation)).walk("VEVENT")
    (promoted,) = Calendar.from_ical(ics_of(promotion)).walk("VEVENT")
    assert int(promoted["SEQUENCE"]) > int(confirmed["SEQUENCE"])
    assert confirmed["ATTENDEE"].params["PARTSTAT"] == "TENTATIVE"
    assert promoted["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert confirmed["DTSTAMP"].dt <= promoted["DTSTAMP"].dt
    assert "waiting list" in str(confirmed["DESCRIPTION"])


def test_a_retry_after_a_temporary_failure_sends_the_same_mail_once(
    app, db, create_event, organiser, invitees, smtp_server, use_smtp
):
    event = create_event(title="Wijksafari West", organiser=organiser)
    (invitation,) = invitees(event, 1)
    token = links.rsvp_token(invitation)
    use_smtp(smtp_server.port)
    smtp_server.handler.data_replies = ["451 4.3.0 Try again later"]
    assert dispatch_due().retried == 1
    (row,) = db.session.scalars(db.select(OutboxMessage)).all()
    assert row.status == OutboxStatus.PENDING and row.attempts == 1 and token not in stored_text(row)

    assert dispatch_due(now=utcnow() + timedelta(hours=2)).sent == 1
    assert dispatch_due(now=utcnow() + timedelta(hours=4)).sent == 0
    (mail,) = smtp_server.handler.messages
    assert mail["Message-ID"] == row.message_id
    assert f"http://organiser.test/rsvp/{token}" in body(mail)


def test_a_mail_whose_invitation_is_gone_fails_with_a_reason(
    app, db, create_event, organiser, invitees, smtp_server, use_smtp
):
    event = create_event(title="Wijksafari Oost", organiser=organiser)
    (invitation,) = invitees(event, 1)
    db.session.delete(db.session.get(Invitation, invitation.id))
    db.session.commit()
    use_smtp(smtp_server.port)
    assert dispatch_due().failed == 1
    (row,) = db.session.scalars(db.select(OutboxMessage)).all()
    assert row.status == OutboxStatus.FAILED and "nothing to send" in row.last_error
    assert smtp_server.handler.messages == []


def test_the_worker_writes_the_calendar_part_the_ical_writer_would(app, db, create_event, organiser, invitees):
    """The event-wide part is written once per event version and the invitee's own lines added to it: the same
    properties, values and parameters as invitation_to_ical writes for that invitee (names with accents, long
    enough to be folded)."""
    from datetime import datetime

    from organiser.invitations.ical import invitation_to_ical

    event = create_event(title="Wijksafari met een heel lange naam die over de regel heen loopt", organiser=organiser)
    first, second = invitees(event, names=["Ans de Vries-Çelik van den Heuvel-Ploeg", "Bram Bos"])
    rows = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.invitation_id)).all()
    for invitation, row in zip((first, second), rows, strict=True):
        made = rendered(row).ics
        invitation = db.session.get(Invitation, invitation.id)
        expected = invitation_to_ical(
            invitation,
            method="REQUEST",
            base_url=app.config["BASE_URL"],
            tzid=app.config["TIMEZONE"],
            organiser_name=organiser.name,
            organiser_email="organiser@organiser.test",
            sequence=row.facts["sequence"],
            stamp=datetime.fromisoformat(row.facts["stamp"]),
            rsvp=False,
            status_lines=["U heeft nog niet geantwoord.", made_line(made)],
        )
        assert all(len(line.encode()) <= 75 for line in made.split("\r\n"))
        (got,) = Calendar.from_ical(made).walk("VEVENT")
        (want,) = Calendar.from_ical(expected).walk("VEVENT")
        for name in set(got) | set(want):
            if name == "ORGANIZER":  # the sender's address (MAIL_DEFAULT_SENDER), named after the organiser
                assert got[name].params["CN"] == organiser.name
                continue
            assert got[name].to_ical() == want[name].to_ical(), name
            assert dict(getattr(got[name], "params", {})) == dict(getattr(want[name], "params", {})), name


def made_line(ics: str) -> str:
    """The second status line of the worker's DESCRIPTION (how to answer; it depends on the inbox settings)."""
    (vevent,) = Calendar.from_ical(ics).walk("VEVENT")
    return str(vevent["DESCRIPTION"]).split("\n\n")[-2].split("\n")[1]
