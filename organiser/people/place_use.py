"""What the directory holds of initiatives: receivers of the places signals (connected in create_app)."""

from __future__ import annotations

from flask_babel import ngettext
from sqlalchemy import Select, func

from ..extensions import db
from ..places.initiatives import InitiativeRow
from ..places.models import Initiative
from .models import Person, PersonKind, person_initiative


def people_of_initiative(initiative: Initiative) -> list[str]:
    """initiative_in_use: the people in the directory linked to the initiative."""
    people = db.session.scalar(
        db.select(func.count()).select_from(person_initiative).where(person_initiative.c.initiative_id == initiative.id)
    )
    if not people:
        return []
    return [
        ngettext(
            "Er staat nog %(num)d persoon in het adresboek bij dit initiatief.",
            "Er staan nog %(num)d mensen in het adresboek bij dit initiatief.",
            people,
        )
    ]


def count_residents_per_initiative(
    _sender, rows: dict[int, InitiativeRow], neighbourhood_id: int | None = None
) -> None:
    """initiatives_listed: how many residents in the directory each initiative has, in one query."""
    query: Select = (
        db.select(person_initiative.c.initiative_id, func.count())
        .join(Person, Person.id == person_initiative.c.person_id)
        .where(Person.kind == PersonKind.RESIDENT, Person.deleted_at.is_(None))
        .group_by(person_initiative.c.initiative_id)
    )
    if neighbourhood_id is not None:
        query = query.join(Initiative, Initiative.id == person_initiative.c.initiative_id).where(
            Initiative.neighbourhood_id == neighbourhood_id
        )
    for initiative_id, count in db.session.execute(query):
        rows[initiative_id].residents = count
