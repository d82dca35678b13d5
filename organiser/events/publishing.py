"""Publishing an event in the agenda, and cancelling it. Flush, never commit."""

from __future__ import annotations

from ..extensions import db, utcnow
from .models import Event, EventStatus
from .planning import touch


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
