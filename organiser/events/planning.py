"""Planning an event: create it and change it (a new date, time or place raises its SEQUENCE). Flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from .. import clock, signals
from ..extensions import db, utcnow
from ..places.models import Initiative
from .models import Event, EventStatus, Owner


@dataclass
class EventDetails:
    """What an organiser enters for an event; times are aware moments."""

    title: str
    format: str
    description: str
    starts_at: datetime
    ends_at: datetime
    location: str
    neighbourhood_id: int | None
    owner: str
    host_ids: list[int]
    capacity: int
    rsvp_deadline: datetime | None
    max_plus_ones: int
    forms_teams: bool
    min_office_share: int
    latitude: float | None = None
    longitude: float | None = None


#: Fields whose change raises SEQUENCE and sends a change notice.
SCHEDULE_FIELDS = ("starts_at", "ends_at", "location")


def _apply(event: Event, details: EventDetails) -> None:
    for name in (
        "title",
        "format",
        "description",
        "starts_at",
        "ends_at",
        "location",
        "neighbourhood_id",
        "capacity",
        "rsvp_deadline",
        "max_plus_ones",
        "forms_teams",
        "min_office_share",
        "latitude",
        "longitude",
    ):
        setattr(event, name, getattr(details, name))
    event.owner = Owner(details.owner)
    event.hosts = list(
        db.session.scalars(db.select(Initiative).where(Initiative.id.in_(details.host_ids))) if details.host_ids else []
    )


def create_event(details: EventDetails, organiser_id: int | None) -> Event:
    """A new draft event."""
    event = Event(
        organiser_id=organiser_id,
        status=EventStatus.DRAFT,
        seats_taken=0,
        sequence=0,
        reminder_days_before_deadline=int(current_app.config["REMINDER_DAYS_BEFORE_DEADLINE"]),
    )
    _apply(event, details)
    event.updated_at = utcnow()
    db.session.add(event)
    db.session.flush()
    return event


def lock_for_change(event: Event) -> None:
    """Read the event again under a row lock held until commit, so that a check of its seats (capacity not below
    the seats taken) stays true until the change is saved: no answer can take a seat in between."""
    db.session.refresh(event, with_for_update=True)


def update_event(event: Event, details: EventDetails) -> dict[str, tuple]:
    """Apply the organiser's changes; the route moves along with the start. Returns what changed of date,
    time and place as {field: (before, after)}; when anything did, SEQUENCE is raised. More seats go to the
    waiting list at once, first come first served (call lock_for_change first)."""
    before = {name: getattr(event, name) for name in SCHEDULE_FIELDS}
    more_seats = details.capacity > event.capacity
    _apply(event, details)
    if event.starts_at != before["starts_at"]:
        # By wall-clock time: a stop at 14:30 stays 30 minutes after a 14:00 start, also across a change to summer
        # time (the form refused a move that puts a stop in the hour the clock skips).
        for stop in event.stops:
            stop.starts_at = clock.move(stop.starts_at, before["starts_at"], event.starts_at)
            stop.ends_at = clock.move(stop.ends_at, before["starts_at"], event.starts_at)
    changes = {
        name: (before[name], getattr(event, name)) for name in SCHEDULE_FIELDS if before[name] != getattr(event, name)
    }
    if changes:
        event.sequence += 1
    touch(event)
    db.session.flush()
    if more_seats:
        signals.seats_freed.send(event)
    return changes


def touch(event: Event) -> None:
    """Mark the event as changed now (feeds use it for LAST-MODIFIED and DTSTAMP)."""
    now = utcnow()
    event.updated_at = max(now, event.updated_at + timedelta(seconds=1)) if event.updated_at else now
