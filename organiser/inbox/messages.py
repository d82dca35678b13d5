"""Reading a message from the reply mailbox: what it is and what it says (pure; no database, no app).

The forms handled are those Outlook (Exchange), Gmail (Google Calendar), Apple Calendar and Thunderbird send
(RFC 6047 iMIP: a `text/calendar; method=REPLY` part, often repeated as an `application/ics` attachment),
delivery status notifications (RFC 3464 `multipart/report; report-type=delivery-status`, and the older
`X-Failed-Recipients` form of Exim), and automatic answers (RFC 3834 `Auto-Submitted`, `X-Autoreply`,
`Precedence: auto_reply`, Outlook's "Automatic reply:" subject). Nothing in a message is trusted: any part
may be missing or broken, and reading never raises.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses, parseaddr
from typing import Any

from icalendar import Calendar

from .models import MessageKind

#: iTIP PARTSTAT values a REPLY can carry that organiser records (others, such as DELEGATED, are not answers).
ANSWER_PARTSTATS = ("ACCEPTED", "TENTATIVE", "DECLINED")
#: Subjects of automatic answers from servers that set none of the headers (Outlook's own words, several languages).
AUTO_REPLY_SUBJECTS = re.compile(
    r"^\s*(automatic reply|automatisch antwoord|automatische antwort|réponse automatique|out of office|"
    r"afwezig|abwesend|autoreply|auto-reply|auto reply)\b",
    re.IGNORECASE,
)
#: Largest calendar part read (a REPLY is a few kilobytes; anything far larger is not one).
MAX_CALENDAR_BYTES = 256 * 1024
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True)
class CalendarAnswer:
    """The calendar object of a REPLY or COUNTER, as far as organiser needs it."""

    method: str
    uid: str
    sequence: int
    #: When the attendee's client made the message; None when the client left it out.
    dtstamp: datetime | None
    #: The attendee's bare address, lower case.
    attendee: str
    partstat: str
    #: The ORGANIZER's bare address, lower case (carries the plus-address key the invitation was sent with).
    organizer: str
    comment: str = ""
    #: COUNTER: the proposed start and end.
    proposed_start: datetime | None = None
    proposed_end: datetime | None = None


@dataclass(frozen=True)
class Bounce:
    """A delivery status notification: which addresses failed, why, and which of our mails it was about."""

    recipients: tuple[str, ...]
    status: str
    diagnostic: str
    #: Message-IDs of the undelivered mail, from the returned headers (ours are on the outbox rows).
    original_message_ids: tuple[str, ...]


@dataclass(frozen=True)
class IncomingMessage:
    """One message from the reply mailbox, read and classified."""

    key: str
    kind: MessageKind
    #: The From address, lower case ("" when there is none).
    sender: str
    subject: str
    #: Every address the message was delivered to (To, Cc, Delivered-To, X-Original-To, Envelope-To), lower case.
    recipients: tuple[str, ...] = ()
    #: Message-IDs this message answers (In-Reply-To and References), to find our mail it is about.
    answers_to: tuple[str, ...] = ()
    calendar: CalendarAnswer | None = None
    bounce: Bounce | None = None
    #: Why a calendar part could not be used (MALFORMED), or what an OTHER message was (a delay notice).
    problem: str = ""


def read_message(raw: bytes) -> IncomingMessage:
    """Classify a raw message (RFC 5322 bytes); never raises."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
        return _classify(message, raw)
    except Exception:  # noqa: BLE001 - the parser is lenient, but nothing in a mailbox may stop the batch
        return IncomingMessage(key=raw_key(raw), kind=MessageKind.MALFORMED, sender="", subject="", problem="mime")


def _classify(message: Message, raw: bytes) -> IncomingMessage:
    key = message_key(message, raw)
    sender = bare_address(_header(message, "From"))
    subject = _header(message, "Subject")
    base: dict[str, Any] = {
        "key": key,
        "sender": sender,
        "subject": subject,
        "recipients": _recipients(message),
        "answers_to": _unique(
            _MESSAGE_ID.findall(_header(message, "In-Reply-To") + " " + _header(message, "References"))
        ),
    }
    bounce = _read_bounce(message)
    if bounce is not None:
        if isinstance(bounce, str):
            return IncomingMessage(kind=MessageKind.OTHER, problem=bounce, **base)
        return IncomingMessage(kind=MessageKind.BOUNCE, bounce=bounce, **base)
    calendar_text = _calendar_part(message)
    if calendar_text is not None:
        answer, problem = read_calendar_answer(calendar_text)
        if answer is None:
            return IncomingMessage(kind=MessageKind.MALFORMED, problem=problem, **base)
        kind = MessageKind.COUNTER if answer.method == "COUNTER" else MessageKind.REPLY
        return IncomingMessage(kind=kind, calendar=answer, **base)
    if is_auto_reply(message):
        return IncomingMessage(kind=MessageKind.AUTO_REPLY, **base)
    return IncomingMessage(kind=MessageKind.OTHER, **base)


