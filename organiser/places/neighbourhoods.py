"""Keeping the wijken: add, rename, delete one nothing uses, and the overview. Flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func

from ..extensions import db
from ..signals import neighbourhood_in_use, neighbourhoods_listed
from .models import Initiative, Neighbourhood
from .names import delete_unused, reasons_in_use, tidy_name, unique_slug


def create_neighbourhood(name: str) -> Neighbourhood:
    """A new wijk, with a slug made from its name once (public feed URLs use it, so it never changes)."""
    hood = Neighbourhood(name=tidy_name(name), slug=unique_slug(name))
    db.session.add(hood)
    db.session.flush()
    return hood


def rename_neighbourhood(hood: Neighbourhood, name: str) -> None:
    """Give the wijk another name; its slug stays, so subscribed feeds keep working."""
    hood.name = tidy_name(name)
    db.session.flush()


def neighbourhood_references(hood: Neighbourhood) -> list[str]:
    """What still refers to the wijk, as sentences for the organiser; empty when it may be deleted.

    Its initiatives are counted here; what higher domains hold (events) their receivers of
    `neighbourhood_in_use` say."""
    initiatives = db.session.scalar(
        db.select(func.count()).select_from(Initiative).where(Initiative.neighbourhood_id == hood.id)
    )
    reasons: list[str] = []
    if initiatives:
        reasons.append(
            ngettext(
                "Er hoort nog %(num)d bewonersinitiatief bij deze wijk.",
                "Er horen nog %(num)d bewonersinitiatieven bij deze wijk.",
                initiatives,
            )
        )
    return reasons + reasons_in_use(neighbourhood_in_use, hood)


def delete_neighbourhood(hood: Neighbourhood) -> None:
    """Delete a wijk nobody uses; raises StillInUse (saying what uses it) otherwise."""
    refusal = _("De wijk %(name)s kan niet worden verwijderd.", name=hood.name)
    delete_unused(hood, refusal, neighbourhood_references(hood))


@dataclass
class NeighbourhoodRow:
    """One wijk on the overview, with how many initiatives and events use it."""

    neighbourhood: Neighbourhood
    initiatives: int
    #: Filled in by the events domain (a receiver of `neighbourhoods_listed`).
    events: int = 0


def neighbourhood_overview() -> list[NeighbourhoodRow]:
    """Every wijk with its number of initiatives (one query) and events (one query by the events domain)."""
    initiatives = (
        db.select(func.count())
        .select_from(Initiative)
        .where(Initiative.neighbourhood_id == Neighbourhood.id)
        .scalar_subquery()
    )
    query = db.select(Neighbourhood, initiatives).order_by(Neighbourhood.name)
    rows = {hood.id: NeighbourhoodRow(hood, count) for hood, count in db.session.execute(query)}
    if rows:
        neighbourhoods_listed.send(None, rows=rows)
    return list(rows.values())
