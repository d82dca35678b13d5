"""Erasing a person: their personal data goes, the row stays so that reach counts survive. Flush, never commit."""

from __future__ import annotations

from sqlalchemy import delete, update

from ..calendar.models import FeedToken
from ..extensions import db, utcnow
from ..invitations.models import Invitation, InvitationState
from .models import Person

#: What an anonymised person is called in lists and reports.
DELETED_NAME = "Verwijderde persoon"


def delete_person(person: Person) -> None:
    """Remove someone's personal data, keeping the row so that reach counts survive.

    Name, email and initiatives go; kind, department and contact role stay (they are what reports count).
    Notes on their invitations are cleared, their RSVP links and calendar feeds stop working, and guest
    lists that have not been sent yet no longer include them. A seat they held at an upcoming event is
    given back (and goes to the first on the waiting list).
    """
    from ..invitations.services import release_place_of_deleted

    now = utcnow()
    release_place_of_deleted(person, now)
    person.name = DELETED_NAME
    person.email = None
    person.initiatives = []
    person.active = False
    person.deleted_at = now
    person.updated_at = now
    db.session.execute(
        update(Invitation).where(Invitation.person_id == person.id).values(note="", token_hash=None),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        delete(Invitation).where(Invitation.person_id == person.id, Invitation.state == InvitationState.LISTED),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        update(FeedToken)
        .where(FeedToken.person_id == person.id, FeedToken.revoked_at.is_(None))
        .values(revoked_at=now),
        execution_options={"synchronize_session": False},
    )
    db.session.flush()
