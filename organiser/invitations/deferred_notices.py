"""The invitation, confirmation and promotion mails, recorded as facts and rendered by the worker (issue 12, 15).

Recording (in the request, inside the answer's lock or the send): `record_notice` for one invitation and
`invitation_rows` for a whole send write an outbox row with the kind, the invitation, the subject and a snapshot
(`snapshot`) of what was true: the answer and plus-ones, the place on the waiting list, whether plus-ones were
refused, the calendar SEQUENCE given to the invitee and the DTSTAMP. No link and no note is stored: the worker
derives the personal link from the invitation's nonce when it renders (links.rsvp_url), and reads the note then
(a note removed meanwhile, by a withdrawal or the retention purge, is not sent).

Rendering (in the worker, `render_notices`, registered for these kinds in organiser/receivers.py): the claimed
rows of a batch are rendered together with a fixed number of queries (their invitations, people and events
in a few SELECTs, the "who else comes" counts once per event); the event-wide part of the .ics (VTIMEZONE and
the VEVENT without the invitee's own lines) is written once per event version, method, language and status
lines (`_ics_for`) and reused across the batch.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar.parser import Contentline, Parameters
from icalendar.prop import vDDDTypes, vInt
from markupsafe import escape as markup_escape
from sqlalchemy.orm import Session, selectinload

from ..events.models import Event
from ..extensions import db, utcnow
from ..inbox.addresses import inbox_configured, plus_address
from ..mail.deferred import Contents, facts_row
from ..mail.models import OutboxKind, OutboxMessage
from ..mail.outbox import queue_row
from ..mail.rendering import QR_CONTENT_ID, render_bodies, render_subject, sender
from ..people.models import Person, PersonKind
from ..web import absolute_url
from .guest_list import Company, waiting_position
from .ical import PARTSTAT, _address, bare_address, invitation_to_ical
from .links import rsvp_token
from .models import Invitation, InvitationState
from .passes import pass_url
from .reply_keys import _derive_reply_key, organizer_address

#: Mails that confirm a place carry the check-in pass as a QR code (passes.py: not the RSVP link).
PASS_MAIL_KINDS = frozenset({OutboxKind.CONFIRMATION, OutboxKind.PROMOTION})

#: The kinds recorded as facts and rendered by the worker.
DEFERRED_KINDS = (OutboxKind.INVITATION, OutboxKind.CONFIRMATION, OutboxKind.PROMOTION)


def snapshot(
    invitation: Invitation,
    *,
    state: InvitationState,
    plus_ones: int,
    sequence: int | None,
    stamp: datetime,
    waiting_position: int | None = None,
    plus_ones_refused: bool = False,
) -> dict[str, Any]:
    """The facts a mail says, as JSON: answer, plus-ones, place in line, SEQUENCE, DTSTAMP (UTC, ISO 8601)."""
    return {
        "state": InvitationState(state).value,
        "plus_ones": int(plus_ones or 0),
        "waiting_position": waiting_position,
        "plus_ones_refused": bool(plus_ones_refused),
        "sequence": sequence,
        "stamp": stamp.isoformat(),
    }


def record_notice(
    invitation: Invitation,
    kind: OutboxKind,
    *,
    ics_method: str | None,
    waiting_position: int | None = None,
    plus_ones_refused: bool = False,
    not_before: datetime | None = None,
    subjects: dict[InvitationState, str] | None = None,
) -> None:
    """Record one mail about `invitation` as facts (flushes): the answer as it stands now, a raised SEQUENCE
    when the mail carries a calendar part. Nothing for a person without address or erased. `subjects`: the
    subject per answer, made before the event's lock was taken (`subjects_for`); else it is made here."""
    person = invitation.person
    if not person.email or person.deleted_at is not None:
        return
    event = invitation.event
    sequence = None
    if ics_method:
        organizer_address(invitation)  # the reply key is made here, in the request, never by the worker
        sequence = max((invitation.calendar_sequence or 0) + 1, event.sequence)
        invitation.calendar_sequence = sequence
    facts = snapshot(
        invitation,
        state=invitation.state,
        plus_ones=invitation.plus_ones,
        sequence=sequence,
        stamp=utcnow(),
        waiting_position=waiting_position,
        plus_ones_refused=plus_ones_refused,
    )
    organiser = event.organiser
    subject = (subjects or {}).get(invitation.state)
    if subject is None:
        subject = render_subject(kind.value, _locale(person), invitation=invitation, event=event, person=person)
    queue_row(
        facts_row(
            kind=kind,
            to_address=person.email,
            to_name=person.name,
            subject=subject,
            facts=facts,
            ics_method=ics_method,
            event_id=event.id,
            invitation_id=invitation.id,
            reply_to=(organiser.name, organiser.email) if organiser is not None and organiser.email else None,
            not_before=not_before,
        )
    )


