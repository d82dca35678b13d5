"""The people directory's part of the retention policy (organiser/retention.py holds the periods).

- People who left: RETENTION_LEFT_DAYS after someone was set inactive, they are anonymised exactly as the
  organiser's delete does (erasure.delete_person: name, address and initiatives go; places are released).
  Imports set people inactive with bulk statements that bypass Person's validator, so the step first stamps
  anyone inactive without a date (the clock starts then) and clears the date of anyone active again.
- Uploaded files: RETENTION_IMPORT_HOURS after the upload, a file nobody confirmed is deleted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update

from .. import retention
from ..extensions import db, rows_matched, utcnow
from .erasure import delete_person
from .models import Person, PersonImport


def anonymise_people_who_left(now: datetime | None = None) -> int:
    """Anonymise everyone inactive for longer than the period; returns how many."""
    now = now or utcnow()
    db.session.execute(
        update(Person)
        .where(Person.active.is_(True), Person.deactivated_at.is_not(None))
        .values(deactivated_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Person)
        .where(Person.active.is_(False), Person.deactivated_at.is_(None), Person.deleted_at.is_(None))
        .values(deactivated_at=now)
        .execution_options(synchronize_session=False)
    )
    left = db.session.scalars(
        db.select(Person)
        .where(
            Person.active.is_(False),
            Person.deleted_at.is_(None),
            Person.deactivated_at <= retention.LEFT.cutoff(now),
        )
        .order_by(Person.id)
    ).all()
    for person in left:
        delete_person(person)
    return len(left)


def delete_stale_imports(now: datetime | None = None) -> int:
    """Delete uploaded files older than the period that nobody confirmed; returns how many."""
    now = now or utcnow()
    result = db.session.execute(
        delete(PersonImport)
        .where(PersonImport.created_at <= retention.IMPORTS.cutoff(now))
        .execution_options(synchronize_session=False)
    )
    return rows_matched(result) or 0
