"""What reach counts, as SQL: events that took place, who attended them, office colleagues, active people.

"Attended" means: the invitee said yes and the event took place (it ended and was not cancelled). Where an
organiser recorded attendance for an event (any invitation of it has `attended` set), only the people
checked in as present count for that event. Every figure is an aggregate query: a fixed number per page,
whatever the data size.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from sqlalchemy import and_, exists, not_, or_
from sqlalchemy.orm import aliased

from ..events.models import Event, EventStatus
from ..extensions import db
from ..invitations.models import Invitation, InvitationState
from ..people.models import ContactRole, Person, PersonKind
from .periods import Period


def materialized(cte):
    """Ask the database to compute a CTE once and join to its result.

    Left to themselves, SQLite (and sometimes PostgreSQL) inline the attendance CTE into every place that
    uses it and start from the wrong end: every person, then their invitations. Computed once, from the
    events of the period, it costs a small fraction of that.
    """
    dialect = db.engine.dialect.name
    if dialect == "postgresql" or (dialect == "sqlite" and sqlite3.sqlite_version_info >= (3, 35)):
        return cte.prefix_with("MATERIALIZED")
    return cte


def took_place(now: datetime, period: Period | None = None):
    """Events that took place (ended, not cancelled; within the period if given), and whether attendance
    was recorded for them."""
    checked_in = aliased(Invitation)
    recorded = exists().where(checked_in.event_id == Event.id, checked_in.attended.is_not(None))
    query = db.select(
        Event.id.label("event_id"),
        Event.starts_at.label("starts_at"),
        Event.format.label("format"),
        recorded.label("recorded"),
    ).where(Event.status != EventStatus.CANCELLED, Event.ends_at <= now)
    if period is not None:
        query = query.where(period.covers(Event.starts_at))
    return materialized(query.cte("took_place"))


def attendances(now: datetime, period: Period | None = None):
    """One row per (person, event) attended: recorded check-ins where there are any, else the yes answers."""
    events = took_place(now, period)
    invitation = aliased(Invitation)
    return materialized(
        db.select(
            invitation.person_id.label("person_id"),
            events.c.event_id,
            events.c.starts_at,
            events.c.format,
            # Signed up on their own initiative (the open sign-up), not invited: NULL for the invited.
            invitation.signed_up_at.label("signed_up_at"),
        )
        .join_from(events, invitation, invitation.event_id == events.c.event_id)
        .where(
            or_(
                and_(events.c.recorded, invitation.attended.is_(True)),
                and_(not_(events.c.recorded), invitation.state == InvitationState.YES),
            )
        )
        .cte("attendance")
    )


def is_office():
    return and_(Person.kind == PersonKind.STAFF, Person.contact_role == ContactRole.OFFICE)


def is_active():
    return and_(Person.active.is_(True), Person.deleted_at.is_(None))