def subjects_for(invitation: Invitation, kind: OutboxKind, states: Sequence[InvitationState]) -> dict:
    """The subject of `kind` for each answer in `states`, made ahead (before an answer takes the event's lock, so
    that the lock covers the seat arithmetic, not templates). Also loads what record_notice reads and makes the
    reply key, so that nothing of it happens under the lock."""
    person, event = invitation.person, invitation.event
    _ = event.organiser
    if not person.email or person.deleted_at is not None:
        return {}
    organizer_address(invitation)
    locale = _locale(person)
    return {
        state: render_subject(kind.value, locale, invitation=SimpleNamespace(state=state), event=event, person=person)
        for state in states
    }


def invitation_rows(event: Event, people: Sequence[tuple[int, Person, int | None]], now: datetime) -> list[dict]:
    """The outbox rows of a send: (invitation id, person, SEQUENCE) each, the subject made once per language."""
    organiser = event.organiser
    reply_to = (organiser.name, organiser.email) if organiser is not None and organiser.email else None
    subjects: dict[str, str] = {}
    rows = []
    for invitation_id, person, sequence in people:
        locale = _locale(person)
        if locale not in subjects:
            subjects[locale] = render_subject(OutboxKind.INVITATION.value, locale, event=event, person=person)
        facts = {
            "state": InvitationState.INVITED.value,
            "plus_ones": 0,
            "waiting_position": None,
            "plus_ones_refused": False,
            "sequence": sequence,
            "stamp": now.isoformat(),
        }
        rows.append(
            facts_row(
                kind=OutboxKind.INVITATION,
                to_address=person.email or "",
                to_name=person.name,
                subject=subjects[locale],
                facts=facts,
                ics_method="REQUEST",
                event_id=event.id,
                invitation_id=invitation_id,
                reply_to=reply_to,
                now=now,
            )
        )
    return rows


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


def _locale(person: Person) -> str:
    return person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


class AsRecorded:
    """The invitation as the mail must tell it: answer and plus-ones from the facts, the rest as stored."""

    def __init__(self, invitation: Invitation, facts: dict[str, Any]) -> None:
        self._invitation = invitation
        self.state = InvitationState(facts["state"])
        self.plus_ones = int(facts.get("plus_ones") or 0)
        #: The note as the templates see it (rendering puts a mark here; see render_notices).
        self.note = invitation.note

    def __getattr__(self, name: str) -> Any:
        return getattr(self._invitation, name)


