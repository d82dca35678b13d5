"""Which events an organiser may manage: their own, or every event for an administrator."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import Select

from ..extensions import db
from .models import Event


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
