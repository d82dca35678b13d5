"""Fixtures for invitations: the people factories, and a helper to put someone on a list in a given state."""

from __future__ import annotations

import pytest

from tests.people.conftest import create_department, create_person  # noqa: F401  (fixtures shared with people)


@pytest.fixture
def invite(db):
    """Factory: an invitation of a person to an event in a state (sent unless LISTED)."""
    from organiser.extensions import utcnow
    from organiser.invitations.models import Invitation, InvitationState

    def factory(event, person, state=InvitationState.LISTED, attended=None, reason=""):
        state = InvitationState(state)
        invitation = Invitation(
            event=event,
            person=person,
            state=state,
            sent_at=None if state == InvitationState.LISTED else utcnow(),
            attended=attended,
            reason=reason,
        )
        db.session.add(invitation)
        db.session.commit()
        return invitation

    return factory


@pytest.fixture
def in_request(app):
    """A request context, for calling services that speak Dutch (gettext needs the visitor's language)."""
    with app.test_request_context():
        yield
