"""Accept / Tentative / Decline pressed in Outlook, Gmail, Apple Calendar or Thunderbird, end to end: the
invitation mail organiser queued, the client's REPLY (in that client's form) in a real IMAP mailbox, `flask inbox
fetch`, and what the organiser's answers page, the database and the invitee's next calendar message show."""

from __future__ import annotations

import uuid
from datetime import timedelta
from email.utils import format_datetime

import pytest

from organiser.extensions import utcnow
from organiser.inbox.models import InboxMessage
from organiser.invitations import answers, sending
from organiser.invitations.models import Invitation, InvitationState
from organiser.mail.models import OutboxMessage, OutboxStatus
from organiser.people.models import Person
from tests.inbox.conftest import (
    REPLY_ADDRESS,
    fetch,
    ical_stamp,
    last_calendar_mail,
    reload,
    render_message,
    reply_from,
    vevent_of,
)

SUBJECTS = {"ACCEPTED": "Geaccepteerd", "TENTATIVE": "Voorlopig", "DECLINED": "Geweigerd"}


def test_invitation_names_a_plus_addressed_organizer_that_only_this_invitation_carries(db, invited):
    event, (first, second) = invited(n=2)
    organizers = []
    for invitation in (first, second):
        vevent = vevent_of(last_calendar_mail(db, invitation.id))
        organizer = str(vevent["ORGANIZER"])
        assert organizer.startswith("mailto:antwoord+") and organizer.endswith("@gemeente.example")
        assert "<" not in organizer and " " not in organizer  # a bare address, never a display name
        assert vevent["ATTENDEE"].params["RSVP"] == "TRUE"
        organizers.append(organizer)
    assert organizers[0] != organizers[1]
    # Only the key's hash is stored.
    key = organizers[0][len("mailto:antwoord+") :].split("@")[0]
    assert db.session.scalar(db.select(Invitation).where(Invitation.reply_key_hash == key)) is None


@pytest.mark.parametrize(
    ("calendar_app", "partstat", "state"),
    [
        ("outlook", "ACCEPTED", InvitationState.YES),
        ("gmail", "DECLINED", InvitationState.NO),
        ("apple", "TENTATIVE", InvitationState.MAYBE),
        ("thunderbird", "ACCEPTED", InvitationState.YES),
    ],
)
def test_a_button_pressed_in_the_calendar_counts_like_the_web_page(
    app, db, logged_in, dovecot, mailbox_user, invited, calendar_app, partstat, state
):
    event, (invitation,) = invited()
    sequence_before = int(vevent_of(last_calendar_mail(db, invitation.id))["SEQUENCE"])
    dovecot.append(mailbox_user, reply_from(db, invitation.id, calendar_app, partstat))

    assert "applied 1" in fetch(app)

    invitation = reload(db, invitation.id)
    assert invitation.state == state
    assert invitation.answer_source == "calendar"
    assert dovecot.messages(mailbox_user) == []  # removed once applied
    page = logged_in.get(f"/events/{event.id}/answers").get_data(as_text=True)
    assert "via de agenda-app" in page
    assert "antwoordde met de agenda-app" in page
    # The confirmation brings the real outcome back to the calendar, superseding the invitation.
    confirmation = last_calendar_mail(db, invitation.id)
    assert confirmation.kind == "confirmation"
    vevent = vevent_of(confirmation)
    assert int(vevent["SEQUENCE"]) > sequence_before
    if state == InvitationState.NO:
        assert confirmation.ics_method == "CANCEL"
    else:
        assert vevent["ATTENDEE"].params["PARTSTAT"] == partstat


def test_accept_on_a_full_event_puts_the_invitee_on_the_waiting_list_and_tells_their_calendar(
    app, db, dovecot, mailbox_user, invited
):
    event, (seated, late) = invited(n=2, capacity=1)
    answers.record_answer(db.session.get(Invitation, seated.id), "yes")
    db.session.commit()
    dovecot.append(mailbox_user, reply_from(db, late.id, "outlook", "ACCEPTED"))
    fetch(app)
    assert reload(db, late.id).state == InvitationState.WAITING
    vevent = vevent_of(last_calendar_mail(db, late.id))
    assert vevent["ATTENDEE"].params["PARTSTAT"] == "TENTATIVE"  # the calendar no longer says "accepted"
    assert "wachtlijst, op plaats 1" in str(vevent["DESCRIPTION"])