def message_key(message: Message, raw: bytes) -> str:
    """The Message-ID, or a digest of the message for the rare message without one."""
    found = _MESSAGE_ID.search(_header(message, "Message-ID"))
    if found and len(found.group(0)) <= 250:
        return found.group(0)
    return raw_key(raw)


def raw_key(raw: bytes) -> str:
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def bare_address(value: str) -> str:
    """'Jan <Jan@X.nl>' or 'mailto:Jan@X.nl' → 'jan@x.nl'; '' when there is no address."""
    value = (value or "").strip()
    if value.lower().startswith("mailto:"):
        value = value[7:]
    address = parseaddr(value)[1].strip().lower()
    return address if "@" in address else ""


def is_auto_reply(message: Message) -> bool:
    """RFC 3834 and the headers auto-responders set in practice, or an out-of-office subject."""
    auto_submitted = _header(message, "Auto-Submitted").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return True
    if _header(message, "X-Autoreply") or _header(message, "X-Autorespond"):
        return True
    if _header(message, "Precedence").strip().lower() == "auto_reply":
        return True
    return bool(AUTO_REPLY_SUBJECTS.match(_header(message, "Subject")))


# --- Calendar parts -------------------------------------------------------------------------------------


def _calendar_part(message: Message) -> str | None:
    """The text of the first calendar part: text/calendar first, else an .ics attachment."""
    candidates: list[Message] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        filename = (part.get_filename() or "").lower()
        if content_type == "text/calendar":
            candidates.insert(0, part)
        elif content_type in ("application/ics", "application/octet-stream") and filename.endswith(".ics"):
            candidates.append(part)
    for part in candidates:
        try:
            payload = part.get_payload(decode=True) or b""
        except Exception:  # noqa: BLE001, S112 - broken transfer encoding: try the next candidate
            continue
        if not isinstance(payload, bytes):
            continue
        if len(payload) > MAX_CALENDAR_BYTES:
            return ""
        charset = part.get_content_charset() or "utf-8"
        try:
            return payload.decode(charset, "replace")
        except LookupError:
            return payload.decode("utf-8", "replace")
    return None


def read_calendar_answer(text: str) -> tuple[CalendarAnswer | None, str]:
    """The REPLY or COUNTER in an iCalendar text, or (None, why not)."""
    if not text.strip():
        return None, "empty"
    try:
        calendar = Calendar.from_ical(text)
    except Exception:  # noqa: BLE001 - icalendar raises ValueError and others on broken input
        return None, "unreadable"
    method = str(calendar.get("METHOD", "")).strip().upper()
    if method not in ("REPLY", "COUNTER"):
        return None, f"method:{method or '-'}"[:60]
    events = [c for c in calendar.walk("VEVENT")]
    if len(events) != 1:
        return None, "events"
    vevent = events[0]
    try:
        uid = str(vevent.get("UID", "")).strip()
        sequence = int(str(vevent.get("SEQUENCE", 0)).strip() or 0)
        dtstamp = _moment(vevent.get("DTSTAMP"))
        attendees = vevent.get("ATTENDEE")
        if attendees is None:
            return None, "attendee"
        if not isinstance(attendees, list):
            attendees = [attendees]
        if len(attendees) != 1:
            return None, "attendees"
        attendee = attendees[0]
        partstat = str(attendee.params.get("PARTSTAT", "")).strip().upper()
        proposed_start = _moment(vevent.get("DTSTART")) if method == "COUNTER" else None
        proposed_end = _moment(vevent.get("DTEND")) if method == "COUNTER" else None
        comment = vevent.get("COMMENT", "")
        if isinstance(comment, list):
            comment = " ".join(str(c) for c in comment)
    except (ValueError, TypeError, AttributeError, KeyError):
        return None, "values"
    if not uid:
        return None, "uid"
    address = bare_address(str(attendee))
    if not address:
        return None, "attendee"
    if method == "REPLY" and partstat not in ANSWER_PARTSTATS:
        return None, f"partstat:{partstat or '-'}"[:60]
    return (
        CalendarAnswer(
            method=method,
            uid=uid[:255],
            sequence=max(sequence, 0),
            dtstamp=dtstamp,
            attendee=address,
            partstat=partstat,
            organizer=bare_address(str(vevent.get("ORGANIZER", ""))),
            comment=" ".join(str(comment).split())[:500],
            proposed_start=proposed_start,
            proposed_end=proposed_end,
        ),
        "",
    )


