"""Office reach and reach per department from one pass over the period's attendance.

Both figures count colleagues (people of kind staff) by the same three questions: did they attend an event in
the period, were they invited to one, are they active now. One grouped query answers the three for every
colleague at once, per (department, office-bound, active); the attendance of the period is computed once for
both figures instead of once each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from sqlalchemy import case, false, func, literal, null, union_all

from ..events.models import Event
from ..extensions import db, utcnow
from ..invitations.models import Invitation, InvitationState
from ..people.models import ContactRole, Department, Person, PersonKind
from .measures import attendances, is_active
from .periods import Period


@dataclass(frozen=True)
class StaffGroup:
    """How many colleagues share one department (None: none), office-bound or not, active or not, reached (attended
    in the period) or not and invited (an invitation sent for an event in the period) or not."""

    department_id: int | None
    office: bool
    active: bool
    reached: bool
    invited: bool
    people: int


@dataclass(frozen=True)
class StaffReached:
    """Every department (id -> name) and the colleagues counted in groups."""

    departments: dict[int, str]
    groups: list[StaffGroup]

    def count(self, **where: bool) -> int:
        """The colleagues of the groups whose fields have the given values, e.g. count(office=True, reached=True)."""
        return _people(self.groups, where)

    def count_in(self, department_id: int | None, **where: bool) -> int:
        """count(), of one department only (None: colleagues without one); looked up, not searched, as a dashboard
        asks it for every department."""
        return _people(self._by_department.get(department_id, []), where)

    @cached_property
    def _by_department(self) -> dict[int | None, list[StaffGroup]]:
        by_department: dict[int | None, list[StaffGroup]] = {}
        for group in self.groups:
            by_department.setdefault(group.department_id, []).append(group)
        return by_department


def _people(groups: list[StaffGroup], where: dict[str, bool]) -> int:
    return sum(g.people for g in groups if all(getattr(g, k) == v for k, v in where.items()))


def staff_reached(period: Period, now: datetime | None = None) -> StaffReached:
    """Colleagues reached, invited and active, grouped; and the departments. One query."""
    attendance = attendances(now or utcnow(), period)
    invited_people = (
        db.select(Invitation.person_id)
        .join(Event, Event.id == Invitation.event_id)
        .where(Invitation.state != InvitationState.LISTED, period.covers(Event.starts_at))
    )
    office = case((Person.contact_role == ContactRole.OFFICE, True), else_=False)
    active = case((is_active(), True), else_=False)
    reached = case((Person.id.in_(db.select(attendance.c.person_id)), True), else_=False)
    invited = case((Person.id.in_(invited_people), True), else_=False)
    groups = (
        db.select(
            Person.department_id, null().label("name"), office, active, reached, invited, func.count().label("people")
        )
        .where(Person.kind == PersonKind.STAFF)
        .group_by(Person.department_id, office, active, reached, invited)
    )
    # The departments ride along in the same statement, each as a row without people.
    names = db.select(Department.id, Department.name, false(), false(), false(), false(), literal(0))
    departments: dict[int, str] = {}
    result: list[StaffGroup] = []
    for department_id, name, is_office, is_active_now, was_reached, was_invited, people in db.session.execute(
        union_all(groups, names)
    ):
        if name is not None:
            departments[department_id] = name
        else:
            result.append(
                StaffGroup(
                    department_id, bool(is_office), bool(is_active_now), bool(was_reached), bool(was_invited), people
                )
            )
    return StaffReached(departments=departments, groups=result)
