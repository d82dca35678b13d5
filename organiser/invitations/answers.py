"""RSVP answers, seats and the waiting list.

Seats are taken and given back only through guarded UPDATE statements
(`seats_taken + n <= capacity`), and an answer first claims its own invitation row with an UPDATE
guarded by the state it was read in. Both hold on SQLite (one writer at a time) and on PostgreSQL
(row locks, WHERE re-checked after a wait), so concurrent answers never overbook.

A place taken or given up is announced with `signals.invitation_joined` / `invitation_left` (teams places
or removes the invitee); the mails go through `notices`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, update
from sqlalchemy import inspect as sa_inspect

from .. import signals
from ..events.models import Event, EventStatus, WaitingRule
from ..extensions import db, rows_matched, utcnow
from ..people.models import Person
from ..refusals import Refusal
from . import erasure_notices, notices, room
from .deferred_notices import next_sequence
from .guest_list import waiting_position  # noqa: F401 (re-exported: the RSVP page and tests read it here)
from .links import revoke_rsvp_token
from .models import HOLDS_PLACE_STATES, AnswerSource, Invitation, InvitationState
from .reply_keys import revoke_reply_key
from .seats import free_seats, lock_event, seats_free, take_seats
from .settling import ReadAs, settle
from .waiting_order import place_in_line, waiting_line


class AnswerRefused(Refusal):
    """An answer that cannot be given; carries the message for the invitee (as pretix's OrderError does)."""

    DEADLINE = _l("De reactietermijn is voorbij. U kunt zich nog wel afmelden.")
    CLOSED = _l("Deze bijeenkomst is al begonnen of voorbij.")
    CANCELLED = _l("Deze bijeenkomst is afgelast.")
    PLUS_ONES = _l("Zoveel mensen kunt u niet meenemen.")
    BUSY = _l("Het is erg druk. Probeer het over een minuut opnieuw.")


@dataclass
class AnswerOutcome:
    """What an answer led to, for the confirmation shown and mailed to the invitee."""

    state: InvitationState
    #: 1-based place on the waiting list, when waiting.
    waiting_position: int | None = None
    #: The plus-ones asked for could not all be seated: the previous number was kept.
    plus_ones_refused: bool = False
    promoted: list[Invitation] = field(default_factory=list)
    #: The state the invitation had before this answer.
    before: InvitationState | None = None
    #: Seats still free after the answer (capacity − seats taken): a yes with plus-ones can wait while a few are
    #: free, and the invitee is told exactly what is possible (come with fewer guests, or wait with them).
    free_seats: int = 0
    #: Plus-ones the invitee asked for.
    plus_ones: int = 0

    @property
    def waiting_text(self) -> str:
        """What the invitee on the waiting list is told (page and mail): their place, and what fits now."""
        return room.waiting_message(self.waiting_position or 1, self.free_seats, self.plus_ones)

    @property
    def refused_text(self) -> str:
        """What an invitee who is coming is told when the extra plus-ones they asked for did not fit."""
        return room.more_guests_message(self.free_seats)


#: Answers that can still be edited downwards after the deadline (fewer guests, the note).
SEATED_OR_WAITING = (InvitationState.YES, InvitationState.MAYBE, InvitationState.WAITING)

ANSWERS = {"yes": InvitationState.YES, "no": InvitationState.NO, "maybe": InvitationState.MAYBE}


def seats_for(state: InvitationState, plus_ones: int) -> int:
    """Seats an invitation holds: the invitee and their plus-ones, for a yes only."""
    return 1 + plus_ones if state == InvitationState.YES else 0


def can_change_answer(invitation: Invitation, now: datetime | None = None) -> bool:
    """Answers can change freely until the deadline (or the start); after it only downwards (see `goes_down`)."""
    now = now or utcnow()
    event = invitation.event
    if not event.takes_answers(now):
        return False
    return event.rsvp_deadline is None or now < event.rsvp_deadline


def can_cancel(invitation: Invitation, now: datetime | None = None) -> bool:
    """Saying no is possible until the event starts, also after the deadline."""
    return invitation.event.takes_answers(now or utcnow())


def kept_plus_ones(invitation: Invitation) -> int:
    """Plus-ones the invitee asked for that stay theirs, also when the organiser lowered the limit since."""
    return invitation.plus_ones if invitation.state in (InvitationState.YES, InvitationState.WAITING) else 0


def allowed_plus_ones(invitation: Invitation) -> int:
    """The most plus-ones this invitee can choose now: the event's limit, or what they already have if more."""
    return max(invitation.event.max_plus_ones, kept_plus_ones(invitation))


def goes_down(invitation: Invitation, wanted: InvitationState, plus_ones: int) -> bool:
    """An answer that asks for nothing more than the invitee has: no, or the same answer with no more guests
    (a changed note included). Always possible until the event starts, also after the deadline."""
    if wanted == InvitationState.NO:
        return True
    current = InvitationState.YES if invitation.state == InvitationState.WAITING else invitation.state
    return wanted == current and wanted != InvitationState.INVITED and plus_ones <= kept_plus_ones(invitation)


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
    return rows_matched(result) == 1


def record_answer(
    invitation: Invitation,
    answer: str,
    plus_ones: int = 0,
    note: str = "",
    *,
    by_organiser: bool = False,
    notify: bool = True,
    now: datetime | None = None,
    source: AnswerSource | None = None,
) -> AnswerOutcome:
    """Record yes / no / maybe with plus-ones and a note; full events put a yes on the waiting list,
    and a freed seat promotes the first in line. Queues the confirmation (and promotion) mails.
    `source` (default: organiser or web, after `by_organiser`) is kept with the answer for the answers page."""
    now = now or datetime.now(UTC)
    wanted = ANSWERS[answer]
    event = invitation.event
    if event.status == EventStatus.CANCELLED:
        raise AnswerRefused(AnswerRefused.CANCELLED)
    if not by_organiser:
        if not can_cancel(invitation, now):
            raise AnswerRefused(AnswerRefused.CLOSED)
        if not can_change_answer(invitation, now) and not goes_down(invitation, wanted, plus_ones):
            raise AnswerRefused(AnswerRefused.DEADLINE)
    # A limit lowered by the organiser never takes away plus-ones the invitee already had (they may keep them,
    # or go down); only more than both is refused.
    if not 0 <= plus_ones <= allowed_plus_ones(invitation):
        raise AnswerRefused(AnswerRefused.PLUS_ONES)
    note = note.strip()[:500]
    if wanted != InvitationState.YES:
        plus_ones = 0

    # Made before the lock, so that the lock covers the seat arithmetic and the one write after it (settling.py),
    # not templates or lookups: the subjects, the reply key, the organisers who want news (signals.answer_pending).
    subjects = notices.confirmation_subjects(invitation, wanted) if notify else None
    source = source or (AnswerSource.ORGANISER if by_organiser else AnswerSource.WEB)
    signals.answer_pending.send(invitation)
    db.session.flush()
    for _attempt in range(10):
        settled = _try_answer(invitation, wanted, plus_ones, note, now, source, subjects if notify else None, notify)
        if settled is not None:
            break
        _reread(invitation)  # changed by a concurrent answer: start from what is stored now
    else:  # pragma: no cover - ten concurrent changes to one invitation in a row
        raise AnswerRefused(AnswerRefused.BUSY)
    outcome, seats_before = settled
    if outcome.state != InvitationState.YES:
        _after_leaving(invitation)
    else:
        _after_joining(invitation)
    outcome.plus_ones = plus_ones
    full = seats_before < event.capacity <= event.seats_taken
    signals.answer_recorded.send(invitation, outcome=outcome, source=source, became_full=full, now=now)
    return outcome


def _reread(invitation: Invitation) -> None:
    """The invitation's columns as stored now; its person and event stay loaded (no statement to load them again)."""
    db.session.refresh(invitation, attribute_names=_COLUMNS)


_COLUMNS = list(sa_inspect(Invitation).column_attrs.keys())


def _try_answer(
    invitation: Invitation,
    wanted: InvitationState,
    plus_ones: int,
    note: str,
    now: datetime,
    source: AnswerSource,
    subjects: dict | None,
    notify: bool,
) -> tuple[AnswerOutcome, int] | None:
    """One attempt at the answer; None when the invitation changed since it was read (nothing written then).

    The event's row is locked only when seats or the waiting list change, by the statement that changes the
    seats (or a SELECT … FOR UPDATE when none do), as late as possible: after it come only what its outcome
    decides (the place in line, read under the lock) and the one write of `settling.settle`, then the commit.
    Returns the outcome and the seats taken as the lock found them."""
    event = invitation.event
    read = ReadAs.of(invitation)
    held, needed = seats_for(read.state, read.plus_ones), seats_for(wanted, plus_ones)
    values: dict = {"note": note, "answered_at": now, "answer_source": source}
    if wanted != InvitationState.YES or needed <= held:
        values.update(state=wanted, plus_ones=plus_ones, waiting_since=None)
        if needed == held and read.state != InvitationState.WAITING:
            # Neither the seats nor the waiting list change: no lock on the event at all.
            outcome = AnswerOutcome(state=wanted, before=read.state, free_seats=seats_free(event))
            written = _settled(invitation, read, values, outcome, plus_ones, subjects, notify)
            return None if written is None else (outcome, event.seats_taken)
        if held > needed:
            free_seats(invitation, held - needed)  # the lock, and the counters as the lock found them
            seats_before = event.seats_taken + held - needed
        else:  # leaves the waiting list: the places of those behind change
            lock_event(event)
            seats_before = event.seats_taken
        outcome = AnswerOutcome(state=wanted, before=read.state)
        if _settled(invitation, read, values, outcome, plus_ones, subjects, notify) is None:
            free_seats(invitation, needed - held)  # take them again: this attempt wrote nothing
            return None
        outcome.promoted = promote_from_waiting_list(event, now=now, refreshed=True)
        return outcome, seats_before

    gain = needed - held
    took = seats_free(event) >= gain and take_seats(invitation, gain, now)  # looks free: the UPDATE is the lock
    if not took:
        lock_event(event)
        took = seats_free(event) >= gain and take_seats(invitation, gain, now)
    seats_before = event.seats_taken - (gain if took else 0)
    if took:
        values.update(state=InvitationState.YES, plus_ones=plus_ones, waiting_since=None)
        outcome = AnswerOutcome(state=InvitationState.YES, before=read.state)
    elif read.state == InvitationState.YES:
        # Already seated: keep the seat and the plus-ones that fit, rather than lose the place.
        outcome = AnswerOutcome(state=InvitationState.YES, plus_ones_refused=True, before=read.state)
    else:
        # Full: to the waiting list, behind everyone whose answer held the event's lock before this one.
        outcome = AnswerOutcome(state=InvitationState.WAITING, before=read.state)
        if read.state == InvitationState.WAITING:
            outcome.waiting_position = place_in_line(invitation, now)
        values.update(state=InvitationState.WAITING, plus_ones=plus_ones)
    outcome.free_seats = seats_free(event)
    # Joining the line: the place is read in the write itself (settling.py); the mix rule places a newcomer after
    # who they are, known only once they wait (then the confirmation follows the write).
    joins = outcome.state == InvitationState.WAITING and read.state != InvitationState.WAITING
    mix = joins and event.waiting_rule == WaitingRule.MIX
    place = _settled(invitation, read, values, outcome, plus_ones, subjects, notify and not mix, joins)
    if place is None:
        if took:
            free_seats(invitation, gain)
        return None
    if joins:
        outcome.waiting_position = place_in_line(invitation, now) if mix else place
        if mix and notify:
            notices.queue_confirmation(invitation, outcome, subjects)
    return outcome, seats_before


def _settled(invitation, read, values, outcome, plus_ones, subjects, notify, joins_line=False) -> int | None:
    """settling.settle with the confirmation of `outcome` (when `notify`): the place in line, or None."""
    notice = None
    if notify:
        sequence = next_sequence(invitation, invitation.event.sequence)
        shown = plus_ones if outcome.state != InvitationState.YES or not outcome.plus_ones_refused else read.plus_ones
        notice = notices.confirmation_row(invitation, outcome, plus_ones=shown, sequence=sequence, subjects=subjects)
        if notice is not None:
            values["calendar_sequence"] = sequence
    return settle(invitation, read, values, notice, joins_line=joins_line)


def promote_from_waiting_list(event: Event, now: datetime | None = None, refreshed: bool = False) -> list[Invitation]:
    """Give freed seats to those waiting, in the order of the event's rule (waiting_order.py): the first in line
    who fits gets the seats (a sign-up only within the sign-up seats and outside the seats held for the invited).

    Someone who needs more seats than are free keeps their place at the head of the line and is passed over
    only for this seat (the RSVP page tells them, and the answers page tells the organiser why seats are empty).
    """
    promoted: list[Invitation] = []
    if not refreshed:
        db.session.refresh(event)  # the seats as they are (only the guarded UPDATE below takes any)
    free = event.capacity - event.seats_taken
    if event.status == EventStatus.CANCELLED or free <= 0:
        return promoted
    for candidate in waiting_line(event, now):
        seats = 1 + candidate.plus_ones
        if seats > free or not take_seats(candidate, seats, now):
            continue  # does not fit now; whoever is next and fits gets the seat
        free -= seats
        if not _claim_invitation(
            candidate, InvitationState.WAITING, candidate.plus_ones, state=InvitationState.YES, waiting_since=None
        ):
            free_seats(candidate, seats)  # promoted by someone else meanwhile
            continue
        db.session.refresh(candidate)
        promoted.append(candidate)
        _after_joining(candidate)
        notices.queue_promotion(candidate)
    return promoted  # the event's counters are as take_seats left them (seats.py)


def _after_joining(invitation: Invitation) -> None:
    """A new yes holds a place (teams puts it in a team when the event already has teams)."""
    signals.invitation_joined.send(invitation)


def _after_leaving(invitation: Invitation) -> None:
    """Someone no longer holds a place (teams takes them out of their team)."""
    signals.invitation_left.send(invitation)


def release_place_of_deleted(person: Person, now: datetime | None = None) -> int:
    """Someone is removed from the directory: their places at upcoming events are freed, without mail."""
    now = now or utcnow()
    upcoming = db.session.scalars(
        db.select(Invitation)
        .join(Event, Invitation.event_id == Event.id)
        .where(
            Invitation.person_id == person.id,
            Invitation.state.in_(HOLDS_PLACE_STATES),
            Event.status != EventStatus.CANCELLED,
            Event.starts_at > now,
        )
    ).all()
    for invitation in upcoming:
        record_answer(invitation, "no", by_organiser=True, notify=False, now=now)
    return len(upcoming)


def withdraw(invitation: Invitation, now: datetime | None = None) -> AnswerOutcome | None:
    """The invitee withdraws: their note is removed, a held seat is given back, the link stops working."""
    outcome = None
    held_place = invitation.holds_place and invitation.event.status != EventStatus.CANCELLED
    if held_place:
        outcome = record_answer(invitation, "no", by_organiser=True, notify=False, now=now, source=AnswerSource.WEB)
    invitation.note = ""
    invitation.plus_ones = 0
    revoke_rsvp_token(invitation)
    revoke_reply_key(invitation)
    notices.queue_withdrawn(invitation, held_place=held_place)
    return outcome


# Receivers (connected in organiser/receivers.py) --------------------------------------------------------------------


def on_seats_freed(event: Event, **_kwargs) -> int:
    """signals.seats_freed: the event has more seats; promote from the waiting list. Returns how many."""
    return len(promote_from_waiting_list(event))


def on_person_erased(person: Person, now: datetime | None = None, at_own_request: bool = False, **_kwargs) -> int:
    """signals.person_erased: cancel their calendar entries (erasure_notices, before anything changes), free the
    person's places at upcoming events (returns how many), clear the notes, plus-ones and reasons on their
    invitations, stop their RSVP links (hash and the nonce they are derived from), and take them off guest lists
    not sent yet."""
    erasure_notices.queue_erasure_cancels(person, at_own_request=at_own_request, now=now)
    released = release_place_of_deleted(person, now)
    db.session.execute(
        update(Invitation)
        .where(Invitation.person_id == person.id)
        .values(
            note="",
            plus_ones=0,
            reason="",
            token_hash=None,
            token_nonce=None,
            reply_key_hash=None,
            reply_nonce=None,
        ),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        delete(Invitation).where(Invitation.person_id == person.id, Invitation.state == InvitationState.LISTED),
        execution_options={"synchronize_session": False},
    )
    return released
