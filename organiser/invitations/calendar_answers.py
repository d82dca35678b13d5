"""Answers from calendar apps: what the reply mailbox brings, applied like the web page's answers.

A REPLY counts only when the key in its ORGANIZER address (reply_keys.py) belongs to an invitation of that
event and its ATTENDEE is that invitee, so a forged REPLY naming someone else's address does nothing.

What each message leads to (`apply_inbox_message`, connected to `signals.inbox_message_received`): a REPLY goes
through `record_answer` like the web page (its confirmation brings the real outcome back to the calendar); a
refused or unreadable answer gets a mail back to the invitee's own address with their calendar put right; a
COUNTER is declined with a line for the organiser; bounces mark the address as not working; automatic
answers only give the organiser a line. Nothing is ever mailed to an address a message merely claims.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from flask_babel import lazy_gettext as _l

from .. import signals
from ..addresses import address_forms
from ..events.models import EventStatus
from ..extensions import db
from ..inbox.addresses import key_of
from ..inbox.messages import IncomingMessage
from ..inbox.models import InboxMessage, MessageKind
from ..inbox.recording import IGNORED, InboxResult
from ..mail.models import OutboxMessage, OutboxStatus
from ..people.models import Person
from .answers import AnswerRefused, record_answer
from .models import AnswerSource, Invitation, InvitationState
from .notices import queue_calendar_answer
from .reply_keys import find_invitation_by_reply_key

#: iTIP PARTSTAT of a REPLY → the answer on the web page.
ANSWER_OF_PARTSTAT = {"ACCEPTED": "yes", "TENTATIVE": "maybe", "DECLINED": "no"}
#: The state each answer leads to when nothing stands in the way (an unchanged answer changes nothing).
STATE_OF_ANSWER = {"yes": InvitationState.YES, "maybe": InvitationState.MAYBE, "no": InvitationState.NO}


def _invitation_of(incoming: IncomingMessage) -> Invitation | None:
    """The invitation whose key the message carries: in the REPLY's ORGANIZER first, else in its recipients."""
    addresses = ([incoming.calendar.organizer] if incoming.calendar else []) + list(incoming.recipients)
    for address in addresses:
        key = key_of(address)
        if key is not None:
            invitation = find_invitation_by_reply_key(key)
            if invitation is not None:
                return invitation
    return None


# --- The reply mailbox ------------------------------------------------------------------------------------


def apply_inbox_message(incoming: IncomingMessage, now: datetime) -> InboxResult:
    """Receiver of signals.inbox_message_received: do what the message asks, within the current transaction."""
    if incoming.kind == MessageKind.BOUNCE:
        return _apply_bounce(incoming, now)
    if incoming.kind == MessageKind.AUTO_REPLY:
        return _about_our_mail(incoming, "auto_reply", incoming.subject)
    invitation = _invitation_of(incoming)
    if incoming.kind in (MessageKind.REPLY, MessageKind.COUNTER):
        if invitation is None:
            return InboxResult("unknown_key")
        if incoming.kind == MessageKind.COUNTER:
            return _apply_counter(invitation, incoming, now)
        return _apply_reply(invitation, incoming, now)
    if invitation is None:
        return IGNORED
    if incoming.kind == MessageKind.MALFORMED:
        _mail_back(invitation, "unreadable")
        return _result(invitation, "malformed", incoming.problem)
    return _result(invitation, "other", incoming.subject)


def _result(invitation: Invitation, outcome: str, detail: str = "") -> InboxResult:
    return InboxResult(outcome, detail=detail, event_id=invitation.event_id, invitation_id=invitation.id)


