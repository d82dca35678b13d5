"""Domain work on events and routes. Functions flush, never commit: the view commits once."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, func, or_, true, union

from .. import signals
from ..extensions import db, utcnow
from ..people.models import Person, PersonKind, person_initiative
from . import access
from .models import FORMATS, Event, EventStatus, Initiative, Neighbourhood, Stop, event_host


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
    """The event, if the logged-in account may manage it (organiser, co-organiser, administrator).

    :raise 404: otherwise (no hint that it exists); the rule itself is in access.py
    """
    return access.get_event(event_id, manage=True)


def may_manage(event: Event) -> bool:
    return access.may_manage(event)


def events_managed_by_current_organiser() -> Select:
    """The logged-in account's own and co-organised events (see access.my_events)."""
    return access.my_events()


def suggested_schedule(format_code: str, start: datetime) -> tuple[datetime, datetime]:
    """The format's default duration from a start moment."""
    return start, start + FORMATS[format_code].duration


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
        signals.seats_freed.send(event)
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


class StillInUse(Exception):
    """A wijk or initiative cannot be deleted while something refers to it; the reasons are Dutch sentences."""

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


#: Letters that Unicode does not decompose into an ASCII letter plus accents.
_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"})


def slugify(name: str) -> str:
    """The name as lower-case ASCII words joined by hyphens: 'Café-buurt Zuid' becomes 'cafe-buurt-zuid'."""
    text = unicodedata.normalize("NFKD", name.lower().translate(_LETTERS)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def tidy_name(name: str) -> str:
    """A name as typed, without leading, trailing or repeated spaces."""
    return " ".join(name.split())


def _unique_slug(name: str) -> str:
    """A slug for a new wijk; '-2', '-3', … when another wijk's name gave the same one."""
    base = slugify(name)[:100].rstrip("-") or "wijk"
    taken = set(
        db.session.scalars(
            db.select(Neighbourhood.slug).where(or_(Neighbourhood.slug == base, Neighbourhood.slug.like(f"{base}-%")))
        )
    )
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def neighbourhood_name_taken(name: str, exclude_id: int | None = None) -> bool:
    """Whether another wijk has this name (ignoring case and spacing)."""
    query = db.select(Neighbourhood.id).where(func.lower(Neighbourhood.name) == tidy_name(name).lower())
    if exclude_id is not None:
        query = query.where(Neighbourhood.id != exclude_id)
    return db.session.scalar(query.limit(1)) is not None


def initiative_name_taken(name: str, exclude_id: int | None = None) -> bool:
    """Whether another initiative has this name (ignoring case and spacing)."""
    query = db.select(Initiative.id).where(func.lower(Initiative.name) == tidy_name(name).lower())
    if exclude_id is not None:
        query = query.where(Initiative.id != exclude_id)
    return db.session.scalar(query.limit(1)) is not None


def create_neighbourhood(name: str) -> Neighbourhood:
    """A new wijk, with a slug made from its name once (public feed URLs use it, so it never changes)."""
    hood = Neighbourhood(name=tidy_name(name), slug=_unique_slug(name))
    db.session.add(hood)
    db.session.flush()
    return hood


def rename_neighbourhood(hood: Neighbourhood, name: str) -> None:
    """Give the wijk another name; its slug stays, so subscribed feeds keep working."""
    hood.name = tidy_name(name)
    db.session.flush()


def neighbourhood_references(hood: Neighbourhood) -> list[str]:
    """What still refers to the wijk, as sentences for the organiser; empty when it may be deleted."""
    initiatives = db.session.scalar(
        db.select(func.count()).select_from(Initiative).where(Initiative.neighbourhood_id == hood.id)
    )
    events = db.session.scalar(db.select(func.count()).select_from(Event).where(Event.neighbourhood_id == hood.id))
    reasons = []
    if initiatives:
        reasons.append(
            ngettext(
                "Er hoort nog %(num)d bewonersinitiatief bij deze wijk.",
                "Er horen nog %(num)d bewonersinitiatieven bij deze wijk.",
                initiatives,
            )
        )
    if events:
        reasons.append(
            ngettext(
                "Er is %(num)d bijeenkomst in deze wijk gehouden of gepland.",
                "Er zijn %(num)d bijeenkomsten in deze wijk gehouden of gepland.",
                events,
            )
        )
    return reasons


def delete_neighbourhood(hood: Neighbourhood) -> None:
    """Delete a wijk nobody uses; raises StillInUse (saying what uses it) otherwise."""
    reasons = neighbourhood_references(hood)
    if reasons:
        raise StillInUse([_("De wijk %(name)s kan niet worden verwijderd.", name=hood.name), *reasons])
    db.session.delete(hood)
    db.session.flush()


@dataclass
class InitiativeDetails:
    """What an organiser enters for a residents' initiative."""

    name: str
    neighbourhood_id: int
    address: str = ""
    description: str = ""


def _apply_initiative(initiative: Initiative, details: InitiativeDetails) -> None:
    initiative.name = tidy_name(details.name)
    initiative.neighbourhood_id = details.neighbourhood_id
    initiative.address = tidy_name(details.address)
    initiative.description = details.description.strip()


def create_initiative(details: InitiativeDetails) -> Initiative:
    """Add a residents' initiative, so that people, hosts and stops can be linked to it."""
    initiative = Initiative()
    _apply_initiative(initiative, details)
    db.session.add(initiative)
    db.session.flush()
    return initiative


def update_initiative(initiative: Initiative, details: InitiativeDetails) -> None:
    """Change an initiative's name, wijk, address or description."""
    _apply_initiative(initiative, details)
    db.session.flush()


def initiative_references(initiative: Initiative) -> list[str]:
    """What still refers to the initiative, as sentences for the organiser; empty when it may be deleted."""
    people = db.session.scalar(
        db.select(func.count()).select_from(person_initiative).where(person_initiative.c.initiative_id == initiative.id)
    )
    hosted = db.session.scalar(
        db.select(func.count()).select_from(event_host).where(event_host.c.initiative_id == initiative.id)
    )
    stops = db.session.scalar(
        db.select(func.count(Stop.event_id.distinct())).where(Stop.initiative_id == initiative.id)
    )
    reasons = []
    if people:
        reasons.append(
            ngettext(
                "Er staat nog %(num)d persoon in het adresboek bij dit initiatief.",
                "Er staan nog %(num)d mensen in het adresboek bij dit initiatief.",
                people,
            )
        )
    if hosted:
        reasons.append(
            ngettext(
                "Het initiatief is gastheer van %(num)d bijeenkomst.",
                "Het initiatief is gastheer van %(num)d bijeenkomsten.",
                hosted,
            )
        )
    if stops:
        reasons.append(
            ngettext(
                "Het initiatief is een halte op de route van %(num)d bijeenkomst.",
                "Het initiatief is een halte op de route van %(num)d bijeenkomsten.",
                stops,
            )
        )
    return reasons


def delete_initiative(initiative: Initiative) -> None:
    """Delete an initiative nothing refers to; raises StillInUse (saying what refers to it) otherwise."""
    reasons = initiative_references(initiative)
    if reasons:
        raise StillInUse([_("Het initiatief %(name)s kan niet worden verwijderd.", name=initiative.name), *reasons])
    db.session.delete(initiative)
    db.session.flush()


@dataclass
class InitiativeRow:
    """One initiative on the overview, with its residents in the directory and the events it hosted."""

    initiative: Initiative
    residents: int = 0
    #: Events it hosted or had a stop at, latest first (drafts only for the organisers who may manage them).
    events: list[Event] = field(default_factory=list)


@dataclass
class NeighbourhoodRow:
    """One wijk on the overview, with how many initiatives and events use it."""

    neighbourhood: Neighbourhood
    initiatives: int
    events: int


def _visible_events() -> ColumnElement[bool]:
    """Events the logged-in organiser may see listed: all but other organisers' drafts."""
    if current_user.is_admin:
        return true()
    return or_(Event.status != EventStatus.DRAFT, Event.organiser_id == current_user.id)


def initiative_overview(neighbourhood_id: int | None = None) -> list[tuple[Neighbourhood, list[InitiativeRow]]]:
    """The initiatives grouped by wijk (or of one wijk), with counts and events: three queries in all."""
    query = (
        db.select(Initiative, Neighbourhood)
        .join(Neighbourhood, Initiative.neighbourhood_id == Neighbourhood.id)
        .order_by(Neighbourhood.name, Initiative.name)
    )
    if neighbourhood_id is not None:
        query = query.where(Initiative.neighbourhood_id == neighbourhood_id)
    groups: dict[int, tuple[Neighbourhood, list[InitiativeRow]]] = {}
    rows: dict[int, InitiativeRow] = {}
    for initiative, hood in db.session.execute(query):
        rows[initiative.id] = InitiativeRow(initiative)
        groups.setdefault(hood.id, (hood, []))[1].append(rows[initiative.id])
    if not rows:
        return []

    def only_shown(select: Select, initiative_column) -> Select:
        if neighbourhood_id is None:
            return select
        return select.join(Initiative, Initiative.id == initiative_column).where(
            Initiative.neighbourhood_id == neighbourhood_id
        )

    residents = only_shown(
        db.select(person_initiative.c.initiative_id, func.count())
        .join(Person, Person.id == person_initiative.c.person_id)
        .where(Person.kind == PersonKind.RESIDENT, Person.deleted_at.is_(None))
        .group_by(person_initiative.c.initiative_id),
        person_initiative.c.initiative_id,
    )
    for initiative_id, count in db.session.execute(residents):
        rows[initiative_id].residents = count
    hosted = union(
        db.select(event_host.c.initiative_id, event_host.c.event_id),
        db.select(Stop.initiative_id, Stop.event_id).where(Stop.initiative_id.is_not(None)),
    ).subquery("hosted")
    events = only_shown(
        db.select(hosted.c.initiative_id, Event)
        .join(Event, Event.id == hosted.c.event_id)
        .where(_visible_events())
        .order_by(Event.starts_at.desc()),
        hosted.c.initiative_id,
    )
    for initiative_id, event in db.session.execute(events):
        rows[initiative_id].events.append(event)
    return list(groups.values())


def neighbourhood_overview() -> list[NeighbourhoodRow]:
    """Every wijk with its number of initiatives and events, in one query."""
    initiatives = (
        db.select(func.count())
        .select_from(Initiative)
        .where(Initiative.neighbourhood_id == Neighbourhood.id)
        .scalar_subquery()
    )
    events = (
        db.select(func.count()).select_from(Event).where(Event.neighbourhood_id == Neighbourhood.id).scalar_subquery()
    )
    query = db.select(Neighbourhood, initiatives, events).order_by(Neighbourhood.name)
    return [NeighbourhoodRow(*row) for row in db.session.execute(query)]
