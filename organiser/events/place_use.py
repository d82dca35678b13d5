"""What events hold of wijken and initiatives: receivers of the places signals (connected in create_app)."""

from __future__ import annotations

from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, func, or_, true, union

from ..extensions import db
from ..places.initiatives import InitiativeRow
from ..places.models import Initiative, Neighbourhood
from ..places.neighbourhoods import NeighbourhoodRow
from .models import Event, EventStatus, Stop, event_host


def events_in_neighbourhood(hood: Neighbourhood) -> list[str]:
    """neighbourhood_in_use: the events held or planned in the wijk."""
    events = db.session.scalar(db.select(func.count()).select_from(Event).where(Event.neighbourhood_id == hood.id))
    if not events:
        return []
    return [
        ngettext(
            "Er is %(num)d bijeenkomst in deze wijk gehouden of gepland.",
            "Er zijn %(num)d bijeenkomsten in deze wijk gehouden of gepland.",
            events,
        )
    ]


def events_of_initiative(initiative: Initiative) -> list[str]:
    """initiative_in_use: the events the initiative hosts, and those with a stop at it."""
    hosted = db.session.scalar(
        db.select(func.count()).select_from(event_host).where(event_host.c.initiative_id == initiative.id)
    )
    stops = db.session.scalar(
        db.select(func.count(Stop.event_id.distinct())).where(Stop.initiative_id == initiative.id)
    )
    reasons = []
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


def count_events_per_neighbourhood(_sender, rows: dict[int, NeighbourhoodRow]) -> None:
    """neighbourhoods_listed: how many events each wijk has, in one query."""
    query = (
        db.select(Event.neighbourhood_id, func.count())
        .where(Event.neighbourhood_id.in_(rows))
        .group_by(Event.neighbourhood_id)
    )
    for hood_id, count in db.session.execute(query):
        rows[hood_id].events = count


def _visible_events() -> ColumnElement[bool]:
    """Events the logged-in organiser may see listed: all but other organisers' drafts."""
    if current_user.is_admin:
        return true()
    return or_(Event.status != EventStatus.DRAFT, Event.organiser_id == current_user.id)


def list_events_per_initiative(_sender, rows: dict[int, InitiativeRow], neighbourhood_id: int | None = None) -> None:
    """initiatives_listed: the events each initiative hosted or had a stop at, latest first, in one query."""
    hosted = union(
        db.select(event_host.c.initiative_id, event_host.c.event_id),
        db.select(Stop.initiative_id, Stop.event_id).where(Stop.initiative_id.is_not(None)),
    ).subquery("hosted")
    query: Select = (
        db.select(hosted.c.initiative_id, Event)
        .join(Event, Event.id == hosted.c.event_id)
        .where(_visible_events())
        .order_by(Event.starts_at.desc())
    )
    if neighbourhood_id is not None:
        query = query.join(Initiative, Initiative.id == hosted.c.initiative_id).where(
            Initiative.neighbourhood_id == neighbourhood_id
        )
    for initiative_id, event in db.session.execute(query):
        rows[initiative_id].events.append(event)