def test_plus_ones_are_kept_when_the_calendar_accepts_again(app, db, dovecot, mailbox_user, invited):
    event, (invitation,) = invited(max_plus_ones=2)
    answers.record_answer(db.session.get(Invitation, invitation.id), "yes", plus_ones=2)
    db.session.commit()
    # The calendar app accepts (again) after the confirmation: the two guests stay booked.
    dovecot.append(mailbox_user, reply_from(db, invitation.id, "gmail", "ACCEPTED"))
    fetch(app)
    invitation = reload(db, invitation.id)
    assert invitation.state == InvitationState.YES and invitation.plus_ones == 2
    assert invitation.event.seats_taken == 3
    assert db.session.scalar(db.select(InboxMessage.outcome)) == "unchanged"


def test_a_forged_reply_naming_someone_else_changes_nothing(app, db, logged_in, dovecot, mailbox_user, invited):
    event, (mine, theirs) = invited(n=2)
    other_person = db.session.get(Person, theirs.person_id)
    # The REPLY carries my key but names the other invitee as ATTENDEE.
    dovecot.append(mailbox_user, reply_from(db, mine.id, "outlook", "DECLINED", attendee=other_person.email))
    # And one with a key that belongs to no invitation.
    dovecot.append(
        mailbox_user,
        reply_from(db, theirs.id, "gmail", "DECLINED", ORGANIZER=f"antwoord+{'a' * 26}@gemeente.example"),
    )
    fetch(app)
    assert reload(db, mine.id).state == InvitationState.INVITED
    assert reload(db, theirs.id).state == InvitationState.INVITED
    outcomes = set(db.session.scalars(db.select(InboxMessage.outcome)))
    assert outcomes == {"not_invitee", "unknown_key"}
    page = logged_in.get(f"/events/{event.id}/answers").get_data(as_text=True)
    assert other_person.email in page and "niet verwerkt" in page
    # The invitee whose key was used hears about it at their own address, never at the address the REPLY named.
    back = last_calendar_mail(db, mine.id)
    assert back.kind == "calendar_answer" and back.to_address == mine.person.email


