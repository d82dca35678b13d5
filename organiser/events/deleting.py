"""Deleting a draft that never sent anything (test drafts need not stay listed forever). Flush, never commit."""

from __future__ import annotations

from flask_babel import gettext as _

from .. import signals
from ..extensions import db
from .models import Event, EventStatus
from .publishing import ChangeRefused


def deletion_refusals(event: Event) -> list[str]:
    """Why the event may not be deleted, in sentences for the organiser; [] when it may.

    Only a draft may go: a published event was public (on the agenda, in feeds) and is cancelled instead. And only
    when nothing of it was sent: other domains say what they sent (signals.event_deletion_requested).
    """
    if event.status != EventStatus.DRAFT:
        return [
            _(
                "Alleen een concept kan worden verwijderd. Deze bijeenkomst is gepubliceerd geweest; "
                "u kunt hem wel afgelasten."
            )
        ]
    reasons: list[str] = []
    for _receiver, found in signals.event_deletion_requested.send(event):
        reasons.extend(found)
    return reasons


def delete_draft(event: Event) -> None:
    """Delete a draft with its route, guest list (unsent) and what other domains keep of it; a series left
    without events goes too.

    :raise ChangeRefused: when the event is not a draft or something of it was sent (the message says what).
    """
    reasons = deletion_refusals(event)
    if reasons:
        raise ChangeRefused(" ".join(reasons))
    series = event.series
    signals.event_deleting.send(event)
    event.series = None
    event.hosts = []
    event.co_organisers = []
    db.session.flush()
    db.session.delete(event)
    db.session.flush()
    if series is not None:
        db.session.expire(series, ["events"])
        if not series.events:
            db.session.delete(series)
            db.session.flush()
