"""Suggesting colleagues for the guest list, each with the reasons."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from babel.dates import format_date
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, func, or_
from sqlalchemy.orm import joinedload

from ..events.models import Event, EventStatus
from ..extensions import db, utcnow
from ..i18n import to_local
from ..people.models import ContactRole, Person, PersonKind
from .guest_list import ON_LIST_STATES, add_to_guest_list
from .models import Invitation, InvitationState
from .participation import PersonParticipation


@dataclass
class Suggestion:
    """A colleague suggested for the guest list, and why."""

    person: Person
    reasons: list[str]

    @property
    def reason(self) -> str:
        """The reasons in one line, as stored on the invitation."""
        return ", ".join(self.reasons)


def _ended_for_the_ahead(now: datetime):
    """For the people whose summary lies ahead (a yes to an upcoming event: few people), the end of the latest
    event they took part in that has ended by now, from their invitations: (person_id, ended)."""
    return (
        db.select(Invitation.person_id.label("person_id"), func.max(Event.ends_at).label("ended"))
        .join(Event, Event.id == Invitation.event_id)
        .join(PersonParticipation, PersonParticipation.person_id == Invitation.person_id)
        .where(
            PersonParticipation.last_taken_part_at >= now,
            Event.ends_at < now,
            Event.status != EventStatus.CANCELLED,
            or_(
                Invitation.attended.is_(True),
                and_(Invitation.attended.is_(None), Invitation.state == InvitationState.YES),
            ),
        )
        .group_by(Invitation.person_id)
        .subquery("ended_for_the_ahead")
    )


def _ranked(event: Event, now: datetime, n: int) -> Select:
    """The colleagues who may be suggested, in the order of `suggest_colleagues`; only those who can be among the
    first n: one in their department's turn k has at least k of the department before them."""
    on_list = db.select(Invitation.person_id).where(Invitation.event_id == event.id)
    listed_staff = (
        db.select(Person.department_id)
        .join(Invitation, Invitation.person_id == Person.id)
        .where(Invitation.event_id == event.id, Invitation.state.in_(ON_LIST_STATES))
        .where(Person.kind == PersonKind.STAFF)
    )
    unplaced_listed = listed_staff.where(Person.department_id.is_(None)).exists()
    summary = PersonParticipation.last_taken_part_at
    ahead = _ended_for_the_ahead(now)
    candidates = (
        db.select(
            Person.id.label("person_id"),
            Person.department_id.label("department_id"),
            Person.contact_role.label("role"),
            _sort_name(Person.name).label("sort_name"),
            # The end of the latest event taken part in that has ended by now, or NULL. A join, not a subquery
            # per row: PostgreSQL costed that per colleague and spent seconds compiling the query (JIT).
            case((or_(summary.is_(None), summary < now), summary), else_=ahead.c.ended).label("last"),
            case(
                (Person.department_id.in_(listed_staff.subquery().select()), 1),
                (and_(Person.department_id.is_(None), unplaced_listed), 1),
                else_=0,
            ).label("represented"),
        )
        .outerjoin(PersonParticipation, PersonParticipation.person_id == Person.id)
        .outerjoin(ahead, ahead.c.person_id == Person.id)
        .where(Person.kind == PersonKind.STAFF, Person.active.is_(True), Person.deleted_at.is_(None))
        .where(Person.contact_role.is_not(None))
        .where(Person.id.not_in(on_list), func.coalesce(PersonParticipation.declined_last_two, False).is_(False))
        .subquery("candidates")
    )
    c = candidates.c
    never_first = case((c.last.is_(None), 0), else_=1)
    # Each department's queue: never took part first, then longest ago, then by name.
    place = func.row_number().over(
        partition_by=(c.role, c.department_id), order_by=(never_first, c.last, c.sort_name, c.person_id)
    )
    # Frontline colleagues come after every office colleague, so their department's turns continue from there.
    office_in_department = func.sum(case((c.role == ContactRole.OFFICE, 1), else_=0)).over(partition_by=c.department_id)
    turns = db.select(
        c.person_id,
        c.department_id,
        c.last,
        c.represented,
        case((c.role == ContactRole.OFFICE, 0), else_=1).label("tier"),
        (place - 1 + case((c.role == ContactRole.OFFICE, 0), else_=office_in_department)).label("turn"),
        never_first.label("never_first"),
        c.sort_name,
    ).subquery("turns")
    t = turns.c
    return (
        db.select(t.person_id, t.last, and_(t.turn == 0, t.represented == 0).label("first_of_department"))
        .where(t.turn < n)
        .order_by(
            # The round-robin: departments take turns (fewest picked so far first), those not on the list yet
            # first, then by the best of each department's queue.
            t.tier,
            t.turn,
            t.represented,
            t.never_first,
            t.last,
            t.sort_name,
            func.coalesce(t.department_id, -1),
        )
        .limit(n)
    )


def _sort_name(name):
    """Names compared as Python compares `name.lower()`: code point by code point (PostgreSQL's collation would
    compare by language rules)."""
    lowered = func.lower(name)
    return lowered.collate("C") if db.engine.dialect.name == "postgresql" else lowered


def _long_date(moment: datetime) -> str:
    """'3 maart 2026', in the municipality's time zone."""
    return format_date(to_local(moment).date(), "d MMMM y", locale=str(get_locale() or "nl"))


def suggest_colleagues(event: Event, n: int = 10, now: datetime | None = None) -> list[Suggestion]:
    """Up to n colleagues to invite, best first, each with the reasons; two queries whatever the numbers.

    Office-bound colleagues come before frontline ones. Within that, departments take turns (round-robin),
    departments not yet on the list first; within a department, those who never took part come first, then
    those whose last time is longest ago. Never suggested: inactive or deleted people, residents, anyone already
    on this event's list, and anyone who declined their last two invitations. "Took part": checked in as
    present, or said yes to an event that has ended (before `now`, UTC) and nobody recorded otherwise; cancelled
    events do not count. The ranking is made in SQL from the per-person summary (invitations/participation.py).
    """
    if n <= 0:
        return []
    now = now or utcnow()
    chosen = db.session.execute(_ranked(event, now, n)).all()
    people = {
        person.id: person
        for person in db.session.scalars(
            db.select(Person).options(joinedload(Person.department)).where(Person.id.in_([c[0] for c in chosen]))
        )
    }
    suggestions = []
    for person_id, last, first_of_department in chosen:
        person = people[person_id]
        reasons = [
            _("nog nooit deelgenomen")
            if last is None
            else _("laatst deelgenomen op %(date)s", date=_long_date(_as_utc(last)))
        ]
        if first_of_department and person.department is not None:
            reasons.append(_("afdeling %(name)s nog niet vertegenwoordigd", name=person.department.name))
        reasons.append(_("werkt op kantoor") if person.is_office else _("heeft een contactrol (frontlinie)"))
        suggestions.append(Suggestion(person, reasons))
    return suggestions


def _as_utc(moment: datetime) -> datetime:
    """A moment read through a subquery comes back as stored (naive UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def accept_suggestions(event: Event, person_ids: Iterable[int], n: int) -> int:
    """Put the chosen suggestions on the list with their reasons; the suggestions are made again, so that only
    people who are still suggested are added. Returns how many were added."""
    wanted = set(person_ids)
    reasons = {s.person.id: s.reason for s in suggest_colleagues(event, n) if s.person.id in wanted}
    return add_to_guest_list(event, list(reasons), reasons)
