"""Publishing an event in the agenda, and cancelling it. Flush, never commit."""

from __future__ import annotations

from flask_babel import gettext as _

from ..extensions import db, utcnow
from .models import Event, EventStatus
from .planning import touch


class ChangeRefused(Exception):
    """A change the event's state does not allow; the message says why, in the visitor's language."""


def publish_event(event: Event) -> bool:
    """Make a draft visible on the agenda and in public feeds; False if it was already published.

    :raise ChangeRefused: for a cancelled event (it stays cancelled: publishing would not bring it back).
    """
    if event.status == EventStatus.CANCELLED:
        raise ChangeRefused(
            _(
                "Een afgelaste bijeenkomst kan niet opnieuw worden gepubliceerd; hij blijft afgelast. "
                "Gaat hij toch door, maak dan een nieuwe bijeenkomst."
            )
        )
    if event.status != EventStatus.DRAFT:
        return False
    event.status = EventStatus.PUBLISHED
    event.published_at = utcnow()
    touch(event)
    db.session.flush()
    return True


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
