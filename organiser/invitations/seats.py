"""Seats: taken and given back only by guarded UPDATE statements on the event row, the one place where the rules
of capacity, the seats open to sign-ups and the seats held for the invited are enforced (issue 16).

An UPDATE whose WHERE re-checks the counters is atomic on SQLite (one writer at a time) and on PostgreSQL (a row
lock; the WHERE is evaluated again after a wait), so no two answers, on any number of app servers, can both take
the last seat. The answer path also holds the event's row lock (seats.lock_event) for the order of the waiting
list; the guards below do not depend on it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, update
from sqlalchemy.orm.attributes import set_committed_value

from ..events.models import Event
from ..extensions import db, utcnow
from .models import Invitation


def _held_now(now: datetime):
    """The seats held for the invited at `now`, as SQL: `held_seats` until the reply deadline (else the start)."""
    return case(
        (and_(Event.rsvp_deadline.is_not(None), Event.rsvp_deadline <= now), 0),
        (and_(Event.rsvp_deadline.is_(None), Event.starts_at <= now), 0),
        else_=Event.held_seats,
    )


def take_seats(invitation: Invitation, seats: int, now: datetime | None = None) -> bool:
    """Claim `seats` for this invitation if they are free; returns whether they were.

    Anyone: never more than the capacity. A sign-up (`Invitation.signed_up_at`) also: never more than the seats
    open to sign-ups, and never one of the seats held for invited colleagues before the reply deadline.
    """
    if seats <= 0:
        return True
    conditions = [Event.id == invitation.event_id, Event.seats_taken + seats <= Event.capacity]
    values = {"seats_taken": Event.seats_taken + seats}
    if invitation.signed_up_at is not None:
        conditions += [
            Event.signup_seats_taken + seats <= Event.signup_seats,
            Event.seats_taken + seats + _held_now(now or utcnow()) <= Event.capacity,
        ]
        values["signup_seats_taken"] = Event.signup_seats_taken + seats
    row = db.session.execute(
        update(Event)
        .where(*conditions)
        .values(**values)
        .returning(*_COUNTERS)
        .execution_options(synchronize_session=False)
    ).first()
    _keep(invitation.event, row)
    return row is not None


def free_seats(invitation: Invitation, seats: int) -> None:
    """Give `seats` of this invitation back (to the sign-up seats too, for a sign-up). A negative number takes
    them again unconditionally: only to undo a `free_seats` of the same transaction (the row is locked)."""
    if seats == 0:
        return
    values = {"seats_taken": Event.seats_taken - seats}
    if invitation.signed_up_at is not None:
        values["signup_seats_taken"] = Event.signup_seats_taken - seats
    row = db.session.execute(
        update(Event)
        .where(Event.id == invitation.event_id)
        .values(**values)
        .returning(*_COUNTERS)
        .execution_options(synchronize_session=False)
    ).first()
    _keep(invitation.event, row)


#: What a seat UPDATE returns: the counters as this transaction left them, and what a notice of the answer needs.
_COUNTERS = (Event.seats_taken, Event.signup_seats_taken, Event.capacity, Event.sequence, Event.status)


def _keep(event: Event, row) -> None:
    """The loaded event takes the values the UPDATE returned (no second statement to read them again)."""
    if row is None:
        return
    for column, value in zip(_COUNTERS, row, strict=True):
        set_committed_value(event, column.key, value)


def lock_event(event: Event) -> None:
    """Hold the event's row until commit, and read it again. PostgreSQL: SELECT … FOR UPDATE (a row lock). SQLite
    ignores FOR UPDATE and reads before a transaction's first write are not serialised: an UPDATE that changes
    nothing and returns the counters makes the transaction the database's only writer until commit."""
    if db.session.get_bind().dialect.name == "sqlite":
        row = db.session.execute(
            update(Event)
            .where(Event.id == event.id)
            .values(seats_taken=Event.seats_taken)
            .returning(*_COUNTERS)
            .execution_options(synchronize_session=False)
        ).first()
        _keep(event, row)
        return
    db.session.execute(
        db.select(Event).where(Event.id == event.id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def seats_free(event: Event) -> int:
    """Seats not taken (capacity − seats taken, never below 0), after the counters as loaded."""
    return max(event.capacity - event.seats_taken, 0)


def open_signup_seats(event: Event, now: datetime | None = None) -> int:
    """Seats a sign-up could take now (for the public page): within the sign-up seats, the capacity and the hold."""
    now = now or utcnow()
    held = event.held_seats if now < event.holds_seats_until else 0
    return max(0, min(event.signup_seats - event.signup_seats_taken, event.capacity - held - event.seats_taken))
