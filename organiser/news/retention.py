"""News items are personal data about invitees: purged after RETENTION_NEWS_DAYS, erased with the person, and
shown on the invitee's "my data" page."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete

from .. import retention
from ..extensions import db, rows_matched, utcnow
from ..people.models import Person
from .models import NewsItem, NewsKind


def purge_old_news(now: datetime | None = None) -> int:
    """Delete news recorded before the period (mailed or not); returns how many."""
    now = now or utcnow()
    result = db.session.execute(
        delete(NewsItem)
        .where(NewsItem.created_at < retention.NEWS.cutoff(now))
        .execution_options(synchronize_session=False)
    )
    return rows_matched(result)


# Receivers (connected in organiser/receivers.py) --------------------------------------------------------------------


def on_person_erased(person: Person, **_kwargs) -> int:
    """signals.person_erased: news about the person goes with them (also news not mailed yet). Returns how many."""
    result = db.session.execute(
        delete(NewsItem).where(NewsItem.person_id == person.id).execution_options(synchronize_session=False)
    )
    return rows_matched(result)


def on_personal_data_requested(person: Person, **_kwargs) -> list[tuple[str, list[tuple[str, str]]]]:
    """signals.personal_data_requested: the news about the person that organisers asked for."""
    items = db.session.scalars(
        db.select(NewsItem).where(NewsItem.person_id == person.id).order_by(NewsItem.created_at, NewsItem.id)
    ).all()
    if not items:
        return []
    rows = []
    for item in items:
        kind = NewsKind(item.kind).label if item.kind in NewsKind._value2member_map_ else item.kind
        when = item.created_at.date().isoformat()
        state = (
            _("gemaild op %(date)s", date=item.mailed_at.date().isoformat())
            if item.mailed_at
            else _("nog niet gemaild")
        )
        reason = f" ({item.detail})" if item.kind == NewsKind.BOUNCE and item.detail else ""
        rows.append((f"{when} · {item.event.title} · {kind}{reason}", state))
    return [(_("Berichten aan de organisatoren over u"), rows)]