def test_a_reply_after_the_deadline_changes_nothing_and_the_invitee_hears_why(app, db, dovecot, mailbox_user, invited):
    event, (invitation,) = invited()
    dovecot.append(mailbox_user, reply_from(db, invitation.id, "thunderbird", "ACCEPTED"))
    event.rsvp_deadline = utcnow() - timedelta(hours=1)
    db.session.commit()
    fetch(app)
    assert reload(db, invitation.id).state == InvitationState.INVITED
    back = last_calendar_mail(db, invitation.id)
    assert back.kind == "calendar_answer" and "termijn om te antwoorden is voorbij" in back.text_body
    assert vevent_of(back)["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION"  # their calendar is put right


def test_a_reply_for_a_cancelled_event_removes_it_from_the_calendar(app, db, dovecot, mailbox_user, invited):
    from organiser.events import publishing as events

    event, (invitation,) = invited()
    dovecot.append(mailbox_user, reply_from(db, invitation.id, "apple", "ACCEPTED"))
    events.cancel_event(event)
    db.session.commit()
    fetch(app)
    back = last_calendar_mail(db, invitation.id)
    assert back.kind == "calendar_answer" and back.ics_method == "CANCEL" and "afgelast" in back.text_body
    assert db.session.scalar(db.select(InboxMessage.outcome)) == "cancelled"


def test_duplicates_and_older_replies_arriving_late_change_nothing(app, db, dovecot, mailbox_user, invited):
    event, (invitation,) = invited()
    now = utcnow()
    decline = reply_from(db, invitation.id, "outlook", "DECLINED", stamp=now)
    older_accept = reply_from(db, invitation.id, "outlook", "ACCEPTED", stamp=now - timedelta(minutes=5))
    dovecot.append(mailbox_user, decline)
    dovecot.append(mailbox_user, decline)  # delivered twice: same Message-ID
    dovecot.append(mailbox_user, older_accept)  # made before the decline, delivered after it
    fetch(app)
    assert reload(db, invitation.id).state == InvitationState.NO
    assert sorted(db.session.scalars(db.select(InboxMessage.outcome))) == ["applied", "older"]
    assert len([m for m in db.session.scalars(db.select(OutboxMessage)) if m.kind == "confirmation"]) == 1
    assert dovecot.messages(mailbox_user) == []


def test_a_reply_to_an_older_version_of_the_entry_loses_even_with_a_later_dtstamp(
    app, db, dovecot, mailbox_user, invited
):
    """RFC 5546 §2.1.5: replies are ordered by SEQUENCE first, DTSTAMP only among equal SEQUENCEs."""
    event, (invitation,) = invited()
    sequence = int(vevent_of(last_calendar_mail(db, invitation.id))["SEQUENCE"])
    now = utcnow()
    newer = reply_from(
        db, invitation.id, "outlook", "ACCEPTED", stamp=now - timedelta(minutes=5), SEQUENCE=sequence + 1
    )
    # Pressed on an outdated copy of the entry (or by a client whose clock runs ahead): a later DTSTAMP.
    outdated = reply_from(db, invitation.id, "apple", "DECLINED", stamp=now, SEQUENCE=sequence)
    dovecot.append(mailbox_user, newer)
    dovecot.append(mailbox_user, outdated)
    fetch(app)
    stored = reload(db, invitation.id)
    assert stored.state == InvitationState.YES and stored.calendar_reply_sequence == sequence + 1
    assert sorted(db.session.scalars(db.select(InboxMessage.outcome))) == ["applied", "older"]


def test_a_web_answer_made_after_the_calendar_reply_stands(app, db, dovecot, mailbox_user, invited):
    event, (invitation,) = invited()
    reply = reply_from(db, invitation.id, "gmail", "ACCEPTED", stamp=utcnow() - timedelta(minutes=10))
    answers.record_answer(db.session.get(Invitation, invitation.id), "no")
    db.session.commit()
    dovecot.append(mailbox_user, reply)
    fetch(app)
    assert reload(db, invitation.id).state == InvitationState.NO
    assert db.session.scalar(db.select(InboxMessage.outcome)) == "superseded"


def test_a_counter_proposal_is_declined_and_shown_to_the_organiser(app, db, logged_in, dovecot, mailbox_user, invited):
    event, (invitation,) = invited()
    reply = reply_from(
        db,
        invitation.id,
        form="counter",
        DTSTART=ical_stamp(event.starts_at + timedelta(hours=1)),
        DTEND=ical_stamp(event.ends_at + timedelta(hours=1)),
    )
    dovecot.append(mailbox_user, reply)
    fetch(app)
    assert reload(db, invitation.id).state == InvitationState.INVITED
    back = last_calendar_mail(db, invitation.id)
    assert back.ics_method == "DECLINECOUNTER" and "andere tijd" in back.text_body
    page = logged_in.get(f"/events/{event.id}/answers").get_data(as_text=True)
    assert "stelt een andere tijd voor" in page and "Kan het een uur later?" in page


def test_an_unreadable_calendar_part_changes_nothing_and_the_invitee_hears_so(app, db, dovecot, mailbox_user, invited):
    event, (invitation,) = invited()
    organizer = str(vevent_of(last_calendar_mail(db, invitation.id))["ORGANIZER"])[len("mailto:") :]
    person = db.session.get(Invitation, invitation.id).person
    broken = render_message(
        "broken_reply",
        ATTENDEE=person.email,
        ATTENDEE_NAME=person.name,
        ORGANIZER=organizer,
        SUBJECT="Geaccepteerd",
        DATE=format_datetime(utcnow()),
        MESSAGE_ID="<broken-1@client.example>",
        UID=event.uid,
    )
    dovecot.append(mailbox_user, broken)
    fetch(app)
    assert reload(db, invitation.id).state == InvitationState.INVITED
    assert db.session.scalar(db.select(InboxMessage.outcome)) == "malformed"
    assert last_calendar_mail(db, invitation.id).kind == "calendar_answer"


def test_out_of_office_replies_give_the_organiser_a_line_and_nobody_a_mail(
    app, db, logged_in, dovecot, mailbox_user, invited
):
    event, (invitation,) = invited()
    invitation_mail = last_calendar_mail(db, invitation.id)
    person = db.session.get(Invitation, invitation.id).person
    for name in ("outlook_auto_reply", "gmail_vacation"):
        dovecot.append(
            mailbox_user,
            render_message(
                name,
                ATTENDEE=person.email,
                ATTENDEE_NAME=person.name,
                SUMMARY=event.title,
                DATE=format_datetime(utcnow()),
                MESSAGE_ID=f"<{uuid.uuid4()}@client.example>",
                IN_REPLY_TO=invitation_mail.message_id,
            ),
        )
    mails_before = db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage))
    fetch(app)
    assert reload(db, invitation.id).state == InvitationState.INVITED
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == mails_before
    assert set(db.session.scalars(db.select(InboxMessage.kind))) == {"auto_reply"}
    page = logged_in.get(f"/events/{event.id}/answers").get_data(as_text=True)
    assert "Automatisch antwoord van" in page


