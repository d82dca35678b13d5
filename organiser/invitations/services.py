"""Invitations, RSVP answers, the waiting list and the notices they cause.

Seats are taken and given back only through guarded UPDATE statements
(`seats_taken + n <= capacity`), and an answer first claims its own invitation row with an UPDATE
guarded by the state it was read in. Both hold on SQLite (one writer at a time) and on PostgreSQL
(row locks, WHERE re-checked after a wait), so concurrent answers never overbook.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import update

from ..events.models import Event, EventStatus
from ..extensions import db, utcnow
from ..tokens import hash_token, looks_like_token
from .models import Invitation, InvitationState

# Personal links ---------------------------------------------------------------------------------


def _derive_token(nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, b"rsvp:" + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue_rsvp_token(invitation: Invitation) -> str:
    """A new personal RSVP token (256 bits); any earlier link stops working. Returns the token."""
    invitation.token_nonce = secrets.token_urlsafe(32)
    token = _derive_token(invitation.token_nonce)
    invitation.token_hash = hash_token(token)
    db.session.flush()
    return token


def rsvp_token(invitation: Invitation) -> str | None:
    """The invitation's current token (derived again from its nonce), or None when it has none."""
    if not invitation.token_nonce or not invitation.token_hash:
        return None
    return _derive_token(invitation.token_nonce)


def rsvp_url(invitation: Invitation) -> str | None:
    """The absolute personal RSVP link, as it appears in mails and the personal feed."""
    token = rsvp_token(invitation)
    if token is None:
        return None
    return current_app.config["BASE_URL"] + url_for("invitations.respond", token=token)


def find_invitation_by_token(token: str) -> Invitation | None:
    """The invitation a personal link belongs to; None for unknown and revoked tokens alike."""
    if not looks_like_token(token):
        return None
    return db.session.scalar(db.select(Invitation).where(Invitation.token_hash == hash_token(token)))


def revoke_rsvp_token(invitation: Invitation) -> None:
    """The personal link stops working."""
    invitation.token_hash = None
    invitation.token_nonce = None
    db.session.flush()


# Answers, seats and the waiting list ------------------------------------------------------------


class AnswerRefused(Exception):
    """An answer that cannot be given (after the deadline, cancelled event, too many plus-ones)."""


@dataclass
class AnswerOutcome:
    """What an answer led to, for the confirmation shown and mailed to the invitee."""

    state: InvitationState
    #: 1-based place on the waiting list, when waiting.
    waiting_position: int | None = None
    #: The plus-ones asked for could not all be seated: the previous number was kept.
    plus_ones_refused: bool = False
    promoted: list[Invitation] = field(default_factory=list)


ANSWERS = {"yes": InvitationState.YES, "no": InvitationState.NO, "maybe": InvitationState.MAYBE}


def seats_for(state: InvitationState, plus_ones: int) -> int:
    """Seats an invitation holds: the invitee and their plus-ones, for a yes only."""
    return 1 + plus_ones if state == InvitationState.YES else 0


def can_change_answer(invitation: Invitation, now: datetime | None = None) -> bool:
    """Answers can change until the deadline (or the start); after it only cancelling is possible."""
    now = now or utcnow()
    event = invitation.event
    if event.status == EventStatus.CANCELLED or event.starts_at <= now:
        return False
    return event.rsvp_deadline is None or now < event.rsvp_deadline


def can_cancel(invitation: Invitation, now: datetime | None = None) -> bool:
    """Saying no is possible until the event starts, also after the deadline."""
    now = now or utcnow()
    event = invitation.event
    return event.status != EventStatus.CANCELLED and now < event.starts_at


