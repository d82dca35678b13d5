"""Seats: taken and given back only by guarded UPDATE statements on the event row, the one place where the rules
of capacity, the seats open to sign-ups and the seats held for the invited are enforced (issue 16).

An UPDATE whose WHERE re-checks the counters is atomic on SQLite (one writer at a time) and on PostgreSQL (a row
lock; the WHERE is evaluated again after a wait), so no two answers, on any number of app servers, can both take
the last seat. The answer path also holds the event's row lock (answers._lock_event) for the order of the waiting
list; the guards below do not depend on it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, update

from ..events.models import Event
from ..extensions import db, rows_matched, utcnow
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
    result = db.session.execute(
        update(Event).where(*conditions).values(**values).execution_options(synchronize_session=False)
    )
    return rows_matched(result) == 1


def free_seats(invitation: Invitation, seats: int) -> None:
    """Give `seats` of this invitation back (to the sign-up seats too, for a sign-up)."""
    if seats <= 0:
        return
    values = {"seats_taken": Event.seats_taken - seats}
    if invitation.signed_up_at is not None:
        values["signup_seats_taken"] = Event.signup_seats_taken - seats
    db.session.execute(
        update(Event)
        .where(Event.id == invitation.event_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def open_signup_seats(event: Event, now: datetime | None = None) -> int:
    """Seats a sign-up could take now (for the public page): within the sign-up seats, the capacity and the hold."""
    now = now or utcnow()
    held = event.held_seats if now < event.holds_seats_until else 0
    return max(0, min(event.signup_seats - event.signup_seats_taken, event.capacity - held - event.seats_taken))
