"""The route of a wijksafari or speurtocht: add, change, remove and reorder its stops. Flush, never commit."""

from __future__ import annotations

from datetime import datetime, timedelta

from .. import signals
from ..extensions import db, utcnow
from .models import Event, EventStatus, Stop
from .planning import touch

#: How long a new stop is when the organiser has not said (the form is pre-filled with it).
STOP_LENGTH = timedelta(minutes=30)
#: A gap in the route shorter than this is not offered for a new stop.
SHORTEST_STOP = timedelta(minutes=5)


def free_slot(event: Event, length: timedelta = STOP_LENGTH) -> tuple[datetime, datetime] | None:
    """Where a new stop fits, for the form to start with: from the end of the route so far (or the first gap of at
    least SHORTEST_STOP between its stops, from the event's start) for `length`, or less where the gap is
    shorter. None when the route fills the whole event: no pre-filled time then, rather than one of no length."""
    cursor = event.starts_at
    for stop in sorted(event.stops, key=lambda s: (s.starts_at, s.id or 0)):
        if stop.starts_at - cursor >= SHORTEST_STOP:
            return cursor, min(cursor + length, stop.starts_at)
        cursor = max(cursor, stop.ends_at)
    if event.ends_at - cursor >= SHORTEST_STOP:
        return cursor, min(cursor + length, event.ends_at)
    return None


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
    _route_changed(event)
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
    _route_changed(event)


def remove_stop(event: Event, stop: Stop) -> None:
    """Take a stop off the route and close the gap in the numbering."""
    event.stops.remove(stop)
    _renumber(event, list(event.stops))
    touch(event)
    db.session.flush()
    _route_changed(event)


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
    _route_changed(event)


def _route_changed(event: Event) -> None:
    """Invitees hold the route in their calendar entry: a changed route of a published, coming event raises
    SEQUENCE and is announced (signals.route_changed; invitations sends one notice per settled change)."""
    if event.status != EventStatus.PUBLISHED or event.starts_at <= utcnow():
        return
    event.sequence += 1
    db.session.flush()
    signals.route_changed.send(event)


def _renumber(event: Event, ordered: list[Stop]) -> None:
    for position, stop in enumerate(ordered, start=1):
        stop.position = position
    event.stops[:] = ordered
