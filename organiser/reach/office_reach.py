"""The headline figure: how many office-bound colleagues met residents in the period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from .periods import Period
from .staff_reached import StaffReached, staff_reached
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
    return office_reach_of(staff_reached(period, now))


def office_reach_of(staff: StaffReached) -> OfficeReach:
    """The office reach from the grouped colleagues (no query)."""
    return OfficeReach(
        reached=staff.count(office=True, reached=True),
        reached_active=staff.count(office=True, reached=True, active=True),
        active_total=staff.count(office=True, active=True),
    )


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
