"""Every mail to an invitee, recorded as facts and rendered by the worker (issue 12, 15): the invitation, the
confirmation and the promotion, and the notices (new link, change, route change, cancellation, reminders,
withdrawal, calendar answer).

Recording (in the request, inside the answer's lock or the send): `record_notice` for one invitation and
`invitation_rows` for a whole send write an outbox row with the kind, the invitation, the subject and a snapshot
(`snapshot`) of what was true: the answer and plus-ones, the place on the waiting list, whether plus-ones were
refused, the calendar SEQUENCE given to the invitee and the DTSTAMP, and what else the notice says (`context`:
the change list, the reason, notice_context.py). No link and no note is stored: the worker
derives the personal link from the invitation's nonce when it renders (links.rsvp_url), and reads the note then
(a note removed meanwhile, by a withdrawal or the retention purge, is not sent).

Rendering (in the worker, `render_notices`, registered for these kinds in organiser/receivers.py): the claimed
rows of a batch are rendered together with a fixed number of queries (their invitations, people and events
in a few SELECTs, the "who else comes" counts once per event); the templates once per group of mails that differ
only in name, link, note and team line; the event-wide part of the .ics once per event version, method, language
and status lines (itip_parts), reused across the batch. Confirmations and promotions carry the check-in pass
(passes.pass_url) as a QR code, as notices.compose_notice shows it, from the answer as recorded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from flask import current_app
from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from markupsafe import escape as markup_escape
from sqlalchemy.orm import Session, selectinload

from ..addresses import wire_address
from ..auth.models import reply_to_of
from ..events.models import Event
from ..extensions import db, utcnow
from ..forms import required
from ..inbox.addresses import inbox_configured
from ..mail.deferred import Contents, facts_row
from ..mail.models import OutboxKind, OutboxMessage
from ..mail.outbox import queue_row
from ..mail.rendering import QR_CONTENT_ID, render_bodies, render_subject
from ..people.directory import mailable
from ..people.models import Person
from ..web import absolute_url
from . import guest_list, room
from .guest_list import Company, who_else_comes
from .itip_parts import itip_for
from .links import rsvp_token
from .models import Invitation, InvitationState
from .notice_context import open_context, seal_context, to_facts
from .passes import pass_url
from .reply_keys import organizer_address

#: Mails that confirm a place carry the check-in pass as a QR code (passes.py: not the RSVP link).
PASS_MAIL_KINDS = frozenset({OutboxKind.CONFIRMATION, OutboxKind.PROMOTION})

#: The kinds recorded as facts and rendered by the worker: every mail to an invitee about their invitation.
DEFERRED_KINDS = (
    OutboxKind.INVITATION,
    OutboxKind.CONFIRMATION,
    OutboxKind.PROMOTION,
    OutboxKind.NEW_LINK,
    OutboxKind.CHANGE,
    OutboxKind.ROUTE_CHANGE,
    OutboxKind.CANCELLATION,
    OutboxKind.REMINDER,
    OutboxKind.DAY_BEFORE,
    OutboxKind.WITHDRAWN,
    OutboxKind.CALENDAR_ANSWER,
)


def snapshot(
    invitation: Invitation,
    *,
    state: InvitationState,
    plus_ones: int,
    sequence: int | None,
    stamp: datetime,
    waiting_position: int | None = None,
    plus_ones_refused: bool = False,
    free_seats: int = 0,
) -> dict[str, Any]:
    """The facts a mail says, as JSON: answer, plus-ones, place in line, SEQUENCE, DTSTAMP (UTC, ISO 8601)."""
    return {
        "state": InvitationState(state).value,
        "plus_ones": int(plus_ones or 0),
        "waiting_position": waiting_position,
        "plus_ones_refused": bool(plus_ones_refused),
        #: Seats free when the answer was recorded: what the invitee is told fits now (room.py).
        "free_seats": int(free_seats or 0),
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
    free_seats: int = 0,
    not_before: datetime | None = None,
    subjects: dict[InvitationState, str] | None = None,
    context: dict[str, Any] | None = None,
) -> None:
    """Record one mail about `invitation` as facts (flushes): the answer as it stands now, a raised SEQUENCE
    when the mail carries a calendar part. Nothing for a person organiser cannot mail (no address, erased, an
    address marked as not working: people.directory.mailable). `subjects`: the subject per answer, made before the
    event's lock was taken (`subjects_for`); else it is made here. `context`: what else the template is given
    (the change list, a reason, days ahead; JSON-safe after notice_context.to_facts; TypeError otherwise)."""
    if not mailable(invitation.person):
        return
    waiting = invitation.state == InvitationState.WAITING
    if waiting_position is None and waiting and ics_method and ics_method != "CANCEL":
        waiting_position = guest_list.waiting_position(invitation)  # the calendar entry says the place in line
    sequence = next_sequence(invitation) if ics_method else None
    row = notice_row(
        invitation,
        kind,
        ics_method=ics_method,
        state=invitation.state,
        plus_ones=invitation.plus_ones,
        sequence=sequence,
        waiting_position=waiting_position,
        plus_ones_refused=plus_ones_refused,
        free_seats=free_seats,
        not_before=not_before,
        subjects=subjects,
        context=context,
    )
    if row is None:
        return
    if sequence is not None:
        invitation.calendar_sequence = sequence
    queue_row(row)


def next_sequence(invitation: Invitation, event_sequence: int | None = None) -> int:
    """The SEQUENCE of the invitee's next calendar mail: above every one sent to them, at least the event's
    (`event_sequence`: the event's as just read under its lock, else the loaded event's). RFC 5546 §2.1.4."""
    sequence = invitation.event.sequence if event_sequence is None else event_sequence
    return max((invitation.calendar_sequence or 0) + 1, sequence)


def notice_row(
    invitation: Invitation,
    kind: OutboxKind,
    *,
    ics_method: str | None,
    state: InvitationState,
    plus_ones: int,
    sequence: int | None,
    waiting_position: int | None = None,
    plus_ones_refused: bool = False,
    free_seats: int = 0,
    not_before: datetime | None = None,
    subjects: dict[InvitationState, str] | None = None,
    context: dict[str, Any] | None = None,
) -> dict | None:
    """The outbox row of one mail about `invitation` (outbox column values, see `facts_row`) saying `state` and
    `plus_ones`, written by nobody yet: the caller inserts it (answers: in the one statement after the lock,
    settling.py). None for a person organiser cannot mail. Makes the reply key when the mail has a calendar part."""
    person = invitation.person
    if not mailable(person):
        return None
    event = invitation.event
    if ics_method:
        organizer_address(invitation)  # the reply key is made here, in the request, never by the worker
    facts = snapshot(
        invitation,
        state=state,
        plus_ones=plus_ones,
        sequence=sequence,
        stamp=utcnow(),
        waiting_position=waiting_position,
        plus_ones_refused=plus_ones_refused,
        free_seats=free_seats,
    )
    if context:
        facts["context"] = seal_context(context)
    subject = (subjects or {}).get(state)
    if subject is None:
        shown = invitation if state == invitation.state else SimpleNamespace(state=state)
        subject = render_subject(
            kind.value, _locale(person), invitation=shown, event=event, person=person, **(context or {})
        )
    return facts_row(
        kind=kind,
        to_address=required(person.email),
        to_name=person.name,
        subject=subject,
        facts=facts,
        ics_method=ics_method,
        event_id=event.id,
        invitation_id=invitation.id,
        reply_to=reply_to_of(event.organiser),
        not_before=not_before,
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
    reply_to = reply_to_of(event.organiser)
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
                to_address=wire_address(person.email or ""),  # sending checked it is mailable (IDNA domain)
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
            companies[event.id] = who_else_comes(event, session)
        facts = message.facts or {}
        recorded = AsRecorded(invitation, facts)
        locale = _locale(person)
        team = invitation.team  # teams is above invitations: reached through the relationship, not imported
        with force_locale(locale):
            team_line = team.summary_for(invitation) if team is not None else None
        link = _link(rsvp_token(invitation), bodies)
        own = {_NAME: person.name, _LINK: link, _NOTE: invitation.note or None, _TEAM: team_line}
        context = open_context(facts.get("context"))
        said = json.dumps(
            [{key: value for key, value in facts.items() if key not in _OWN_FACTS}, to_facts(context)], sort_keys=True
        )
        # The check-in pass where the mail confirms a place (as for compose_notice), from the answer as recorded.
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
                **context,
                outcome=SimpleNamespace(
                    state=recorded.state,
                    waiting_position=facts.get("waiting_position"),
                    plus_ones_refused=bool(facts.get("plus_ones_refused")),
                    # Lazy: worded when the template renders, in the recipient's language.
                    waiting_text=LazyString(
                        room.waiting_message,
                        facts.get("waiting_position") or 1,
                        int(facts.get("free_seats") or 0),
                        int(facts.get("plus_ones") or 0),
                    ),
                    refused_text=LazyString(room.more_guests_message, int(facts.get("free_seats") or 0)),
                ),
            )
        text, html = bodies[group]
        ics = itip_for(message, invitation, recorded, locale, ics_parts) if message.ics_method else None
        contents[message.id] = Contents(_fill(text, own, escape=False), _fill(html, own, escape=True), ics, qr_url)
    return contents


#: Facts of each mail's own that the text does not say (they go in the calendar part), and the sealed context (its
#: ciphertext differs per mail; what it says is compared opened).
_OWN_FACTS = ("stamp", "sequence", "context")

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