def test_a_bounce_marks_the_address_as_not_working_and_tells_the_organiser(
    app, db, logged_in, dovecot, mailbox_user, invited
):
    event, (invitation,) = invited()
    invitation_mail = last_calendar_mail(db, invitation.id)
    person = db.session.get(Invitation, invitation.id).person
    dovecot.append(
        mailbox_user,
        render_message(
            "postfix_bounce",
            ATTENDEE=person.email,
            ATTENDEE_NAME=person.name,
            SUMMARY=event.title,
            DATE=format_datetime(utcnow()),
            MESSAGE_ID="<20261130100000.4A1B62C0F3@mail.gemeente.example>",
            ORIGINAL_ID=invitation_mail.message_id,
        ),
    )
    # A delay notice is not a bounce: nothing is marked.
    dovecot.append(
        mailbox_user,
        render_message(
            "exchange_delay",
            ATTENDEE=person.email,
            SUMMARY=event.title,
            DATE=format_datetime(utcnow()),
            MESSAGE_ID="<delay-1@gemeente.example>",
            ORIGINAL_ID=invitation_mail.message_id,
        ),
    )
    fetch(app)
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    assert person.email_bounced_at is not None and "5.1.1" in person.email_problem
    assert db.session.get(OutboxMessage, invitation_mail.id).status == OutboxStatus.FAILED
    page = logged_in.get(f"/events/{event.id}/answers").get_data(as_text=True)
    assert "e-mailadres werkt niet" in page and "onbestelbaar terug" in page
    for where in (f"/events/{event.id}/guests", f"/people/{person.id}", "/people"):
        assert "e-mailadres werkt niet" in logged_in.get(where).get_data(as_text=True), where
    assert sorted(db.session.scalars(db.select(InboxMessage.kind))) == ["bounce", "other"]


@pytest.mark.parametrize(
    ("stored", "reported", "knows_the_mail"),
    [
        ("anna@bücher.example", "anna@xn--bcher-kva.example", True),  # as entered; the server reports the wire form
        ("anna@bücher.example", "anna@xn--bcher-kva.example", False),  # a bounce without the original's headers
        ("anna@xn--bcher-kva.example", "anna@bücher.example", True),  # stored in ASCII; reported in Unicode
        ("Anna@Bücher.example", "anna@XN--BCHER-KVA.example", False),
    ],
)
def test_a_bounce_for_an_internationalised_address_finds_the_person_in_either_form(
    app, db, dovecot, mailbox_user, create_event, create_person, organiser, stored, reported, knows_the_mail
):
    event = create_event(organiser=organiser)
    person = create_person(name="Anna Bücher", email=stored)
    db.session.add(Invitation(event=event, person=person))
    db.session.flush()
    sending.send_invitations(event)
    db.session.commit()
    invitation = db.session.scalar(db.select(Invitation).where(Invitation.person_id == person.id))
    invitation_mail = last_calendar_mail(db, invitation.id)
    assert invitation_mail.to_address.endswith("@xn--bcher-kva.example")  # sent in the wire form
    dovecot.append(
        mailbox_user,
        render_message(
            "postfix_bounce",
            ATTENDEE=reported,
            ATTENDEE_NAME=person.name,
            SUMMARY=event.title,
            DATE=format_datetime(utcnow()),
            MESSAGE_ID=f"<{uuid.uuid4()}@mail.gemeente.example>",
            ORIGINAL_ID=invitation_mail.message_id if knows_the_mail else "<elsewhere@mail.example>",
        ),
    )
    fetch(app)
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    assert person.email_bounced_at is not None and "5.1.1" in person.email_problem
    (line,) = db.session.scalars(db.select(InboxMessage))
    assert line.outcome == "bounce"
    if knows_the_mail:
        assert db.session.get(OutboxMessage, invitation_mail.id).status == OutboxStatus.FAILED
        assert line.invitation_id == invitation.id


