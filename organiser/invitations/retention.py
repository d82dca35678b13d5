"""The invitations' part of the retention policy (organiser/retention.py holds the periods).

- Notes and plus-ones: RETENTION_NOTES_DAYS after the event, the note is emptied and plus-ones set to 0 (the
  event's count of seats taken stays as it was).
- Answers and attendance under a name: RETENTION_ANSWERS_DAYS after the event, each invitation is moved to a
  nameless stand-in (kind, department and contact role only, like an erased person), so that reach counts stay
  but nothing ties the answer to anyone; its link is revoked and the reason for inviting (which may describe the
  person) is emptied.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from .. import retention
from ..events.models import Event
from ..extensions import db, rows_matched, utcnow
from ..people.models import Person
from .models import Invitation

#: The name of a stand-in for a detached answer (never shown: stand-ins are deleted people).
STAND_IN_NAME = "Verwijderde persoon"


def purge_personal_details(now: datetime | None = None) -> int:
    """Remove notes and plus-ones of events that ended before the period; returns how many invitations."""
    now = now or utcnow()
    ended = db.select(Event.id).where(Event.ends_at <= retention.NOTES.cutoff(now))
    result = db.session.execute(
        update(Invitation)
        .where(Invitation.event_id.in_(ended), Invitation.purged_at.is_(None))
        .values(note="", plus_ones=0, purged_at=now)
        .execution_options(synchronize_session=False)
    )
    return rows_matched(result) or 0


def detach_old_answers(now: datetime | None = None) -> int:
    """Move invitations of events that ended before the period from their person to a nameless stand-in;
    returns how many."""
    now = now or utcnow()
    ended = db.select(Event.id).where(Event.ends_at <= retention.ANSWERS.cutoff(now))
    named = db.session.scalars(
        db.select(Invitation)
        .join(Person, Invitation.person_id == Person.id)
        .where(Invitation.event_id.in_(ended), Person.deleted_at.is_(None))
        .order_by(Invitation.id)
    ).all()
    for invitation in named:
        person = invitation.person
        stand_in = Person(
            name=STAND_IN_NAME,
            email=None,
            kind=person.kind,
            active=False,
            department_id=person.department_id,
            contact_role=person.contact_role,
            locale=person.locale,
            created_at=now,
            updated_at=now,
            deleted_at=now,
        )
        invitation.person = stand_in
        invitation.note = ""
        invitation.plus_ones = 0
        invitation.reason = ""
        invitation.token_hash = None
        invitation.token_nonce = None
        invitation.purged_at = invitation.purged_at or now
    db.session.flush()
    return len(named)