def _take_seats(event_id: int, seats: int) -> bool:
    """Claim seats if they are free; the one statement that makes overbooking impossible."""
    if seats <= 0:
        return True
    result = db.session.execute(
        update(Event)
        .where(Event.id == event_id, Event.seats_taken + seats <= Event.capacity)
        .values(seats_taken=Event.seats_taken + seats)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _free_seats(event_id: int, seats: int) -> None:
    if seats > 0:
        db.session.execute(
            update(Event)
            .where(Event.id == event_id)
            .values(seats_taken=Event.seats_taken - seats)
            .execution_options(synchronize_session=False)
        )


def _claim_invitation(invitation: Invitation, expected_state: InvitationState, expected_plus_ones: int, **values):
    """Write the invitation only if nobody changed it since it was read; False means: read again."""
    result = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.state == expected_state,
            Invitation.plus_ones == expected_plus_ones,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def record_answer(
    invitation: Invitation,
    answer: str,
    plus_ones: int = 0,
    note: str = "",
    *,
    by_organiser: bool = False,
    notify: bool = True,
    now: datetime | None = None,
) -> AnswerOutcome:
    """Record yes / no / maybe with plus-ones and a note; full events put a yes on the waiting list,
    and a freed seat promotes the first in line. Queues the confirmation (and promotion) mails."""
    now = now or datetime.now(UTC)
    wanted = ANSWERS[answer]
    event = invitation.event
    if not by_organiser:
        if wanted == InvitationState.NO and not can_cancel(invitation, now):
            raise AnswerRefused("closed")
        if wanted != InvitationState.NO and not can_change_answer(invitation, now):
            raise AnswerRefused("deadline")
    if event.status == EventStatus.CANCELLED:
        raise AnswerRefused("cancelled")
    if not 0 <= plus_ones <= event.max_plus_ones:
        raise AnswerRefused("plus_ones")
    note = note.strip()[:500]
    if wanted != InvitationState.YES:
        plus_ones = 0

    for _attempt in range(10):
        outcome = _try_answer(invitation, wanted, plus_ones, note, now)
        if outcome is not None:
            break
        db.session.refresh(invitation)  # changed by a concurrent answer: start from what is stored now
    else:  # pragma: no cover - ten concurrent changes to one invitation in a row
        raise AnswerRefused("busy")

    db.session.refresh(invitation)
    db.session.refresh(event)
    if outcome.state != InvitationState.YES:
        _after_leaving(invitation)
    else:
        _after_joining(invitation)
    outcome.promoted = promote_from_waiting_list(event, now=now)
    if outcome.state == InvitationState.WAITING:
        outcome.waiting_position = waiting_position(invitation)
    if notify:
        queue_confirmation(invitation, outcome)
    return outcome


def _try_answer(invitation, wanted, plus_ones, note, now) -> AnswerOutcome | None:
    old_state, old_plus = invitation.state, invitation.plus_ones
    held = seats_for(old_state, old_plus)
    values = {"note": note, "answered_at": now}
    if wanted != InvitationState.YES:
        values.update(state=wanted, plus_ones=0, waiting_since=None)
        if not _claim_invitation(invitation, old_state, old_plus, **values):
            return None
        _free_seats(invitation.event_id, held)
        return AnswerOutcome(state=wanted)

    needed = 1 + plus_ones
    if not _claim_invitation(invitation, old_state, old_plus, **values):
        return None
    if needed <= held:
        _free_seats(invitation.event_id, held - needed)
        _set(invitation, state=InvitationState.YES, plus_ones=plus_ones, waiting_since=None)
        return AnswerOutcome(state=InvitationState.YES)
    if _take_seats(invitation.event_id, needed - held):
        _set(invitation, state=InvitationState.YES, plus_ones=plus_ones, waiting_since=None)
        return AnswerOutcome(state=InvitationState.YES)
    if old_state == InvitationState.YES:
        # Already seated: keep the seat and the plus-ones that fit, rather than lose the place.
        return AnswerOutcome(state=InvitationState.YES, plus_ones_refused=True)
    waiting_since = invitation.waiting_since if old_state == InvitationState.WAITING else now
    _set(invitation, state=InvitationState.WAITING, plus_ones=plus_ones, waiting_since=waiting_since)
    return AnswerOutcome(state=InvitationState.WAITING)


def _set(invitation: Invitation, **values) -> None:
    db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def promote_from_waiting_list(event: Event, now: datetime | None = None) -> list[Invitation]:
    """Give freed seats to those waiting, first come first served; stops at the first who does not fit."""
    promoted: list[Invitation] = []
    if event.status == EventStatus.CANCELLED:
        return promoted
    waiting = db.session.scalars(
        db.select(Invitation)
        .where(Invitation.event_id == event.id, Invitation.state == InvitationState.WAITING)
        .order_by(Invitation.waiting_since, Invitation.id)
    ).all()
    for candidate in waiting:
        seats = 1 + candidate.plus_ones
        if not _take_seats(event.id, seats):
            break
        if not _claim_invitation(
            candidate, InvitationState.WAITING, candidate.plus_ones, state=InvitationState.YES, waiting_since=None
        ):
            _free_seats(event.id, seats)  # promoted by someone else meanwhile
            continue
        db.session.refresh(candidate)
        promoted.append(candidate)
        _after_joining(candidate)
        queue_promotion(candidate)
    db.session.refresh(event)
    return promoted


@dataclass
class Company:
    """Who else comes, in numbers only (no names: invitees see each other's answers only as counts)."""

    staff: int
    residents: int
    plus_ones: int


def who_else_comes(event: Event) -> Company:
    """Counts of those who said yes, so an invitee knows what to expect."""
    from ..people.models import Person, PersonKind

    rows = db.session.execute(
        db.select(Person.kind, db.func.count(), db.func.coalesce(db.func.sum(Invitation.plus_ones), 0))
        .join(Person, Invitation.person_id == Person.id)
        .where(Invitation.event_id == event.id, Invitation.state == InvitationState.YES)
        .group_by(Person.kind)
    ).all()
    counts = {kind: (count, extra) for kind, count, extra in rows}
    staff, staff_extra = counts.get(PersonKind.STAFF, (0, 0))
    residents, resident_extra = counts.get(PersonKind.RESIDENT, (0, 0))
    return Company(staff=staff, residents=residents, plus_ones=int(staff_extra) + int(resident_extra))


def waiting_position(invitation: Invitation) -> int:
    """1-based place on the waiting list."""
    ahead = db.session.scalar(
        db.select(db.func.count())
        .select_from(Invitation)
        .where(
            Invitation.event_id == invitation.event_id,
            Invitation.state == InvitationState.WAITING,
            db.or_(
                Invitation.waiting_since < invitation.waiting_since,
                db.and_(Invitation.waiting_since == invitation.waiting_since, Invitation.id < invitation.id),
            ),
        )
    )
    return int(ahead) + 1


def _after_joining(invitation: Invitation) -> None:
    """A new yes joins a team when the event already has teams (nobody else moves)."""
    try:
        from ..teams.services import place_in_team
    except ImportError:  # teams arrive with their own issue
        return
    place_in_team(invitation)


def _after_leaving(invitation: Invitation) -> None:
    try:
        from ..teams.services import remove_from_team
    except ImportError:
        return
    remove_from_team(invitation)


# Sending invitations and notices ----------------------------------------------------------------
#
# Every mail is written to the outbox in the same transaction as the change that causes it.


class SendRefused(Exception):
    """Invitations cannot be sent for this event (cancelled, or already over)."""


def _recipient_locale(invitation: Invitation) -> str:
    return invitation.person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def _organiser_address(event: Event) -> tuple[str, str]:
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    if isinstance(sender, (tuple, list)):
        return sender[0], sender[1]
    if event.organiser is not None:
        return event.organiser.name, sender
    return "organiser", sender


def _queue_for(invitation: Invitation, kind: str, template: str, ics_method: str | None = None, **context) -> None:
    """Render one notice in the invitee's language and put it in the outbox."""
    from ..calendar.ical import invitation_to_ical
    from ..mail.services import queue_mail, render_mail
    from ..teams.services import team_summary

    person = invitation.person
    if not person.email or person.deleted_at is not None:
        return
    url = rsvp_url(invitation)
    subject, text, html = render_mail(
        template,
        _recipient_locale(invitation),
        invitation=invitation,
        event=invitation.event,
        person=person,
        rsvp_url=url,
        event_url=current_app.config["BASE_URL"] + url_for("events.detail", event_id=invitation.event_id),
        team=team_summary(invitation),
        **context,
    )
    ics = None
    if ics_method:
        organiser_name, organiser_email = _organiser_address(invitation.event)
        ics = invitation_to_ical(
            invitation,
            method=ics_method,
            base_url=current_app.config["BASE_URL"],
            rsvp_url=url or "",
            organiser_name=organiser_name,
            organiser_email=organiser_email,
        )
    queue_mail(
        kind=kind,
        to_address=person.email,
        to_name=person.name,
        subject=subject,
        text_body=text,
        html_body=html,
        ics=ics,
        ics_method=ics_method if ics else None,
        event_id=invitation.event_id,
        invitation_id=invitation.id,
    )


def send_invitations(event: Event, invitation_ids: list[int] | None = None, now: datetime | None = None) -> int:
    """Send the invitation mail (with personal link and .ics) to everyone on the list not yet invited,
    or to the chosen ones; returns how many were queued."""
    now = now or utcnow()
    if event.status == EventStatus.CANCELLED or event.ends_at <= now:
        raise SendRefused
    query = db.select(Invitation).where(Invitation.event_id == event.id, Invitation.state == InvitationState.LISTED)
    if invitation_ids is not None:
        query = query.where(Invitation.id.in_(invitation_ids))
    count = 0
    for invitation in db.session.scalars(query.order_by(Invitation.id)).all():
        if not invitation.person.email or not invitation.person.active:
            continue
        issue_rsvp_token(invitation)
        invitation.state = InvitationState.INVITED
        invitation.sent_at = now
        db.session.flush()
        _queue_for(invitation, "invitation", "invitation", ics_method="REQUEST")
        count += 1
    return count


def reissue_link(invitation: Invitation) -> None:
    """A new personal link, mailed again; the old link stops working."""
    issue_rsvp_token(invitation)
    _queue_for(invitation, "new_link", "new_link", ics_method="REQUEST" if _holds_place(invitation) else None)


def _holds_place(invitation: Invitation) -> bool:
    return invitation.state in (
        InvitationState.INVITED,
        InvitationState.YES,
        InvitationState.MAYBE,
        InvitationState.WAITING,
    )


def queue_confirmation(invitation: Invitation, outcome: AnswerOutcome) -> None:
    """Confirm an answer: what was recorded, and what happens next."""
    _queue_for(
        invitation,
        "confirmation",
        "confirmation",
        ics_method="CANCEL" if invitation.state == InvitationState.NO else "REQUEST",
        outcome=outcome,
    )


def queue_promotion(invitation: Invitation) -> None:
    """Tell someone from the waiting list that a seat is theirs."""
    _queue_for(invitation, "promotion", "promotion", ics_method="REQUEST")


def _notified(event: Event) -> list[Invitation]:
    return db.session.scalars(
        db.select(Invitation)
        .where(
            Invitation.event_id == event.id,
            Invitation.state.in_(
                [InvitationState.INVITED, InvitationState.YES, InvitationState.MAYBE, InvitationState.WAITING]
            ),
        )
        .order_by(Invitation.id)
    ).all()


def queue_change_notices(event: Event) -> int:
    """Tell everyone invited and not declined that the date, time or place changed (SEQUENCE raised)."""
    invitations = _notified(event)
    for invitation in invitations:
        _queue_for(invitation, "change", "change", ics_method="REQUEST")
    return len(invitations)


def queue_cancellation_notices(event: Event) -> int:
    """Tell everyone invited and not declined that the event is cancelled (METHOD:CANCEL)."""
    invitations = _notified(event)
    for invitation in invitations:
        _queue_for(invitation, "cancellation", "cancellation", ics_method="CANCEL")
    return len(invitations)


# Scheduled: reminders and purging personal data -------------------------------------------------


def _claim_once(invitation: Invitation, column, now: datetime) -> bool:
    """Mark a one-time mail as sent, if no other worker did already."""
    result = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, column.is_(None))
        .values({column.key: now})
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def send_deadline_reminders(now: datetime | None = None) -> int:
    """Remind those who did not answer, the event's set number of days before its deadline. Once each."""
    now = now or utcnow()
    candidates = db.session.scalars(
        db.select(Invitation)
        .join(Event, Invitation.event_id == Event.id)
        .where(
            Invitation.state == InvitationState.INVITED,
            Invitation.reminder_sent_at.is_(None),
            Event.status != EventStatus.CANCELLED,
            Event.rsvp_deadline.is_not(None),
            Event.rsvp_deadline > now,
        )
    ).all()
    count = 0
    for invitation in candidates:
        event = invitation.event
        if now < event.rsvp_deadline - timedelta(days=event.reminder_days_before_deadline):
            continue
        if _claim_once(invitation, Invitation.reminder_sent_at, now):
            _queue_for(invitation, "reminder", "reminder")
            count += 1
    return count