def _apply_reply(invitation: Invitation, incoming: IncomingMessage, now: datetime) -> InboxResult:
    reply = incoming.calendar
    if reply is None:
        return IGNORED
    event = invitation.event
    person = invitation.person
    if reply.uid != event.uid:
        return _result(invitation, "other_event", reply.uid)
    if person.deleted_at is not None or not person.email:
        return _result(invitation, "not_invitee", reply.attendee)
    if reply.attendee != person.email.strip().lower():
        _mail_back(invitation, "other_address", attendee=reply.attendee)
        return _result(invitation, "not_invitee", reply.attendee)
    if invitation.state == InvitationState.LISTED:
        return _result(invitation, "not_invited")
    if event.status == EventStatus.CANCELLED:
        _mail_back(invitation, "cancelled")
        return _result(invitation, "cancelled")
    if event.starts_at <= now:
        return _result(invitation, "past")
    stamp = reply.dtstamp or now
    if _not_newer(invitation, reply.sequence, stamp):
        return _result(invitation, "older", reply.partstat)
    if (
        invitation.answered_at is not None
        and invitation.answer_source != AnswerSource.CALENDAR
        and stamp < invitation.answered_at.replace(microsecond=0)  # DTSTAMP has whole seconds
    ):
        # A later answer on the web page (or by the organiser) stands; its confirmation already updated the calendar.
        return _result(invitation, "superseded", reply.partstat)
    invitation.calendar_replied_at = stamp
    invitation.calendar_reply_sequence = reply.sequence
    answer = ANSWER_OF_PARTSTAT[reply.partstat]
    if invitation.state == STATE_OF_ANSWER[answer]:
        db.session.flush()
        return _result(invitation, "unchanged", reply.partstat)
    plus_ones = min(invitation.plus_ones, event.max_plus_ones)
    try:
        outcome = record_answer(invitation, answer, plus_ones, invitation.note, now=now, source=AnswerSource.CALENDAR)
    except AnswerRefused as refusal:
        late = refusal.message in (AnswerRefused.DEADLINE, AnswerRefused.CLOSED)
        _mail_back(invitation, "deadline" if late else "refused")
        return _result(invitation, "refused", "deadline" if late else "refused")
    return _result(invitation, "applied", f"{reply.partstat}:{outcome.state.value}")


def _not_newer(invitation: Invitation, sequence: int, stamp: datetime) -> bool:
    """Whether a REPLY is no newer than the last one applied: ordered by SEQUENCE (the version of the calendar
    entry it answers), then by DTSTAMP (RFC 5546 §2.1.5). A reply to an older version loses even when its
    DTSTAMP is later (a client's clock, or a button pressed on an outdated copy); a reply kept before the
    sequence was stored is compared by DTSTAMP alone."""
    if invitation.calendar_replied_at is None:
        return False
    last_sequence = invitation.calendar_reply_sequence
    if last_sequence is None:
        last_sequence = sequence
    return (sequence, stamp) <= (last_sequence, invitation.calendar_replied_at)


def _apply_counter(invitation: Invitation, incoming: IncomingMessage, now: datetime) -> InboxResult:
    """A proposal for another time: the organiser gets a line, the invitee a DECLINECOUNTER (time unchanged)."""
    counter = incoming.calendar
    if counter is None:
        return IGNORED
    if counter.uid != invitation.event.uid:
        return _result(invitation, "other_event", counter.uid)
    if counter.attendee != (invitation.person.email or "").strip().lower():
        return _result(invitation, "not_invitee", counter.attendee)
    if not invitation.event.takes_answers(now):
        return _result(invitation, "counter_closed")
    proposed = ""
    if counter.proposed_start is not None:
        proposed = counter.proposed_start.isoformat()
        if counter.proposed_end is not None:
            proposed += "/" + counter.proposed_end.isoformat()
    _mail_back(invitation, "counter", ics_method="DECLINECOUNTER", comment=counter.comment)
    return _result(invitation, "counter", " ".join(filter(None, [proposed, counter.comment]))[:2000])


def _apply_bounce(incoming: IncomingMessage, now: datetime) -> InboxResult:
    """Mail to an address came back: the address is marked as not working, the mail as failed, the organiser sees it."""
    bounce = incoming.bounce
    if bounce is None:
        return IGNORED
    reason = " ".join(filter(None, [bounce.status, bounce.diagnostic]))[:300]
    outbox_rows = (
        list(
            db.session.scalars(
                db.select(OutboxMessage).where(OutboxMessage.message_id.in_(bounce.original_message_ids))
            )
        )
        if bounce.original_message_ids
        else []
    )
    # An internationalised domain is reported in its ASCII (IDNA) form by most servers, in Unicode by some, and
    # may be stored either way: every form of each reported address matches (addresses.address_forms).
    reported = frozenset().union(*(address_forms(address) for address in bounce.recipients))
    marked: Person | None = None
    for person in db.session.scalars(db.select(Person).where(db.func.lower(Person.email).in_(reported))):
        person.email_bounced_at = now
        person.email_problem = reason
        marked = marked or person
    bounced = [row for row in outbox_rows if reported & address_forms(row.to_address)]
    for row in bounced:
        row.status = OutboxStatus.FAILED
        row.last_error = reason or "bounced"
    db.session.flush()
    about = next(iter(bounced), None)
    detail = ", ".join(bounce.recipients) + (f" ({reason})" if reason else "")
    if about is not None:
        invitation = db.session.get(Invitation, about.invitation_id) if about.invitation_id else None
        if invitation is not None:
            signals.invitee_mail_bounced.send(invitation, reason=reason, now=now)
        return InboxResult("bounce", detail=detail, event_id=about.event_id, invitation_id=about.invitation_id)
    return InboxResult("bounce" if marked else "bounce_unknown", detail=detail)


