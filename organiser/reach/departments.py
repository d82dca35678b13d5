"""Reach per department: not invited, invited, or reached in the period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import case, func

from ..events.models import Event
from ..extensions import db, utcnow
from ..invitations.models import Invitation, InvitationState
from ..people.models import ContactRole, Department, Person, PersonKind
from .measures import attendances, is_active
from .periods import Period
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
    attendance = attendances(now or utcnow(), period)
    staff = (
        db.select(Person.department_id, func.count().label("active_staff"))
        .where(Person.kind == PersonKind.STAFF, is_active())
        .group_by(Person.department_id)
        .subquery("staff")
    )
    invited_people = (
        db.select(Invitation.person_id)
        .join(Event, Event.id == Invitation.event_id)
        .where(Invitation.state != InvitationState.LISTED, period.covers(Event.starts_at))
        .distinct()
        .subquery("invited_people")
    )
    invited = (
        db.select(
            Person.department_id,
            func.count().label("invited"),
            func.sum(case((is_active(), 1), else_=0)).label("invited_active"),
        )
        .join(invited_people, invited_people.c.person_id == Person.id)
        .where(Person.kind == PersonKind.STAFF)
        .group_by(Person.department_id)
        .subquery("invited")
    )
    # Distinct people first, then plain counts: COUNT(DISTINCT) would sort every attendance instead.
    attended_people = db.select(attendance.c.person_id).distinct().subquery("attended_people")
    reached = (
        db.select(
            Person.department_id,
            func.count().label("reached"),
            func.sum(case((Person.contact_role == ContactRole.OFFICE, 1), else_=0)).label("reached_office"),
        )
        .join(attended_people, attended_people.c.person_id == Person.id)
        .where(Person.kind == PersonKind.STAFF)
        .group_by(Person.department_id)
        .subquery("reached")
    )
    rows = db.session.execute(
        db.select(
            Department.name,
            func.coalesce(staff.c.active_staff, 0),
            func.coalesce(invited.c.invited, 0),
            func.coalesce(invited.c.invited_active, 0),
            func.coalesce(reached.c.reached, 0),
            func.coalesce(reached.c.reached_office, 0),
        )
        .outerjoin(staff, staff.c.department_id == Department.id)
        .outerjoin(invited, invited.c.department_id == Department.id)
        .outerjoin(reached, reached.c.department_id == Department.id)
    ).all()
    result = [
        DepartmentReach(
            name=name,
            active_staff=active_staff,
            invited=invited_count,
            reached=reached_count,
            reached_office=reached_office,
            not_invited=max(active_staff - invited_active, 0),
        )
        for name, active_staff, invited_count, invited_active, reached_count, reached_office in rows
    ]
    return sorted(
        result,
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