def send_day_before_reminders(now: datetime | None = None) -> int:
    """Remind everyone who said yes, a day before the event. Once each."""
    now = now or utcnow()
    candidates = db.session.scalars(
        db.select(Invitation)
        .join(Event, Invitation.event_id == Event.id)
        .where(
            Invitation.state == InvitationState.YES,
            Invitation.day_before_sent_at.is_(None),
            Event.status != EventStatus.CANCELLED,
            Event.starts_at > now,
            Event.starts_at <= now + timedelta(days=1),
        )
    ).all()
    count = 0
    for invitation in candidates:
        if _claim_once(invitation, Invitation.day_before_sent_at, now):
            _queue_for(invitation, "day_before", "day_before")
            count += 1
    return count


def purge_personal_details(now: datetime | None = None) -> int:
    """Remove notes and plus-one details a set number of days after the event; the answers (counts) stay."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["PERSONAL_DATA_RETENTION_DAYS"])
    ended = db.select(Event.id).where(Event.ends_at < cutoff)
    result = db.session.execute(
        update(Invitation)
        .where(Invitation.event_id.in_(ended), Invitation.purged_at.is_(None))
        .values(note="", purged_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def withdraw(invitation: Invitation, now: datetime | None = None) -> AnswerOutcome | None:
    """The invitee withdraws: their note is removed, a held seat is given back, the link stops working."""
    outcome = None
    if _holds_place(invitation) and invitation.event.status != EventStatus.CANCELLED:
        outcome = record_answer(invitation, "no", by_organiser=True, notify=False, now=now)
    invitation.note = ""
    invitation.plus_ones = 0
    revoke_rsvp_token(invitation)
    _queue_for(invitation, "withdrawn", "withdrawn")
    return outcome
