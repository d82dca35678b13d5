"""When a person is erased, their calendar entries go too: one METHOD:CANCEL per entry, then nothing kept (issue 13).

An invitee who erases themselves ("my data", personal_data.erase) or whom an organiser deletes (people.erasure)
may have entries in their calendar from organiser's REQUESTs: for an invitation they hold a place with (invited,
yes, maybe, waiting list) at an event that is not cancelled and not over. Each gets a CANCEL with the same UID and
a SEQUENCE above every message sent to them before (RFC 5546 §2.1.4, §3.2.5), so that every client removes it.

Recording (`queue_erasure_cancels`, called by answers.on_person_erased before anything of the person changes): a
deferred outbox row per entry (mail/deferred.py) with kind ERASURE_CANCEL. The facts hold no link and no note:
SEQUENCE, DTSTAMP, the ORGANIZER the entry was made with, the language, and who erased (the person or the
organiser). The address and name sit in the row's own to_address/to_name: the person row no longer has them when
the worker renders the mail. mail/retention.forget_recipient leaves these rows while they wait; the worker deletes
each, row and all, once sent or given up (mail.models.FORGOTTEN_WHEN_DONE): no record of it is kept, not even to
whom or what kind.

Rendering (`render_erasure_cancels`, registered in organiser/receivers.py): the short text (templates/mail/
erasure_cancel.*) and the CANCEL, from the row and the event as they are when it is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from ..auth.models import reply_to_of
from ..events.models import Event, EventStatus
from ..extensions import db, utcnow
from ..inbox.addresses import plus_address
from ..mail.deferred import Contents, facts_row
from ..mail.models import OutboxKind, OutboxMessage
from ..mail.outbox import queue_row
from ..mail.rendering import render_bodies, render_subject, sender
from ..people.directory import mailable
from ..people.models import Person
from .ical import invitation_to_ical
from .models import HOLDS_PLACE_STATES, Invitation, InvitationState
from .reply_keys import _derive_reply_key

#: What the "my data" page, the page after erasing and the privacy statement promise about it (the same text in
#: their templates; tests/privacy/test_erasure_cancel.py holds them to this and to what happens).
PROMISE = _l(
    "Staat een komende bijeenkomst in uw agenda, dan krijgt u nog één bericht dat die afspraak uit uw agenda "
    "haalt. Dat bericht wordt één keer verstuurd; daarna bewaren we er niets van, ook niet aan wie het ging."
)

#: The kinds this module records and renders.
ERASURE_KINDS = (OutboxKind.ERASURE_CANCEL, OutboxKind.SIGNUP_REMOVED)


def entries_to_cancel(person: Person, now: datetime) -> list[Invitation]:
    """The person's invitations that put an entry in their calendar that is still there: a place held (invited,
    yes, maybe, waiting list; a REQUEST was sent) at an event neither cancelled nor over."""
    return list(
        db.session.scalars(
            db.select(Invitation)
            .join(Event, Invitation.event_id == Event.id)
            .where(
                Invitation.person_id == person.id,
                Invitation.state.in_(HOLDS_PLACE_STATES),
                # an answer holding a place was confirmed with a REQUEST; "invited" only once the invitation went
                (Invitation.state != InvitationState.INVITED) | Invitation.sent_at.is_not(None),
                Event.status != EventStatus.CANCELLED,
                Event.ends_at > now,
            )
            .options(selectinload(Invitation.event).selectinload(Event.organiser))
            .order_by(Event.starts_at, Invitation.id)
        )
    )


def queue_erasure_cancels(person: Person, *, at_own_request: bool, now: datetime | None = None) -> int:
    """Record a CANCEL for each of `entries_to_cancel` (raising the invitation's SEQUENCE); flushes. Call it
    before the person's name, address and reply keys are removed. Returns how many were recorded."""
    now = now or utcnow()
    if not mailable(person):
        return 0
    invitations = entries_to_cancel(person, now)
    reason = BY_PERSON if at_own_request else BY_ORGANISER
    for invitation in invitations:
        record_cancel(invitation, OutboxKind.ERASURE_CANCEL, reason, now)
    db.session.flush()
    return len(invitations)


def queue_signup_removed(invitation: Invitation, now: datetime | None = None) -> bool:
    """The organiser removes a sign-up (signups.remove_signup) whose confirmation put an entry in the person's
    calendar: a CANCEL says so (the invitation itself goes, so the mail is made from the event). Call it before
    the invitation is deleted. Returns whether one was recorded."""
    now = now or utcnow()
    event = invitation.event
    if (
        not invitation.holds_place
        or event.status == EventStatus.CANCELLED
        or event.ends_at <= now
        or not mailable(invitation.person)
    ):
        return False
    record_cancel(invitation, OutboxKind.SIGNUP_REMOVED, SIGNUP_REMOVED, now)
    db.session.flush()
    return True


#: Why the entry goes (the facts' "reason"; the mail says it).
BY_PERSON, BY_ORGANISER, SIGNUP_REMOVED = "erased_at_own_request", "erased_by_organiser", "signup_removed"


def record_cancel(invitation: Invitation, kind: OutboxKind, reason: str, now: datetime) -> None:
    """One deferred CANCEL of `invitation`'s calendar entry, made from the row and the event alone (neither the
    person's row nor the invitation need to exist when it is sent); raises its SEQUENCE."""
    person, event = invitation.person, invitation.event
    locale = person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    sequence = max((invitation.calendar_sequence or 0) + 1, event.sequence)
    invitation.calendar_sequence = sequence
    queue_row(
        facts_row(
            kind=kind,
            to_address=person.email or "",
            to_name=person.name,
            subject=render_subject(OutboxKind.ERASURE_CANCEL.value, locale, event=event),
            facts={
                "sequence": sequence,
                "stamp": now.isoformat(),
                "locale": locale,
                "reason": reason,
                "state": InvitationState(invitation.state).value,
                "organizer": _organizer(invitation),
            },
            ics_method="CANCEL",
            event_id=event.id,
            invitation_id=invitation.id,
            reply_to=reply_to_of(event.organiser),
            now=now,
        )
    )


def _organizer(invitation: Invitation) -> list[str]:
    """[name, address] of the ORGANIZER the entry was made with (its reply address, else the sender), so that the
    CANCEL comes from the same organizer as the REQUEST it supersedes. The reply key is revoked right after; a
    reply to this address then matches nothing."""
    name, address = sender()
    organiser = invitation.event.organiser
    if organiser is not None and not isinstance(current_app.config["MAIL_DEFAULT_SENDER"], tuple | list):
        name = organiser.name
    if invitation.reply_nonce and invitation.reply_key_hash:
        address = plus_address(_derive_reply_key(invitation.reply_nonce)) or address
    return [name or "organiser", address]


def render_erasure_cancels(session: Session, messages: Sequence[OutboxMessage]) -> dict[int, Contents | None]:
    """The contents of rows of ERASURE_KINDS: text, HTML and the CANCEL, from the row, its facts and its event
    (the invitation may be gone); None for a row whose event is gone. Reads with `session`; writes nothing."""
    ids = {message.event_id for message in messages if message.event_id is not None}
    events = {
        event.id: event
        for event in session.scalars(db.select(Event).where(Event.id.in_(ids)).options(selectinload(Event.organiser)))
    }
    contents: dict[int, Contents | None] = {}
    for message in messages:
        event = events.get(message.event_id or 0)
        facts = message.facts or {}
        if event is None or not facts:
            contents[message.id] = None
            continue
        locale = str(facts.get("locale") or current_app.config["BABEL_DEFAULT_LOCALE"])
        text, html = render_bodies(
            OutboxKind.ERASURE_CANCEL.value,
            locale,
            message.subject,
            event=event,
            reason=facts.get("reason"),
            contact=event.organiser,
        )
        # The person row may be anonymised and the invitation gone: the attendee is whom the row is addressed to.
        person = SimpleNamespace(email=message.to_address, name=message.to_name)
        attendee = SimpleNamespace(event=event, state=InvitationState(facts.get("state") or "no"), person=person)
        organizer_name, organizer_address = facts.get("organizer") or ("organiser", sender()[1])
        with force_locale(locale):
            ics = invitation_to_ical(
                cast(Any, attendee),
                method="CANCEL",
                base_url=current_app.config["BASE_URL"],
                tzid=current_app.config["TIMEZONE"],
                organiser_name=organizer_name,
                organiser_email=organizer_address,
                sequence=int(facts["sequence"]),
                stamp=datetime.fromisoformat(facts["stamp"]),
                rsvp=False,
            )
        contents[message.id] = Contents(text, html, ics)
    return contents