def render_notices(session: Session, messages: Sequence[OutboxMessage]) -> dict[int, Contents | None]:
    """The contents of deferred invitation mails (see the module docstring); None for a row whose invitation or
    recipient is gone. Reads with `session`; writes nothing.

    The templates are rendered once per group of mails that differ only in the recipient's name, link, note and
    team line (same kind, language, event, subject, facts), with marks in their place; each mail is that text with
    the marks replaced (escaped in HTML, as Jinja's autoescape would): the same bytes, a fraction of the time.
    """
    ids = {message.invitation_id for message in messages if message.invitation_id is not None}
    invitations = {
        invitation.id: invitation
        for invitation in session.scalars(
            db.select(Invitation)
            .where(Invitation.id.in_(ids))
            .options(selectinload(Invitation.person), selectinload(Invitation.event), selectinload(Invitation.team))
        )
    }
    companies: dict[int, Company] = {}
    bodies: dict[tuple, tuple[str, str]] = {}
    ics_parts: dict[tuple, str] = {}
    answers = inbox_configured()
    contents: dict[int, Contents | None] = {}
    for message in messages:
        invitation = invitations.get(message.invitation_id or 0)
        person = invitation.person if invitation is not None else None
        if invitation is None or person is None or not person.email or person.deleted_at is not None:
            contents[message.id] = None
            continue
        event = invitation.event
        if event.id not in companies:
            companies[event.id] = _company(session, event.id)
        facts = message.facts or {}
        recorded = AsRecorded(invitation, facts)
        locale = _locale(person)
        team = invitation.team  # teams is above invitations: reached through the relationship, not imported
        with force_locale(locale):
            team_line = team.summary_for(invitation) if team is not None else None
        link = _link(rsvp_token(invitation), bodies)
        own = {_NAME: person.name, _LINK: link, _NOTE: invitation.note or None, _TEAM: team_line}
        said = tuple(sorted((key, value) for key, value in facts.items() if key not in ("stamp", "sequence")))
        # The check-in pass where the mail confirms a place (as notices._queue does), from the answer as recorded.
        qr_url = None
        if message.kind in PASS_MAIL_KINDS and not event.is_cancelled:
            qr_url = pass_url(cast(Invitation, recorded))
        group: tuple = (message.kind, locale, event.id, message.subject, said, qr_url is not None)
        group += tuple(value is not None for value in own.values())
        if group not in bodies:
            recorded.note = _NOTE if own[_NOTE] else ""
            bodies[group] = render_bodies(
                message.kind,
                locale,
                message.subject,
                invitation=recorded,
                event=event,
                person=SimpleNamespace(name=_NAME),
                rsvp_url=_LINK if own[_LINK] else None,
                event_url=absolute_url("events.detail", event_id=event.id),
                team=_TEAM if own[_TEAM] else None,
                company=companies[event.id],
                contact=event.organiser,
                calendar_answers=answers,
                qr_src=f"cid:{QR_CONTENT_ID}" if qr_url else None,
                outcome=SimpleNamespace(
                    state=recorded.state,
                    waiting_position=facts.get("waiting_position"),
                    plus_ones_refused=bool(facts.get("plus_ones_refused")),
                ),
            )
        text, html = bodies[group]
        ics = _ics_for(message, invitation, recorded, locale, ics_parts) if message.ics_method else None
        contents[message.id] = Contents(_fill(text, own, escape=False), _fill(html, own, escape=True), ics, qr_url)
    return contents


#: Marks for what differs between the mails of one group (NUL never occurs in a name, link, note or team).
_NAME, _LINK, _NOTE, _TEAM = "\x00name\x00", "\x00link\x00", "\x00note\x00", "\x00team\x00"
_MARK = re.compile("\x00(?:name|link|note|team)\x00")


def _link(token: str | None, cache: dict) -> str | None:
    """links.rsvp_url for `token`, its URL built once per batch (werkzeug's building per mail was slow)."""
    if token is None:
        return None
    if "link" not in cache:
        built = absolute_url("invitations.respond", token="T")  # noqa: S106 (a stand-in, cut off again)
        cache["link"] = built[:-1] if built.endswith("/T") else None
    return cache["link"] + token if cache["link"] else absolute_url("invitations.respond", token=token)


def _fill(template: str, values: dict[str, str | None], *, escape: bool) -> str:
    """The marks replaced in one pass (a value is never searched for marks itself)."""
    if escape:
        return _MARK.sub(lambda found: str(markup_escape(values[found.group()] or "")), template)
    return _MARK.sub(lambda found: values[found.group()] or "", template)


def _company(session: Session, event_id: int) -> Company:
    """guest_list.who_else_comes, read with the worker's session."""
    rows = session.execute(
        db.select(Person.kind, db.func.count(), db.func.coalesce(db.func.sum(Invitation.plus_ones), 0))
        .join(Person, Invitation.person_id == Person.id)
        .where(Invitation.event_id == event_id, Invitation.state == InvitationState.YES)
        .group_by(Person.kind)
    ).all()
    counts = {kind: (count, extra) for kind, count, extra in rows}
    staff, staff_extra = counts.get(PersonKind.STAFF, (0, 0))
    residents, resident_extra = counts.get(PersonKind.RESIDENT, (0, 0))
    return Company(staff=staff, residents=residents, plus_ones=int(staff_extra) + int(resident_extra))


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


def _ics_for(
    message: OutboxMessage, invitation: Invitation, recorded: AsRecorded, locale: str, cache: dict
) -> str | None:
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
