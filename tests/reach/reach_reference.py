"""The reach dashboard's figures as main computed them before issue 12 (four queries, the attendance computed in
each): the reference the faster computation must equal (test_dashboard_equivalence.py). The queries are main's;
what is done with their rows (grouping, sorting, the per-event select over the ranked attendances) is shared with
the code under test, which did not change it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, literal, union

from organiser.events.models import Event, Stop, event_host
from organiser.extensions import db
from organiser.invitations.models import Invitation, InvitationState
from organiser.people.models import ContactRole, Department, Person, PersonKind
from organiser.places.models import Initiative
from organiser.reach.dashboard import Dashboard
from organiser.reach.departments import DepartmentReach, never_reached_first
from organiser.reach.first_timers import EventAttendance, per_event
from organiser.reach.initiatives import DepartmentInitiatives, grouped_initiatives
from organiser.reach.measures import attendances, is_active, is_office
from organiser.reach.months import monthly_attendance
from organiser.reach.office_reach import OfficeReach
from organiser.reach.periods import Period


def office_reach(period: Period, now: datetime) -> OfficeReach:
    """How many office-bound colleagues met initiatives in the period, and what share of all of them. One query."""
    attendance = attendances(now, period)
    active_total = db.select(func.count()).select_from(Person).where(is_office(), is_active()).scalar_subquery()
    row = db.session.execute(
        db.select(func.count(), func.coalesce(func.sum(case((is_active(), 1), else_=0)), 0), active_total)
        .select_from(Person)
        .where(is_office(), Person.id.in_(db.select(attendance.c.person_id)))
    ).one()
    return OfficeReach(reached=row[0], reached_active=row[1], active_total=row[2])


def department_reach(period: Period, now: datetime) -> list[DepartmentReach]:
    """Every department with its reach; the never reached first, so they stand out. One query."""
    attendance = attendances(now, period)
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
    return never_reached_first(result)


def initiatives_per_department(period: Period, now: datetime) -> list[DepartmentInitiatives]:
    """Department × initiative: colleagues who attended an event the initiative hosted or had a stop at. One query."""
    attendance = attendances(now, period)
    event_initiative = union(
        db.select(event_host.c.event_id, event_host.c.initiative_id),
        db.select(Stop.event_id, Stop.initiative_id).where(Stop.initiative_id.is_not(None)),
    ).subquery("event_initiative")
    # Who met which initiative (each pair once), then counted per department: no COUNT(DISTINCT) sort.
    encounters = (
        db.select(attendance.c.person_id, event_initiative.c.initiative_id)
        .join_from(attendance, event_initiative, event_initiative.c.event_id == attendance.c.event_id)
        .distinct()
        .subquery("encounters")
    )
    met = (
        db.select(Person.department_id, encounters.c.initiative_id, func.count().label("colleagues"))
        .join(encounters, encounters.c.person_id == Person.id)
        .where(Person.kind == PersonKind.STAFF, Person.department_id.is_not(None))
        .group_by(Person.department_id, encounters.c.initiative_id)
        .subquery("met")
    )
    rows = db.session.execute(
        db.select(Department.name, Initiative.name, func.coalesce(met.c.colleagues, literal(0)))
        .outerjoin(met, met.c.department_id == Department.id)
        .outerjoin(Initiative, Initiative.id == met.c.initiative_id)
    ).all()
    return grouped_initiatives(rows)


def event_attendance(period: Period, now: datetime) -> list[EventAttendance]:
    """Per event in the period: attendees and first-timers (never attended any event before). One query."""
    # First-timers look at all history, not only the period: the first event ever a person attended.
    attendance = attendances(now)
    ranked = db.select(
        attendance.c.person_id,
        attendance.c.event_id,
        attendance.c.signed_up_at,
        func.row_number()
        .over(partition_by=attendance.c.person_id, order_by=(attendance.c.starts_at, attendance.c.event_id))
        .label("nth"),
    ).subquery("ranked")
    return per_event(ranked, period)


def reach_dashboard(period: Period, now: datetime) -> Dashboard:
    events = event_attendance(period, now)
    return Dashboard(
        period=period,
        office=office_reach(period, now),
        departments=department_reach(period, now),
        events=events,
        monthly=monthly_attendance(period, events),
        initiatives=initiatives_per_department(period, now),
    )