def _moment(prop) -> datetime | None:
    """An aware UTC moment from a DTSTAMP/DTSTART property; None when absent or a floating/whole-day value."""
    if prop is None:
        return None
    value = getattr(prop, "dt", None)
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else None
    if isinstance(value, date):
        return None
    return None


# --- Delivery status notifications ---------------------------------------------------------------------


def _read_bounce(message: Message) -> Bounce | str | None:
    """A Bounce for a failed delivery, "delayed" for a delay notice, None for anything that is no DSN."""
    if (
        message.get_content_type() == "multipart/report"
        and str(message.get_param("report-type") or "").lower() == "delivery-status"
    ):
        return _read_dsn(message)
    failed = _header(message, "X-Failed-Recipients")
    if failed:
        # Exim's plain-text bounce: the failed addresses in a header, the original message quoted after it.
        recipients = tuple(a for _n, a in getaddresses([failed]) if "@" in a)
        originals = tuple(dict.fromkeys(_MESSAGE_ID.findall(_message_id_lines(_plain_text(message)))))
        return Bounce(tuple(a.lower() for a in recipients), "5.0.0", "", originals)
    return None


def _read_dsn(message: Message) -> Bounce | str:
    recipients: list[str] = []
    statuses: list[str] = []
    diagnostics: list[str] = []
    delayed = False
    originals: list[str] = []
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "message/delivery-status":
            # Read as text like any header: a field with an address in Unicode (RFC 6533, SMTPUTF8) is no str here.
            for fields in _status_groups(part):
                action = _header(fields, "Action").strip().lower()
                recipient = bare_address(_header(fields, "Final-Recipient").partition(";")[2])
                if not recipient:
                    recipient = bare_address(_header(fields, "Original-Recipient").partition(";")[2])
                if action == "failed" and recipient:
                    recipients.append(recipient)
                    statuses.append(_header(fields, "Status").strip()[:20])
                    diagnostics.append(" ".join(_header(fields, "Diagnostic-Code").split())[:300])
                elif action == "delayed":
                    delayed = True
        elif content_type == "text/rfc822-headers":
            try:
                text = part.get_payload(decode=True) or b""
                if not isinstance(text, bytes):
                    continue
                headers = HeaderParser().parsestr(text.decode("utf-8", "replace"))
            except Exception:  # noqa: BLE001, S112
                continue
            originals.extend(_MESSAGE_ID.findall(headers.get("Message-ID", "") or ""))
        elif content_type == "message/rfc822":
            for returned in part.get_payload() or []:
                if isinstance(returned, Message):
                    originals.extend(_MESSAGE_ID.findall(returned.get("Message-ID", "") or ""))
    if not recipients:
        return "delayed" if delayed else "report"
    return Bounce(
        tuple(dict.fromkeys(recipients)),
        statuses[0] if statuses else "",
        next((d for d in diagnostics if d), ""),
        tuple(dict.fromkeys(originals)),
    )


def _status_groups(part: Message) -> list[Message]:
    """The per-recipient field groups of a message/delivery-status part (the parser splits them)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [group for group in payload if isinstance(group, Message)]
    if isinstance(payload, str):  # some servers' DSN parts reach us unsplit
        return [HeaderParser().parsestr(block) for block in re.split(r"\r?\n\r?\n", payload) if block.strip()]
    return []


def _plain_text(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            try:
                payload = part.get_payload(decode=True) or b""
                return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
            except Exception:  # noqa: BLE001
                return ""
    return ""


def _message_id_lines(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if line.lower().lstrip().startswith("message-id:"))


# --- Headers -------------------------------------------------------------------------------------------


def _header(message: Message, name: str) -> str:
    """A header as text, decoded (RFC 2047, or raw UTF-8 as many clients send) and on one line; "" when missing."""
    value = message.get(name)
    if value is None:
        return ""
    try:
        parts = email.header.decode_header(value)
    except Exception:  # noqa: BLE001 - a broken encoded word: the raw value will do
        parts = [(str(value), None)]
    text = "".join(_decoded(part, charset) for part, charset in parts)
    return " ".join(text.split())


def _decoded(part: bytes | str, charset: str | None) -> str:
    if isinstance(part, str):
        return part.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if charset in (None, "unknown-8bit"):
        try:
            return part.decode("utf-8")
        except UnicodeDecodeError:
            return part.decode("latin-1")
    try:
        return part.decode(charset, "replace")
    except LookupError:
        return part.decode("utf-8", "replace")


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _recipients(message: Message) -> tuple[str, ...]:
    values: list[str] = []
    for name in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"):
        values.extend(str(v) for v in (message.get_all(name) or []))
    found = [a.lower() for _n, a in getaddresses(values) if "@" in a]
    return tuple(dict.fromkeys(found))
