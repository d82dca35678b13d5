"""Reading what arrives in the reply mailbox (pure: no server, no database): every client's REPLY, COUNTER,
automatic answers, bounces and delay notices, and messages that are broken in every way a parser can meet."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from organiser.inbox.messages import read_message
from organiser.inbox.models import MessageKind
from tests.inbox.conftest import render_message

VALUES = {
    "UID": "event-1@organiser.test",
    "SEQUENCE": 2,
    "DTSTAMP": "20261130T100000Z",
    "ORGANIZER": "antwoord+abcdefghijklmnopqrstuvwxyz@gemeente.example",
    "ATTENDEE": "Anna.de.Vries@Gemeente.example",
    "ATTENDEE_NAME": "Anna de Vries",
    "DTSTART": "20261210T130000Z",
    "DTEND": "20261210T150000Z",
    "SUMMARY": "Bruiscafé in de Buurtkamer",
    "SUBJECT": "Geaccepteerd: Bruiscafé in de Buurtkamer",
    "MESSAGE_ID": "<1@client.example>",
    "DATE": "Mon, 30 Nov 2026 10:00:00 +0000",
    "ORIGINAL_ID": "<original@organiser.test>",
    "IN_REPLY_TO": "<original@organiser.test>",
}


@pytest.mark.parametrize("client", ["outlook", "gmail", "apple", "thunderbird"])
@pytest.mark.parametrize("partstat", ["ACCEPTED", "TENTATIVE", "DECLINED"])
def test_every_clients_reply(client, partstat):
    message = read_message(render_message(f"{client}_reply", calendar=f"{client}_reply", PARTSTAT=partstat, **VALUES))
    assert message.kind == MessageKind.REPLY
    assert message.key == "<1@client.example>"
    assert message.subject == "Geaccepteerd: Bruiscafé in de Buurtkamer"  # raw UTF-8 in a header, as clients send
    reply = message.calendar
    assert (reply.uid, reply.sequence, reply.partstat) == ("event-1@organiser.test", 2, partstat)
    assert reply.attendee == "anna.de.vries@gemeente.example"
    assert reply.dtstamp == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    # The key travels in the ORGANIZER (where the client copies it) or at least in To.
    assert VALUES["ORGANIZER"] in (reply.organizer, *message.recipients)


def test_counter_carries_the_proposed_time_and_comment():
    message = read_message(render_message("outlook_counter", calendar="outlook_counter", **VALUES))
    assert message.kind == MessageKind.COUNTER
    assert message.calendar.proposed_start == datetime(2026, 12, 10, 13, 0, tzinfo=UTC)
    assert message.calendar.comment == "Kan het een uur later?"


@pytest.mark.parametrize("name", ["outlook_auto_reply", "gmail_vacation"])
def test_automatic_answers(name):
    message = read_message(render_message(name, **VALUES))
    assert message.kind == MessageKind.AUTO_REPLY
    assert message.answers_to == ("<original@organiser.test>",)


def test_bounce_names_the_failed_address_and_our_message():
    message = read_message(render_message("postfix_bounce", **VALUES))
    assert message.kind == MessageKind.BOUNCE
    assert message.bounce.recipients == ("anna.de.vries@gemeente.example",)
    assert message.bounce.status == "5.1.1" and "User unknown" in message.bounce.diagnostic
    assert message.bounce.original_message_ids == ("<original@organiser.test>",)


def test_a_delay_notice_is_no_bounce():
    message = read_message(render_message("exchange_delay", **VALUES))
    assert message.kind == MessageKind.OTHER and message.problem == "delayed"


def test_exim_style_bounce():
    raw = (
        b"From: Mail Delivery System <Mailer-Daemon@mx.gemeente.example>\r\n"
        b"To: antwoord@gemeente.example\r\nSubject: Mail delivery failed\r\n"
        b"X-Failed-Recipients: weg@voorbeeld.nl\r\nMessage-ID: <exim-1@mx>\r\n\r\n"
        b"This message was created automatically by mail delivery software.\r\n\r\n"
        b"------ This is a copy of the message, including all the headers. ------\r\n"
        b"Message-ID: <ours@organiser.test>\r\nSubject: Uitnodiging\r\n"
    )
    message = read_message(raw)
    assert message.kind == MessageKind.BOUNCE
    assert message.bounce.recipients == ("weg@voorbeeld.nl",)
    assert message.bounce.original_message_ids == ("<ours@organiser.test>",)


def test_a_message_without_message_id_gets_a_stable_key():
    raw = render_message("person_writes", **VALUES).replace(b"Message-ID: <1@client.example>\r\n", b"")
    first, second = read_message(raw), read_message(raw)
    assert first.key.startswith("sha256:") and first.key == second.key
    assert first.kind == MessageKind.OTHER


@pytest.mark.parametrize(
    ("ics", "problem"),
    [
        ("", "empty"),
        ("BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n", "unreadable"),
        ("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n", "method:REQUEST"),
        ("BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n", "events"),
        ("BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "attendee"),
        (
            "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:x\r\n"
            "ATTENDEE;PARTSTAT=DELEGATED:mailto:a@b.nl\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "partstat:DELEGATED",
        ),
        (
            "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:x\r\nSEQUENCE:abc\r\n"
            "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.nl\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "values",
        ),
    ],
)
def test_broken_calendar_parts_are_malformed_not_a_crash(ics, problem):
    raw = (
        b"From: a@b.nl\r\nTo: antwoord+x@gemeente.example\r\nSubject: Geaccepteerd\r\nMessage-ID: <b@c>\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: text/calendar; charset="utf-8"; method=REPLY\r\n\r\n' + ics.encode()
    )
    message = read_message(raw)
    assert message.kind == MessageKind.MALFORMED
    assert message.problem == problem


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage",
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/calendar; charset=nonsense\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n--x--\r\n",
        b"Subject: =?utf-8?q?broken=ZZ?=\r\nFrom: <<<>>>\r\n\r\nbody",
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=y\r\n\r\n--y\r\n"
        b"Content-Type: message/delivery-status\r\n\r\nAction: failed\r\n--y--\r\n",
    ],
)
def test_nothing_in_a_mailbox_makes_reading_raise(raw):
    message = read_message(raw)
    assert message.kind in set(MessageKind)
    assert message.key
