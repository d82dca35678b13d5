"""An invitee's rights over what is stored about them: see it all, download it, have it erased (AVG articles 15,
17 and 20), reached through any of their personal links.

"Everything" is: every column of their person row, every invitation with every column that says something about
them, every mail to their address (what the outbox still holds of it), and what other domains keep (the personal
feed link: signals.personal_data_requested). Erasing is the organiser's delete (people.erasure.delete_person):
the person anonymised, places given back, links and feeds stopped; here the organisers of their upcoming events
are told as well, and their mail goes with their address (receivers.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app

from .. import signals
from ..events.models import Event, EventStatus
from ..extensions import db, utcnow
from ..mail.models import OutboxMessage
from ..mail.outbox import OutboxKind, queue_mail
from ..mail.rendering import render_mail
from ..mail.retention import mail_to
from ..people.erasure import delete_person
from ..people.models import Person
from ..web import absolute_url
from .models import Invitation, InvitationState, Signup


@dataclass
class StoredData:
    """Everything stored about one person."""

    person: Person
    invitations: list[Invitation]
    mails: list[OutboxMessage]
    #: (title, [(label, value), …]) sections from other domains (signals.personal_data_requested).
    other: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    #: Sign-ups with their address not confirmed (yet) (issue 16).
    signups: list[Signup] = field(default_factory=list)


def stored_data(person: Person) -> StoredData:
    """What is stored about `person`, in every table that holds something of theirs."""
    invitations = db.session.scalars(
        db.select(Invitation)
        .join(Event, Invitation.event_id == Event.id)
        .where(Invitation.person_id == person.id)
        .order_by(Event.starts_at, Invitation.id)
    ).all()
    other = [section for _receiver, sections in signals.personal_data_requested.send(person) for section in sections]
    signups = list(db.session.scalars(db.select(Signup).where(Signup.email == person.email))) if person.email else []
    return StoredData(person, list(invitations), mail_to(person.email), other, signups)


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export(data: StoredData) -> dict[str, Any]:
    """The stored data as one JSON document (the download): every stored value, named as in the database."""
    person = data.person
    return {
        "person": {
            "name": person.name,
            "email": person.email,
            "kind": person.kind.value,
            "kind_label": person.kind.label,
            "department": person.department.name if person.department else None,
            "contact_role": person.contact_role.value if person.contact_role else None,
            "contact_role_label": person.contact_role.label if person.contact_role else None,
            "initiatives": [initiative.name for initiative in person.initiatives],
            "locale": person.locale,
            "active": person.active,
            "deactivated_at": _moment(person.deactivated_at),
            "email_bounced_at": _moment(person.email_bounced_at),
            "email_problem": person.email_problem,
            "created_at": _moment(person.created_at),
            "updated_at": _moment(person.updated_at),
        },
        "invitations": [
            {
                "event": invitation.event.title,
                "event_starts_at": _moment(invitation.event.starts_at),
                "state": invitation.state.value,
                "state_label": invitation.state.label,
                "plus_ones": invitation.plus_ones,
                "note": invitation.note,
                "reason": invitation.reason,
                "added_at": _moment(invitation.created_at),
                "sent_at": _moment(invitation.sent_at),
                "answered_at": _moment(invitation.answered_at),
                "answer_source": invitation.answer_source,
                "calendar_replied_at": _moment(invitation.calendar_replied_at),
                "calendar_reply_sequence": invitation.calendar_reply_sequence,
                "waiting_since": _moment(invitation.waiting_since),
                "attended": invitation.attended,
                "reminder_sent_at": _moment(invitation.reminder_sent_at),
                "day_before_sent_at": _moment(invitation.day_before_sent_at),
                "details_removed_at": _moment(invitation.purged_at),
                "team": invitation.team.name if invitation.team is not None else None,
                "team_guide": invitation.is_guide,
                "personal_link": "stored only as a hash" if invitation.token_hash else None,
                "calendar_reply_address": "stored only as a hash" if invitation.reply_key_hash else None,
                "calendar_sequence": invitation.calendar_sequence,
                "signed_up_at": _moment(invitation.signed_up_at),
            }
            for invitation in data.invitations
        ],
        "mails": [
            {
                "kind": message.kind,
                "kind_label": message.kind_label,
                "to_address": message.to_address,
                "to_name": message.to_name,
                "subject": message.subject,
                "status": message.status.value,
                "created_at": _moment(message.created_at),
                "sent_at": _moment(message.sent_at),
                "attempts": message.attempts,
                "last_error": message.last_error,
                "contents_kept": message.has_contents,
            }
            for message in data.mails
        ],
        "other": [{"title": title, "values": dict(values)} for title, values in data.other],
        "unconfirmed_signups": [
            {
                "event": signup.event.title,
                "name": signup.name,
                "email": signup.email,
                "kind": signup.kind.value,
                "initiative": signup.initiative.name if signup.initiative else None,
                "department": signup.department.name if signup.department else None,
                "contact_role": signup.contact_role.value if signup.contact_role else None,
                "plus_ones": signup.plus_ones,
                "note": signup.note,
                "locale": signup.locale,
                "confirmation_link": "stored only as a hash",
                "created_at": _moment(signup.created_at),
            }
            for signup in data.signups
        ],
    }


def erase(person: Person, now: datetime | None = None) -> int:
    """The invitee has everything about them erased, as the organiser's delete does; the organisers of events
    they were invited to that have not ended are told (without a name). Returns how many organisers were told."""
    now = now or utcnow()
    events = db.session.scalars(
        db.select(Event)
        .join(Invitation, Invitation.event_id == Event.id)
        .where(
            Invitation.person_id == person.id,
            Invitation.state != InvitationState.LISTED,
            Event.ends_at > now,
            Event.status != EventStatus.CANCELLED,
        )
        .order_by(Event.starts_at, Event.id)
    ).all()
    kind = person.kind
    delete_person(person, at_own_request=True)
    told = 0
    for event in events:
        organiser = event.organiser
        if organiser is None or not organiser.email:
            continue
        subject, text, html = render_mail(
            "guest_erased",
            current_app.config["BABEL_DEFAULT_LOCALE"],
            event=event,
            kind_label=kind.label.lower(),
            answers_url=absolute_url("invitations.answers", event_id=event.id),
        )
        queue_mail(
            kind=OutboxKind.GUEST_ERASED,
            to_address=organiser.email,
            to_name=organiser.name,
            subject=subject,
            text_body=text,
            html_body=html,
            event_id=event.id,
        )
        told += 1
    return told
