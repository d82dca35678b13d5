"""Per department: which residents' initiatives its colleagues met."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Row, func, literal, union

from ..events.models import Stop, event_host
from ..extensions import db, utcnow
from ..people.models import Department, Person, PersonKind
from ..places.models import Initiative
from .measures import attendances
from .periods import Period
from .table import ReachTable


@dataclass
class DepartmentInitiatives:
    """The initiatives colleagues of one department met, with how many colleagues met each."""

    department: str
    initiatives: list[tuple[str, int]] = field(default_factory=list)


def initiatives_per_department(period: Period, now: datetime | None = None) -> list[DepartmentInitiatives]:
    """Department × initiative: colleagues who attended an event the initiative hosted or had a stop at. One query."""
    attendance = attendances(now or utcnow(), period)
    event_initiative = union(
        db.select(event_host.c.event_id, event_host.c.initiative_id),
        db.select(Stop.event_id, Stop.initiative_id).where(Stop.initiative_id.is_not(None)),
    ).subquery("event_initiative")
    # Who met which initiative, each (colleague, initiative) pair once, with the colleague's department picked up
    # in the same pass: only colleagues with a department enter the grouping (residents never do), and the count
    # per department is then a plain COUNT over the pairs, not a COUNT(DISTINCT) that sorts every encounter.
    encounters = (
        db.select(Person.department_id, event_initiative.c.initiative_id, attendance.c.person_id)
        .join_from(attendance, Person, Person.id == attendance.c.person_id)
        .join(event_initiative, event_initiative.c.event_id == attendance.c.event_id)
        .where(Person.kind == PersonKind.STAFF, Person.department_id.is_not(None))
        .group_by(attendance.c.person_id, event_initiative.c.initiative_id, Person.department_id)
        .subquery("encounters")
    )
    met = (
        db.select(encounters.c.department_id, encounters.c.initiative_id, func.count().label("colleagues"))
        .group_by(encounters.c.department_id, encounters.c.initiative_id)
        .subquery("met")
    )
    rows = db.session.execute(
        db.select(Department.name, Initiative.name, func.coalesce(met.c.colleagues, literal(0)))
        .outerjoin(met, met.c.department_id == Department.id)
        .outerjoin(Initiative, Initiative.id == met.c.initiative_id)
    ).all()
    return grouped_initiatives(rows)


def grouped_initiatives(rows: Iterable[Row[str, str | None, int]]) -> list[DepartmentInitiatives]:
    """(department, initiative or None, colleagues) rows as one entry per department: the initiatives met most
    first, the departments that met the most initiatives first."""
    by_department: dict[str, DepartmentInitiatives] = {}
    for department, initiative, colleagues in rows:
        entry = by_department.setdefault(department, DepartmentInitiatives(department))
        if initiative is not None:
            entry.initiatives.append((initiative, colleagues))
    for entry in by_department.values():
        entry.initiatives.sort(key=lambda pair: (-pair[1], pair[0].lower()))
    return sorted(by_department.values(), key=lambda d: (-len(d.initiatives), d.department.lower()))


def initiatives_table(departments: list[DepartmentInitiatives]) -> ReachTable:
    return ReachTable(
        key="initiatives",
        caption=_("Initiatieven ontmoet per afdeling"),
        header=[_("Afdeling"), _("Aantal initiatieven"), _("Initiatieven (aantal collega's)")],
        rows=[
            [
                d.department,
                len(d.initiatives),
                ", ".join(f"{name} ({count})" for name, count in d.initiatives),
            ]
            for d in departments
        ],
        numeric=frozenset({1}),
    )
