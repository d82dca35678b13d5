"""Sending the invitations of an event, and a new personal link for one invitee."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import ColumnElement, Table, bindparam, func, update

from .. import addresses
from ..events.models import Event, EventStatus
from ..extensions import db, utcnow
from ..inbox.addresses import plus_address
from ..mail.deferred import insert_rows
from ..people.directory import mailable
from ..people.models import Person
from ..refusals import Refusal
from . import deferred_notices, notices
from .links import issue_rsvp_token, new_rsvp_token_values
from .models import Invitation, InvitationState
from .reply_keys import KEY_LENGTH, new_reply_key_values


class SendRefused(Refusal):
    """Invitations cannot be sent for this event now; carries the message saying why and what to do."""

    OVER = _l("Voor een afgelaste of afgelopen bijeenkomst kunnen geen uitnodigingen meer worden verstuurd.")
    DRAFT = _l(
        "Deze bijeenkomst is nog een concept: genodigden zouden een uitnodiging krijgen voor iets dat nog niet in "
        "de agenda staat. Publiceer de bijeenkomst eerst; daarna kunt u de uitnodigingen versturen."
    )
    DEADLINE = _l(
        "De reactietermijn is voorbij: genodigden zouden alleen nog kunnen afzeggen. Zet eerst een latere "
        "reactietermijn (of geen) bij de bijeenkomst; daarna kunt u de uitnodigingen versturen."
    )

    def __init__(self, message=OVER) -> None:
        super().__init__(message)


def why_not_send(event: Event, now: datetime | None = None) -> SendRefused | None:
    """Why invitations cannot be sent now (shown on the send page before the organiser tries), or None."""
    now = now or utcnow()
    if event.status == EventStatus.CANCELLED or event.ends_at <= now:
        return SendRefused(SendRefused.OVER)
    if event.status == EventStatus.DRAFT:
        return SendRefused(SendRefused.DRAFT)
    if event.rsvp_deadline is not None and event.rsvp_deadline <= now:
        return SendRefused(SendRefused.DEADLINE)
    return None


def why_skipped(invitation: Invitation) -> str | None:
    """Why send_invitations would pass this invitation by (no address, inactive, an address organiser cannot mail),
    for the send page and its report; None when it would be sent."""
    person = invitation.person
    if not person.email or person.deleted_at is not None:
        return _("geen e-mailadres")
    if not person.active:
        return _("niet actief")
    reason = addresses.mail_problem(person.email)
    if reason is not None:
        return _("organiser kan niet naar dit e-mailadres mailen")
    return None


def skipped_message(skipped: list[Invitation], *, sent: int) -> str:
    """What the organiser is told about the chosen invitees send_invitations passed by (with why_skipped)."""
    names = ", ".join(f"{i.person.name} ({why_skipped(i)})" for i in skipped)
    if sent:
        return ngettext(
            "Niet verstuurd aan %(num)d persoon: %(names)s. Verbeter het e-mailadres in het adresboek.",
            "Niet verstuurd aan %(num)d mensen: %(names)s. Verbeter de e-mailadressen in het adresboek.",
            len(skipped),
            names=names,
        )
    return ngettext(
        "Er is niets verstuurd: %(names)s kan geen uitnodiging krijgen.",
        "Er is niets verstuurd: niemand van de %(num)d gekozen mensen kan een uitnodiging krijgen (%(names)s).",
        len(skipped),
        names=names,
    )


def send_invitations(event: Event, invitation_ids: list[int] | None = None, now: datetime | None = None) -> int:
    """Send the invitation mail (with personal link and .ics) to everyone on the list not yet invited,
    or to the chosen ones; returns how many were queued. Who has no address, is inactive, or has an address
    organiser cannot mail (marked so: people.directory.mailable) stays on the list, not invited.

    Set-based, a fixed number of statements however many are invited (issue 12): one SELECT … FOR UPDATE of the
    listed invitations with an address (a concurrent send waits, then finds them invited), one UPDATE for all of
    them (tokens issued in bulk: each a new nonce, only the hash stored; the next calendar SEQUENCE; a reply key
    when organiser reads a reply mailbox) and one INSERT of outbox rows holding facts, never a link: the worker
    renders each mail when it sends it (deferred_notices).

    :raise SendRefused: the event is cancelled, over, a draft, or its reply deadline has passed.
    """
    now = now or utcnow()
    refusal = why_not_send(event, now)
    if refusal is not None:
        raise refusal
    query = (
        db.select(Invitation.id, Invitation.calendar_sequence, Invitation.reply_nonce, Person)
        .join(Person, Invitation.person_id == Person.id)
        .where(
            Invitation.event_id == event.id,
            Invitation.state == InvitationState.LISTED,
            Person.email.is_not(None),
            Person.email != "",
            Person.active.is_(True),
            Person.deleted_at.is_(None),
        )
        .order_by(Invitation.id)
        .with_for_update(of=Invitation)
    )
    if invitation_ids is not None:
        query = query.where(Invitation.id.in_(invitation_ids))
    chosen = db.session.execute(query).all()
    if not chosen:
        return 0
    reply_keys = plus_address("x" * KEY_LENGTH) is not None
    changes: list[dict] = []
    people: list[tuple[int, Person, int]] = []
    for invitation_id, sequence, reply_nonce, person in chosen:
        # One address organiser cannot mail is skipped (and marked in the directory), never the whole batch.
        if not mailable(person, now):
            continue
        values = new_rsvp_token_values()
        if reply_keys:  # made now, never by the worker; an existing one is kept (one ORGANIZER per entry)
            values |= new_reply_key_values() if not reply_nonce else {"reply_nonce": "", "reply_key_hash": ""}
        sequence = max((sequence or 0) + 1, event.sequence)
        changes.append({"b_id": invitation_id, "b_sequence": sequence, **{f"b_{k}": v for k, v in values.items()}})
        people.append((invitation_id, person, sequence))
    if not changes:
        return 0
    table = cast(Table, Invitation.__table__)
    columns: dict[str, ColumnElement] = {name: bindparam(f"b_{name}") for name in ("token_nonce", "token_hash")}
    if reply_keys:  # "" keeps the stored key
        for name in ("reply_nonce", "reply_key_hash"):
            columns[name] = func.coalesce(func.nullif(bindparam(f"b_{name}"), ""), table.c[name])
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.state == InvitationState.LISTED.value)
        .values(state=InvitationState.INVITED.value, sent_at=now, calendar_sequence=bindparam("b_sequence"), **columns)
    )
    mails = deferred_notices.invitation_rows(event, people, now)
    db.session.execute(statement, changes)
    insert_rows(mails)
    # Invitations the session holds no longer say what is stored (their new state, token and SEQUENCE).
    for stored in db.session.identity_map.values():
        if isinstance(stored, Invitation):
            db.session.expire(stored)
    return len(mails)


def reissue_link(invitation: Invitation) -> None:
    """A new personal link, mailed again; the old link stops working."""
    issue_rsvp_token(invitation)
    notices.queue_new_link(invitation)
