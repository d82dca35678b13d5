"""Keeping the residents' initiatives: add, change, delete one nothing uses, and the overview per wijk.

Functions flush, never commit: the view commits once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from ..extensions import db
from ..signals import initiative_in_use, initiatives_listed
from .models import Initiative, Neighbourhood
from .names import delete_unused, reasons_in_use, tidy_name

if TYPE_CHECKING:
    from ..events.models import Event


@dataclass
class InitiativeDetails:
    """What an organiser enters for a residents' initiative."""

    name: str
    neighbourhood_id: int
    address: str = ""
    description: str = ""


def _apply(initiative: Initiative, details: InitiativeDetails) -> None:
    initiative.name = tidy_name(details.name)
    initiative.neighbourhood_id = details.neighbourhood_id
    initiative.address = tidy_name(details.address)
    initiative.description = details.description.strip()


def create_initiative(details: InitiativeDetails) -> Initiative:
    """Add a residents' initiative, so that people, hosts and stops can be linked to it."""
    initiative = Initiative()
    _apply(initiative, details)
    db.session.add(initiative)
    db.session.flush()
    return initiative


def update_initiative(initiative: Initiative, details: InitiativeDetails) -> None:
    """Change an initiative's name, wijk, address or description."""
    _apply(initiative, details)
    db.session.flush()


def initiative_references(initiative: Initiative) -> list[str]:
    """What still refers to the initiative, as sentences for the organiser; empty when it may be deleted.

    People and events refer to initiatives from higher domains: their receivers of `initiative_in_use`
    say what they hold."""
    return reasons_in_use(initiative_in_use, initiative)


def delete_initiative(initiative: Initiative) -> None:
    """Delete an initiative nothing refers to; raises StillInUse (saying what refers to it) otherwise."""
    refusal = _("Het initiatief %(name)s kan niet worden verwijderd.", name=initiative.name)
    delete_unused(initiative, refusal, initiative_references(initiative))


@dataclass
class InitiativeRow:
    """One initiative on the overview, with its residents in the directory and the events it hosted."""

    initiative: Initiative
    #: Filled in by the people domain (a receiver of `initiatives_listed`).
    residents: int = 0
    #: Events it hosted or had a stop at, latest first (drafts only for the organisers who may manage them);
    #: filled in by the events domain.
    events: list[Event] = field(default_factory=list)


def initiative_overview(neighbourhood_id: int | None = None) -> list[tuple[Neighbourhood, list[InitiativeRow]]]:
    """The initiatives grouped by wijk (or of one wijk), with counts and events: three queries in all."""
    query = (
        db.select(Initiative, Neighbourhood)
        .join(Neighbourhood, Initiative.neighbourhood_id == Neighbourhood.id)
        .order_by(Neighbourhood.name, Initiative.name)
    )
    if neighbourhood_id is not None:
        query = query.where(Initiative.neighbourhood_id == neighbourhood_id)
    groups: dict[int, tuple[Neighbourhood, list[InitiativeRow]]] = {}
    rows: dict[int, InitiativeRow] = {}
    for initiative, hood in db.session.execute(query):
        rows[initiative.id] = InitiativeRow(initiative)
        groups.setdefault(hood.id, (hood, []))[1].append(rows[initiative.id])
    if not rows:
        return []
    initiatives_listed.send(None, rows=rows, neighbourhood_id=neighbourhood_id)
    return list(groups.values())
