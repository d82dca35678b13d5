"""Domain work on events and routes. Functions flush, never commit: the view commits once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy import Select

from ..extensions import db, utcnow
from .models import FORMATS, Event, EventStatus, Initiative, Neighbourhood, Stop


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


def event_for_organiser(event_id: int) -> Event:
    """The event, if the logged-in organiser may manage it; 404 otherwise (no hint that it exists)."""
    event = db.get_or_404(Event, event_id)
    if not may_manage(event):
        abort(404)
    return event


def may_manage(event: Event) -> bool:
    return bool(current_user.is_authenticated and (current_user.is_admin or event.organiser_id == current_user.id))


def events_managed_by_current_organiser() -> Select:
    query = db.select(Event).order_by(Event.starts_at)
    if not current_user.is_admin:
        query = query.where(Event.organiser_id == current_user.id)
    return query


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
    event.owner = details.owner
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
    shift = event.starts_at - before["starts_at"]
    if shift:
        for stop in event.stops:
            stop.starts_at += shift
            stop.ends_at += shift
    changes = {
        name: (before[name], getattr(event, name)) for name in SCHEDULE_FIELDS if before[name] != getattr(event, name)
    }
    if changes:
        event.sequence += 1
    touch(event)
    db.session.flush()
    if more_seats:
        from ..invitations.services import promote_from_waiting_list

        promote_from_waiting_list(event)
    return changes


def touch(event: Event) -> None:
    """Mark the event as changed now (feeds use it for LAST-MODIFIED and DTSTAMP)."""
    now = utcnow()
    event.updated_at = max(now, event.updated_at + timedelta(seconds=1)) if event.updated_at else now


def publish_event(event: Event) -> None:
    """Make a draft visible on the agenda and in public feeds."""
    if event.status != EventStatus.DRAFT:
        return
    event.status = EventStatus.PUBLISHED
    event.published_at = utcnow()
    touch(event)
    db.session.flush()


def cancel_event(event: Event) -> bool:
    """Cancel the event; it stays in feeds as STATUS:CANCELLED with a higher SEQUENCE. False if it already was."""
    if event.status == EventStatus.CANCELLED:
        return False
    event.status = EventStatus.CANCELLED
    event.cancelled_at = utcnow()
    event.sequence += 1
    touch(event)
    db.session.flush()
    return True


def add_stop(
    event: Event, name: str, address: str, starts_at: datetime, ends_at: datetime, initiative_id: int | None
) -> Stop:
    """Add a stop to the route, placed in time order (the form checked it fits and does not overlap)."""
    stop = Stop(
        name=name, address=address, starts_at=starts_at, ends_at=ends_at, initiative_id=initiative_id, position=0
    )
    event.stops.append(stop)
    _renumber(event, sorted(event.stops, key=lambda s: (s.starts_at, s.id or 0)))
    touch(event)
    db.session.flush()
    return stop


def update_stop(
    event: Event, stop: Stop, name: str, address: str, starts_at: datetime, ends_at: datetime, initiative_id: int | None
) -> None:
    """Change a stop; the route is put in time order again."""
    stop.name, stop.address, stop.starts_at, stop.ends_at = name, address, starts_at, ends_at
    stop.initiative_id = initiative_id
    _renumber(event, sorted(event.stops, key=lambda s: (s.starts_at, s.id or 0)))
    touch(event)
    db.session.flush()


def remove_stop(event: Event, stop: Stop) -> None:
    """Take a stop off the route and close the gap in the numbering."""
    event.stops.remove(stop)
    _renumber(event, list(event.stops))
    touch(event)
    db.session.flush()


def move_stop(event: Event, stop: Stop, offset: int) -> None:
    """Move a stop up (-1) or down (+1) in the route order; stops swap their time slots with it."""
    stops = list(event.stops)
    index = stops.index(stop)
    target = index + offset
    if not 0 <= target < len(stops):
        return
    other = stops[target]
    # The route is walked in order: the two stops trade places within the window they share,
    # each keeping its own length, with the gap between them unchanged.
    first, second = (stop, other) if offset < 0 else (other, stop)
    begin = min(stop.starts_at, other.starts_at)
    first_len, second_len = first.ends_at - first.starts_at, second.ends_at - second.starts_at
    gap = max(stop.ends_at, other.ends_at) - begin - first_len - second_len
    first.starts_at, first.ends_at = begin, begin + first_len
    second.starts_at = first.ends_at + gap
    second.ends_at = second.starts_at + second_len
    stops[index], stops[target] = stops[target], stops[index]
    _renumber(event, stops)
    touch(event)
    db.session.flush()


def _renumber(event: Event, ordered: list[Stop]) -> None:
    for position, stop in enumerate(ordered, start=1):
        stop.position = position
    event.stops[:] = ordered


def agenda_events(format_code: str | None = None, wijk: str | None = None, now: datetime | None = None) -> list[Event]:
    """Published (and recently cancelled) upcoming events for the public agenda."""
    query = (
        db.select(Event)
        .where(Event.status.in_([EventStatus.PUBLISHED, EventStatus.CANCELLED]))
        .where(Event.published_at.is_not(None))
        .where(Event.ends_at >= (now or utcnow()))
        .order_by(Event.starts_at)
    )
    if format_code in FORMATS:
        query = query.where(Event.format == format_code)
    if wijk:
        query = query.join(Neighbourhood, Event.neighbourhood_id == Neighbourhood.id).where(Neighbourhood.slug == wijk)
    return list(db.session.scalars(query))


# Neighbourhoods (wijken) and residents' initiatives: the places events happen at and are hosted by.
