"""The people directory: search it, and add, change or deactivate staff and residents.

Functions flush, never commit: the view commits once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, func

from .. import addresses
from ..extensions import db, utcnow
from ..places.models import Initiative
from .models import ContactRole, Department, Person, PersonKind, fold_for_search, person_initiative


def normalise_email(email: str) -> str:
    """Email addresses are stored lower-cased, so that uniqueness is case-insensitive."""
    return email.strip().lower()


def mailable(person: Person, now: datetime | None = None) -> bool:
    """Whether organiser can mail this person (an address, one organiser mails to: addresses.py). An address it
    cannot mail (one entered before that rule) is marked as not working, with the reason, as a bounce is: the
    directory and the guest lists show it, and the organiser can correct it. Flushes."""
    if not person.email or person.deleted_at is not None:
        return False
    reason = addresses.mail_problem(person.email)
    if reason is None:
        return True
    if person.email_bounced_at is None:
        person.email_bounced_at = now or utcnow()
        person.email_problem = reason[:300]
        db.session.flush()
    return False


@dataclass
class DirectoryFilter:
    """What the organiser searches the directory for; None means 'any'."""

    text: str = ""
    kind: PersonKind | None = None
    department_id: int | None = None
    role: ContactRole | None = None
    neighbourhood_id: int | None = None
    initiative_id: int | None = None
    #: True: only active people; False: only inactive; None: both.
    active: bool | None = None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def directory_query(filters: DirectoryFilter) -> Select:
    """People matching the filters, by name; anonymised (deleted) people are never listed."""
    query = db.select(Person).where(Person.deleted_at.is_(None))
    text = filters.text.strip()
    if text:
        # Case and accents ignored alike on both databases: "umit" finds Ümit (see fold_for_search).
        query = query.where(Person.search_key.like(_like(fold_for_search(text)), escape="\\"))
    if filters.kind is not None:
        query = query.where(Person.kind == filters.kind)
    if filters.department_id is not None:
        query = query.where(Person.department_id == filters.department_id)
    if filters.role is not None:
        query = query.where(Person.contact_role == filters.role)
    if filters.active is not None:
        query = query.where(Person.active.is_(filters.active))
    if filters.initiative_id is not None:
        query = query.where(
            Person.id.in_(
                db.select(person_initiative.c.person_id).where(
                    person_initiative.c.initiative_id == filters.initiative_id
                )
            )
        )
    if filters.neighbourhood_id is not None:
        query = query.where(
            Person.id.in_(
                db.select(person_initiative.c.person_id)
                .join(Initiative, Initiative.id == person_initiative.c.initiative_id)
                .where(Initiative.neighbourhood_id == filters.neighbourhood_id)
            )
        )
    return query.order_by(func.lower(Person.name), Person.id)


def email_taken(email: str, exclude_person_id: int | None = None) -> bool:
    """Whether someone else in the directory already has this address (case-insensitively)."""
    query = db.select(Person.id).where(Person.email == normalise_email(email))
    if exclude_person_id is not None:
        query = query.where(Person.id != exclude_person_id)
    return db.session.scalar(query.limit(1)) is not None


def departments() -> list[Department]:
    """All departments by name."""
    return list(db.session.scalars(db.select(Department).order_by(Department.name)))


def find_or_create_department(name: str) -> Department:
    """The department with this name (case-insensitively), created if it is new."""
    name = " ".join(name.split())
    department = db.session.scalar(db.select(Department).where(func.lower(Department.name) == name.lower()))
    if department is None:
        department = Department(name=name)
        db.session.add(department)
        db.session.flush()
    return department


@dataclass
class PersonDetails:
    """What an organiser enters for a person; the form has checked the rules for staff and residents."""

    name: str
    email: str
    kind: PersonKind
    department_id: int | None = None
    #: A department typed in by the organiser; created when it does not exist yet.
    new_department: str = ""
    contact_role: ContactRole | None = None
    initiative_ids: list[int] = field(default_factory=list)
    #: The language of mail and calendar entries to this person (one of LANGUAGES).
    locale: str = "nl"


def _apply_details(person: Person, details: PersonDetails) -> None:
    person.name = " ".join(details.name.split())
    email = normalise_email(details.email)
    if email != person.email:
        person.email_bounced_at, person.email_problem = None, ""  # a new address: not known to fail
    person.email = email
    person.kind = details.kind
    person.locale = details.locale
    if details.kind == PersonKind.STAFF:
        if details.new_department.strip():
            person.department = find_or_create_department(details.new_department)
        else:
            person.department = db.session.get(Department, details.department_id) if details.department_id else None
        person.contact_role = details.contact_role
    else:
        person.department = None
        person.contact_role = None
    ids = details.initiative_ids
    person.initiatives = list(db.session.scalars(db.select(Initiative).where(Initiative.id.in_(ids)))) if ids else []


def create_person(details: PersonDetails) -> Person:
    """Add someone to the directory."""
    person = Person(active=True, locale="nl")
    _apply_details(person, details)
    db.session.add(person)
    db.session.flush()
    return person


def update_person(person: Person, details: PersonDetails) -> None:
    """Change someone's details."""
    _apply_details(person, details)
    person.updated_at = utcnow()
    db.session.flush()


def set_active(person: Person, active: bool) -> None:
    """Deactivate (no longer suggested or added to guest lists) or reactivate someone."""
    person.active = active
    person.updated_at = utcnow()
    db.session.flush()


def role_label(person: Person) -> str:
    """'Kantoor · Vergunningen', 'Contactrol (frontlinie) · Wijkteams' or 'Bewoner · Havenkoor'."""
    if person.kind == PersonKind.RESIDENT:
        return " · ".join([PersonKind.RESIDENT.label] + [i.name for i in person.initiatives])
    parts = [person.contact_role.label] if person.contact_role else []
    if person.department:
        parts.append(person.department.name)
    return " · ".join(parts)


def display_name(person: Person) -> str:
    return person.name if person.deleted_at is None else _("(verwijderd)")
