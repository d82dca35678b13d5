"""The public agenda: published events to come, by format and wijk."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import selectinload

from ..extensions import db, utcnow
from ..places.models import Neighbourhood
from .models import FORMATS, Event, EventStatus


def agenda_events(format_code: str | None = None, wijk: str | None = None, now: datetime | None = None) -> list[Event]:
    """Published (and recently cancelled) upcoming events for the public agenda."""
    query = (
        db.select(Event)
        .where(Event.status.in_([EventStatus.PUBLISHED, EventStatus.CANCELLED]))
        .where(Event.published_at.is_not(None))
        .where(Event.ends_at >= (now or utcnow()))
        .order_by(Event.starts_at)
        .options(selectinload(Event.series), selectinload(Event.neighbourhood))
    )
    if format_code in FORMATS:
        query = query.where(Event.format == format_code)
    if wijk:
        query = query.join(Neighbourhood, Event.neighbourhood_id == Neighbourhood.id).where(Neighbourhood.slug == wijk)
    return list(db.session.scalars(query))
