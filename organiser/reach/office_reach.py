"""The headline figure: how many office-bound colleagues met residents in the period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import case, func

from ..extensions import db, utcnow
from ..people.models import Person
from .measures import attendances, is_active, is_office
from .periods import Period
from .table import ReachTable, percent


@dataclass(frozen=True)
class OfficeReach:
    """Office-bound colleagues who attended at least one event in the period."""

    #: Everyone office-bound who attended, including colleagues who have since left (their counts are kept).
    reached: int
    #: Of them, those still active: the numerator of the share.
    reached_active: int
    #: All active office-bound colleagues.
    active_total: int

    @property
    def share(self) -> float:
        return self.reached_active / self.active_total if self.active_total else 0.0


def office_reach(period: Period, now: datetime | None = None) -> OfficeReach:
    """How many office-bound colleagues met initiatives in the period, and what share of all of them. One query."""
    attendance = attendances(now or utcnow(), period)
    active_total = db.select(func.count()).select_from(Person).where(is_office(), is_active()).scalar_subquery()
    row = db.session.execute(
        db.select(func.count(), func.coalesce(func.sum(case((is_active(), 1), else_=0)), 0), active_total)
        .select_from(Person)
        .where(is_office(), Person.id.in_(db.select(attendance.c.person_id)))
    ).one()
    return OfficeReach(reached=row[0], reached_active=row[1], active_total=row[2])


def summary_table(reach: OfficeReach) -> ReachTable:
    return ReachTable(
        key="summary",
        caption=_("Kantoorcollega's die initiatieven ontmoetten"),
        header=[_("Gegeven"), _("Aantal")],
        rows=[
            [_("Kantoorcollega's die minstens één bijeenkomst bijwoonden"), reach.reached],
            [_("Van hen nu nog actief"), reach.reached_active],
            [_("Actieve kantoorcollega's in totaal"), reach.active_total],
            [_("Aandeel bereikt"), percent(reach.share)],
        ],
        numeric=frozenset({1}),
    )
