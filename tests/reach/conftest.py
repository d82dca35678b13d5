"""Factories for reach and teams tests: departments, people and invitations made directly in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from organiser.extensions import utcnow


@pytest.fixture
def create_department(db):
    """Factory: a department by name (returns the existing one when it is there)."""
    from organiser.people.models import Department

    def factory(name="Vergunningen"):
        department = db.session.scalar(db.select(Department).where(Department.name == name))
        if department is None:
            department = Department(name=name)
            db.session.add(department)
            db.session.commit()
        return department

    return factory


@pytest.fixture
def create_person(db):
    """Factory: a staff member (office-bound unless told otherwise) or a resident (role=None, kind='resident')."""
    from organiser.people.models import ContactRole, Person, PersonKind

    counter = iter(range(1, 100000))

    def factory(name=None, role="office", department=None, kind="staff", active=True, initiatives=(), deleted=False):
        n = next(counter)
        person = Person(
            name=name or f"Persoon {n}",
            email=None if deleted else f"persoon{n}@gemeente.example",
            kind=PersonKind(kind),
            contact_role=ContactRole(role) if kind == "staff" and role else None,
            department=department,
            active=active,
            deleted_at=utcnow() if deleted else None,
            initiatives=list(initiatives),
        )
        db.session.add(person)
        db.session.commit()
        return person

    return factory


@pytest.fixture
def invite(db):
    """Factory: an invitation in a given state (sent, and answered where it has an answer)."""
    from organiser.invitations.models import Invitation, InvitationState

    def factory(event, person, state="yes", attended=None, plus_ones=0):
        state = InvitationState(state)
        now = utcnow()
        invitation = Invitation(
            event_id=event.id,
            person_id=person.id,
            state=state,
            plus_ones=plus_ones,
            sent_at=None if state == InvitationState.LISTED else now - timedelta(days=20),
            answered_at=now - timedelta(days=10)
            if state not in (InvitationState.LISTED, InvitationState.INVITED)
            else None,
            waiting_since=now - timedelta(days=10) if state == InvitationState.WAITING else None,
            attended=attended,
        )
        db.session.add(invitation)
        if state == InvitationState.YES:
            event.seats_taken += 1 + plus_ones
        db.session.commit()
        return invitation

    return factory