def test_a_person_writing_to_the_reply_address_is_shown_to_the_organiser(
    app, db, logged_in, dovecot, mailbox_user, invited
):
    event, (invitation,) = invited()
    organizer = str(vevent_of(last_calendar_mail(db, invitation.id))["ORGANIZER"])[len("mailto:") :]
    person = db.session.get(Invitation, invitation.id).person
    dovecot.append(
        mailbox_user,
        render_message(
            "person_writes",
            ATTENDEE=person.email,
            ATTENDEE_NAME=person.name,
            ORGANIZER=organizer,
            DATE=format_datetime(utcnow()),
            MESSAGE_ID="<question-1@client.example>",
        ),
    )
    fetch(app)
    page = logged_in.get(f"/events/{event.id}/answers").get_data(as_text=True)
    assert "schreef aan het antwoordadres: Vraag over de route" in page


def test_withdrawal_revokes_the_reply_key(app, db, dovecot, mailbox_user, invited):
    event, (invitation,) = invited()
    reply = reply_from(db, invitation.id, "outlook", "ACCEPTED")
    answers.withdraw(db.session.get(Invitation, invitation.id))
    db.session.commit()
    dovecot.append(mailbox_user, reply)
    fetch(app)
    assert reload(db, invitation.id).state == InvitationState.NO
    assert db.session.scalar(db.select(InboxMessage.outcome)) == "unknown_key"


def test_reply_address_is_compared_without_regard_to_case(app, db, dovecot, mailbox_user, invited):
    event, (invitation,) = invited()
    reply = reply_from(db, invitation.id, "outlook", "ACCEPTED")
    dovecot.append(mailbox_user, reply.replace(REPLY_ADDRESS.split("@")[0].encode(), b"Antwoord"))
    fetch(app)
    assert reload(db, invitation.id).state == InvitationState.YES


def test_a_reply_after_the_event_began_changes_nothing(app, db, logged_in, dovecot, mailbox_user, invited):
    event, (invitation,) = invited()
    dovecot.append(mailbox_user, reply_from(db, invitation.id, "gmail", "DECLINED"))
    event.starts_at = utcnow() - timedelta(hours=1)
    event.ends_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    mails_before = db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage))
    fetch(app)
    assert reload(db, invitation.id).state == InvitationState.INVITED
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == mails_before
    page = logged_in.get(f"/events/{event.id}/answers").get_data(as_text=True)
    assert "nadat de bijeenkomst begonnen was" in page


def test_erasing_a_person_revokes_their_reply_key(app, db, dovecot, mailbox_user, invited):
    from organiser.people.erasure import delete_person

    event, (invitation,) = invited()
    reply = reply_from(db, invitation.id, "apple", "ACCEPTED")
    delete_person(db.session.get(Invitation, invitation.id).person)
    db.session.commit()
    dovecot.append(mailbox_user, reply)
    fetch(app)
    assert db.session.scalar(db.select(InboxMessage.outcome)) == "unknown_key"
    row = db.session.scalar(db.select(InboxMessage))
    assert (row.sender, row.detail) == ("", "")  # the erased address is not kept here either
