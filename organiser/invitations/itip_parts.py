"""The iTIP object of a mail the worker renders (deferred_notices): the event-wide part written once, the invitee's
own lines put in their places.

`invitation_to_ical` writes the whole object for one invitee; most of it (VTIMEZONE, the event's VEVENT) is the
same for everyone invited to the event. `itip_for` writes it once per (event version, method, language, status
lines) with a mark where the invitee's DTSTAMP, SEQUENCE, ORGANIZER and ATTENDEE go, and fills the marks per mail:
byte for byte what `invitation_to_ical` writes (tests/mail/test_deferred.py, tests/invitations/test_preview.py).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, cast

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar.parser import Contentline, Parameters
from icalendar.prop import vDDDTypes, vInt

from ..extensions import utcnow
from ..inbox.addresses import inbox_configured, plus_address
from ..mail.models import OutboxMessage
from ..mail.rendering import sender
from .guest_list import waiting_position
from .ical import PARTSTAT, _address, bare_address, invitation_to_ical
from .models import Invitation, InvitationState
from .reply_keys import _derive_reply_key


def calendar_status_lines(invitation: Invitation, position: int | None = None) -> list[str]:
    """The invitee's place in words, for the DESCRIPTION of their calendar entry (it mirrors organiser)."""
    state = invitation.state
    if state == InvitationState.YES:
        line = _("Uw antwoord: u komt.")
        if invitation.plus_ones:
            line += " " + _("Introducés: %(num)d.", num=invitation.plus_ones)
    elif state == InvitationState.WAITING:
        line = _(
            "U staat op de wachtlijst, op plaats %(position)d. Komt er een plek vrij, dan krijgt u bericht.",
            position=position or waiting_position(invitation),
        )
    elif state == InvitationState.MAYBE:
        line = _("Uw antwoord: misschien.")
    elif state == InvitationState.NO:
        line = _("Uw antwoord: u komt niet.")
    else:
        line = _("U heeft nog niet geantwoord.")
    if inbox_configured():
        how = _("Antwoorden of uw antwoord wijzigen kan met de knoppen in uw agenda, of met de link in de mail.")
    else:
        how = _("De knoppen in uw agenda geven uw antwoord niet door. Antwoord met de persoonlijke link in de mail.")
    return [line, how]


def _organiser_for(invitation: Invitation, cache: dict) -> tuple[str, str]:
    """notices._organiser_address without writing: the reply key was made when the mail was recorded; a key
    revoked since (a withdrawal) leaves the sender's address. The sender is read once per batch."""
    if "sender" not in cache:
        cache["sender"] = sender()
    name, address = cache["sender"]
    event = invitation.event
    if event.organiser is not None and not isinstance(current_app.config["MAIL_DEFAULT_SENDER"], tuple | list):
        name = event.organiser.name
    if invitation.reply_nonce and invitation.reply_key_hash:
        address = plus_address(_derive_reply_key(invitation.reply_nonce)) or address
    return name or "organiser", address


def itip_for(message: OutboxMessage, invitation: Invitation, recorded: Any, locale: str, cache: dict) -> str | None:
    """The iTIP object: the event-wide part written once per (event version, method, language, status lines),
    the invitee's DTSTAMP, SEQUENCE, ORGANIZER and ATTENDEE added to it (as icalendar writes those lines)."""
    method = cast(Any, message.ics_method)
    facts = message.facts or {}
    said = (locale, method, recorded.state, recorded.plus_ones, facts.get("waiting_position"))
    if said not in cache:
        with force_locale(locale):
            position = facts.get("waiting_position") or 1
            cache[said] = (
                tuple(calendar_status_lines(cast(Invitation, recorded), position)) if method != "CANCEL" else ()
            )
    lines = cache[said]
    event = invitation.event
    key = (event.id, event.updated_at, event.sequence, method, locale, lines)
    if key not in cache:
        base_url, tzid = current_app.config["BASE_URL"], current_app.config["TIMEZONE"]
        with force_locale(locale):
            whole = invitation_to_ical(
                cast(Invitation, recorded),
                method=method,
                base_url=base_url,
                tzid=tzid,
                organiser_name="x",
                organiser_email="x@x.invalid",
                stamp=utcnow(),
                rsvp=False,
                status_lines=lines,
            )
        cache[key] = _without_own_lines(whole)
    template = cache[key]
    organiser = _organiser_for(invitation, cache)
    if organiser not in cache:
        cache[organiser] = _line("ORGANIZER", _address(bare_address(organiser[1]), organiser[0]))
    stamp = facts.get("stamp") or utcnow().isoformat()
    if stamp not in cache:
        cache[stamp] = _line("DTSTAMP", vDDDTypes(datetime.fromisoformat(stamp).astimezone(UTC)))
    sequence = facts["sequence"] if facts.get("sequence") is not None else event.sequence
    attendee = {"role": "REQ-PARTICIPANT", "partstat": PARTSTAT[recorded.state]}
    if method == "REQUEST":
        attendee["rsvp"] = "TRUE" if cache.setdefault("inbox", inbox_configured()) else "FALSE"
    person = invitation.person
    address = person.email or ""
    address = address.strip() if "<" not in address else bare_address(address)  # (parseaddr per mail was slow)
    own = {
        "DTSTAMP": cache[stamp],
        "SEQUENCE": _line("SEQUENCE", vInt(int(sequence))),
        "ORGANIZER": cache[organiser],
        "ATTENDEE": _line("ATTENDEE", _address(address, person.name, **attendee)),
    }
    return _OWN_MARK.sub(lambda found: own[found.group(1)], template)


def _line(name: str, value: Any) -> str:
    """One content line, folded and CRLF-terminated, as Component.to_ical writes the property."""
    parameters = value.params if isinstance(getattr(value, "params", None), Parameters) else Parameters()
    return _fold(Contentline.from_parts(name, parameters, value)) + "\r\n"


def _fold(line: Contentline) -> str:
    """Folded as icalendar folds it (74 octets a line, each further line after a space), without going character
    by character for the usual plain-ASCII line: icalendar's folding was the slowest step of a mail."""
    if line.isascii() and "\\" not in line and "^" not in line:  # (icalendar keeps \x and ^x escapes whole)
        if len(line) <= 74:
            return str(line)
        return "\r\n ".join(line[i : i + 74] for i in range(0, len(line), 74))
    return line.to_ical().decode("utf-8")


#: The properties of the invitee's own: left out of the event-wide part and written per mail.
_OWN = ("DTSTAMP", "SEQUENCE", "ORGANIZER", "ATTENDEE")
_OWN_MARK = re.compile("\x00(DTSTAMP|SEQUENCE|ORGANIZER|ATTENDEE)\x00\r\n")


def _without_own_lines(ics: str) -> str:
    """The iTIP object with each of the invitee's own properties (folded lines and all) replaced by a mark, so that
    a mail's object is this with its own lines in their places: the bytes invitation_to_ical writes."""
    kept: list[str] = []
    skipping = False
    for line in ics.split("\r\n"):
        if line.startswith(" ") and skipping:
            continue  # a folded continuation of a replaced property
        name = line.split(":", 1)[0].split(";", 1)[0].upper()
        skipping = name in _OWN and not line.startswith(" ")
        kept.append(f"\x00{name}\x00" if skipping else line)
    return "\r\n".join(kept)