def _about_our_mail(incoming: IncomingMessage, outcome: str, detail: str) -> InboxResult:
    """A line for the organiser of the event our mail (In-Reply-To/References) was about; no mail back, ever."""
    if incoming.answers_to:
        row = db.session.scalar(
            db.select(OutboxMessage).where(OutboxMessage.message_id.in_(incoming.answers_to)).limit(1)
        )
        if row is not None:
            return InboxResult(outcome, detail=detail[:300], event_id=row.event_id, invitation_id=row.invitation_id)
    invitation = _invitation_of(incoming)
    if invitation is not None:
        return _result(invitation, outcome, detail[:300])
    return InboxResult(outcome, detail=detail[:300])


def _mail_back(
    invitation: Invitation,
    reason: str,
    *,
    ics_method: Literal["REQUEST", "CANCEL", "DECLINECOUNTER"] | None = "REQUEST",
    **context,
) -> None:
    """Tell the invitee (at their own address) why their calendar answer changed nothing, with their calendar
    entry put back to what organiser holds (a REQUEST with their real PARTSTAT; a CANCEL for a cancelled event)."""
    queue_calendar_answer(invitation, reason, ics_method=ics_method, **context)


# --- Lines for the organiser -------------------------------------------------------------------------------

_STATE_VALUES = frozenset(state.value for state in InvitationState)
#: What the organiser reads on the answers page for each outcome (unchanged and older replies are left out:
#: nothing happened that needs them). %(name)s is the invitee, %(detail)s what the message said.
OUTCOME_TEXTS = {
    "applied": _l("%(name)s antwoordde met de agenda-app: %(detail)s."),
    "refused": _l(
        "%(name)s antwoordde met de agenda-app na de termijn; het antwoord is niet veranderd en %(name)s kreeg bericht."
    ),
    "not_invitee": _l(
        "Een antwoord uit een agenda voor de uitnodiging van %(name)s kwam van een ander adres (%(detail)s) "
        "en is niet verwerkt."
    ),
    "cancelled": _l("%(name)s antwoordde met de agenda-app op de afgelaste bijeenkomst; %(name)s kreeg bericht."),
    "past": _l("%(name)s antwoordde met de agenda-app nadat de bijeenkomst begonnen was; niet verwerkt."),
    "counter": _l(
        "%(name)s stelt een andere tijd voor: %(detail)s. De tijd is niet veranderd; %(name)s kreeg bericht."
    ),
    "counter_closed": _l("%(name)s stelde een andere tijd voor, maar de bijeenkomst is voorbij of afgelast."),
    "bounce": _l("Mail aan %(name)s kwam onbestelbaar terug: %(detail)s. Controleer het e-mailadres."),
    "auto_reply": _l("Automatisch antwoord van %(name)s (bijvoorbeeld afwezig): %(detail)s"),
    "malformed": _l("Een antwoord uit de agenda van %(name)s was onleesbaar; %(name)s kreeg bericht."),
    "other": _l("%(name)s schreef aan het antwoordadres: %(detail)s"),
    "other_event": _l("Een antwoord uit de agenda van %(name)s ging over een andere afspraak en is niet verwerkt."),
    "not_invited": _l("Een antwoord uit een agenda voor %(name)s kwam binnen voordat de uitnodiging verstuurd was."),
}


@dataclass(frozen=True)
class InboxLine:
    """One line on the answers page about a message from the reply mailbox."""

    received_at: datetime
    text: str


def inbox_lines(event_id: int, limit: int = 50) -> list[InboxLine]:
    """What the reply mailbox brought about this event that the organiser should know, newest first."""
    rows = db.session.execute(
        db.select(InboxMessage, Invitation)
        .outerjoin(Invitation, Invitation.id == InboxMessage.invitation_id)
        .where(InboxMessage.event_id == event_id, InboxMessage.outcome.in_(list(OUTCOME_TEXTS)))
        .order_by(InboxMessage.received_at.desc(), InboxMessage.id.desc())
        .limit(limit)
    ).all()
    lines = []
    for message, invitation in rows:
        name = invitation.person.name if invitation is not None else message.sender or "?"
        detail = message.detail
        if message.outcome == "applied":
            state = detail.partition(":")[2]
            detail = InvitationState(state).label if state in _STATE_VALUES else detail
        lines.append(
            InboxLine(message.received_at, str(OUTCOME_TEXTS[message.outcome]) % {"name": name, "detail": detail})
        )
    return lines
