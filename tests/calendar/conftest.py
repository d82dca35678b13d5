"""Fixtures for calendar tests: people, invitations in any state, feed tokens."""

from __future__ import annotations

import pytest

from organiser.extensions import utcnow
from organiser.invitations.models import Invitation, InvitationState
from organiser.people.models import ContactRole, Person, PersonKind


@pytest.fixture
def create_person(db):
    """Factory: a staff member (office-bound unless told otherwise)."""

    def factory(name="Pieter Vergunning", email="pieter.vergunning@gemeente.example", **fields):
        fields.setdefault("kind", PersonKind.STAFF)
        if fields["kind"] == PersonKind.STAFF:
            fields.setdefault("contact_role", ContactRole.OFFICE)
        person = Person(name=name, email=email, **fields)
        db.session.add(person)
        db.session.commit()
        return person

    return factory


@pytest.fixture
def invite(db):
    """Factory: an invitation in a given state, with the timestamps that state implies."""

    def factory(event, person, state=InvitationState.INVITED, **fields):
        now = utcnow()
        invitation = Invitation(
            event=event,
            person=person,
            state=state,
            sent_at=None if state == InvitationState.LISTED else now,
            answered_at=now if state in (InvitationState.YES, InvitationState.NO, InvitationState.MAYBE) else None,
            waiting_since=now if state == InvitationState.WAITING else None,
            **fields,
        )
        db.session.add(invitation)
        db.session.commit()
        return invitation

    return factory


@pytest.fixture
def feed_token(db):
    """Factory: issue a personal feed token for a person (revoking earlier ones) and return it."""
    from organiser.calendar.links import issue_feed_token

    def factory(person):
        token = issue_feed_token(person)
        db.session.commit()
        return token

    return factory


@pytest.fixture
def rsvp_token(db):
    """Factory: a personal RSVP token for an invitation."""
    from organiser.invitations.links import issue_rsvp_token

    def factory(invitation):
        token = issue_rsvp_token(invitation)
        db.session.commit()
        return token

    return factory
