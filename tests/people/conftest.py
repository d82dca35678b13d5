"""Factories for the people directory: departments and people (staff and residents)."""

from __future__ import annotations

import itertools

import pytest


@pytest.fixture
def create_department(db):
    """Factory: a department, or the existing one with that name."""
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
def create_person(db, create_department):
    """Factory: a staff member (office-bound in Vergunningen unless told otherwise) or a resident."""
    from organiser.people.models import ContactRole, Person, PersonKind

    numbers = itertools.count(1)

    def factory(
        name=None,
        email=None,
        kind=PersonKind.STAFF,
        department="Vergunningen",
        role=ContactRole.OFFICE,
        initiatives=(),
        active=True,
    ):
        number = next(numbers)
        kind = PersonKind(kind)
        staff = kind == PersonKind.STAFF
        person = Person(
            name=name or f"Persoon {number}",
            email=(email or f"persoon{number}@gemeente.example").lower(),
            kind=kind,
            active=active,
            department=(create_department(department) if isinstance(department, str) else department)
            if staff and department
            else None,
            contact_role=ContactRole(role) if staff else None,
            initiatives=list(initiatives),
        )
        db.session.add(person)
        db.session.commit()
        return person

    return factory
