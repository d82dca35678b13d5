"""Erasing a person: their personal data goes, the row stays so that reach counts survive. Flush, never commit."""

from __future__ import annotations

from .. import signals
from ..extensions import db, utcnow
from .models import Person

#: What an anonymised person is called in lists and reports.
DELETED_NAME = "Verwijderde persoon"


def delete_person(person: Person, *, at_own_request: bool = False) -> None:
    """Remove someone's personal data, keeping the row so that reach counts survive.

    Name, email and initiatives go; kind, department and contact role stay (they are what reports count).
    Notes on their invitations are cleared, their RSVP links and calendar feeds stop working, and guest
    lists that have not been sent yet no longer include them. A seat they held at an upcoming event is
    given back (and goes to the first on the waiting list). Calendar entries of theirs for events not yet
    over are cancelled by one mail each (METHOD:CANCEL, invitations/erasure_notices.py), which says whether the
    data went `at_own_request` or by the organiser; once sent, nothing of it is kept.
    """
    now = utcnow()
    # What other domains hold of the person (seats, invitation notes, RSVP links, calendar feeds) their
    # receivers of person_erased release, in this transaction.
    signals.person_erased.send(person, now=now, at_own_request=at_own_request)
    person.name = DELETED_NAME
    person.email = None
    person.initiatives = []
    person.active = False
    person.deleted_at = now
    person.updated_at = now
    db.session.flush()
