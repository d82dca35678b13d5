"""Removing personal details a set number of days after the event; the answers (counts) stay."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from ..events.models import Event
from ..extensions import db, rows_matched, utcnow
from .models import Invitation


def purge_personal_details(now: datetime | None = None) -> int:
    """Remove notes and plus-one details a set number of days after the event; the answers (counts) stay."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["PERSONAL_DATA_RETENTION_DAYS"])
    ended = db.select(Event.id).where(Event.ends_at < cutoff)
    result = db.session.execute(
        update(Invitation)
        .where(Invitation.event_id.in_(ended), Invitation.purged_at.is_(None))
        .values(note="", purged_at=now)
        .execution_options(synchronize_session=False)
    )
    return rows_matched(result)
