"""Reach per department: not invited, invited, or reached in the period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from .periods import Period
from .staff_reached import StaffReached, staff_reached
from .table import ReachTable


class DepartmentStanding:
    REACHED = "reached"
    INVITED = "invited"
    NOT_INVITED = "not_invited"


@dataclass(frozen=True)
class DepartmentReach:
    """One department's reach in the period."""

    name: str
    #: Active colleagues in the department now.
    active_staff: int
    #: Colleagues invited (an invitation was sent) to an event in the period.
    invited: int
    #: Colleagues who attended an event in the period.
    reached: int
    #: Of those reached, the office-bound.
    reached_office: int
    #: Active colleagues who were not invited in the period.
    not_invited: int

    @property
    def standing(self) -> str:
        if self.reached:
            return DepartmentStanding.REACHED
        if self.invited:
            return DepartmentStanding.INVITED
        return DepartmentStanding.NOT_INVITED


STANDING_ORDER = {DepartmentStanding.NOT_INVITED: 0, DepartmentStanding.INVITED: 1, DepartmentStanding.REACHED: 2}


def standing_label(standing: str) -> str:
    return {
        DepartmentStanding.REACHED: _("Bereikt"),
        DepartmentStanding.INVITED: _("Uitgenodigd, niet bereikt"),
        DepartmentStanding.NOT_INVITED: _("Niet uitgenodigd"),
    }[standing]


def department_reach(period: Period, now: datetime | None = None) -> list[DepartmentReach]:
    """Every department with its reach; the never reached first, so they stand out. One query."""
    return department_reach_of(staff_reached(period, now))


def department_reach_of(staff: StaffReached) -> list[DepartmentReach]:
    """Every department's reach from the grouped colleagues (no query); the never reached first."""
    result = []
    for department_id, name in sorted(staff.departments.items()):
        active_staff = staff.count_in(department_id, active=True)
        result.append(
            DepartmentReach(
                name=name,
                active_staff=active_staff,
                invited=staff.count_in(department_id, invited=True),
                reached=staff.count_in(department_id, reached=True),
                reached_office=staff.count_in(department_id, reached=True, office=True),
                not_invited=max(active_staff - staff.count_in(department_id, invited=True, active=True), 0),
            )
        )
    return never_reached_first(result)


def never_reached_first(departments: list[DepartmentReach]) -> list[DepartmentReach]:
    """Not invited, then invited but not reached, then reached; within each the lowest share reached first."""
    return sorted(
        departments,
        key=lambda d: (
            STANDING_ORDER[d.standing],
            d.reached / d.active_staff if d.active_staff else 0,
            d.name.lower(),
        ),
    )


def departments_table(departments: list[DepartmentReach]) -> ReachTable:
    return ReachTable(
        key="departments",
        caption=_("Bereik per afdeling (niet bereikte afdelingen eerst)"),
        header=[
            _("Afdeling"),
            _("Stand"),
            _("Actieve collega's"),
            _("Uitgenodigd"),
            _("Bereikt"),
            _("Waarvan kantoor"),
            _("Niet uitgenodigd"),
        ],
        rows=[
            [
                d.name,
                standing_label(d.standing),
                d.active_staff,
                d.invited,
                d.reached,
                d.reached_office,
                d.not_invited,
            ]
            for d in departments
        ],
        numeric=frozenset({2, 3, 4, 5, 6}),
    )
