"""Suggesting colleagues for the guest list, each with the reasons."""

from __future__ import annotations

import heapq
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


@dataclass
class Suggestion:
    """A colleague suggested for the guest list, and why."""

    person: Person
    reasons: list[str]

    @property
    def reason(self) -> str:
        """The reasons in one line, as stored on the invitation."""
        return ", ".join(self.reasons)


def _attended_clause(now: datetime):
    """Took part: recorded as present, or said yes to an event that has ended and nobody recorded otherwise."""
    return and_(
        Event.ends_at < now,
        Event.status != EventStatus.CANCELLED,
        or_(
            Invitation.attended.is_(True),
            and_(Invitation.attended.is_(None), Invitation.state == InvitationState.YES),
        ),
    )


def _declined_last_two(event: Event) -> Select:
    """People whose two most recent invitations (other than this event's) were both declined."""
    ranked = (
        db.select(
            Invitation.person_id.label("person_id"),
            Invitation.state.label("state"),
            func.row_number()
            .over(partition_by=Invitation.person_id, order_by=(Event.starts_at.desc(), Invitation.id.desc()))
            .label("rank"),
        )
        .join(Event, Event.id == Invitation.event_id)
        .where(Invitation.state != InvitationState.LISTED, Invitation.event_id != event.id)
        .subquery()
    )
    return (
        db.select(ranked.c.person_id)
        .where(ranked.c.rank <= 2)
        .group_by(ranked.c.person_id)
        .having(func.count() == 2, func.sum(case((ranked.c.state == InvitationState.NO, 1), else_=0)) == 2)
    )


def _long_date(moment: datetime) -> str:
    """'3 maart 2026', in the municipality's time zone."""
    return format_date(to_local(moment).date(), "d MMMM y", locale=str(get_locale() or "nl"))


def suggest_colleagues(event: Event, n: int = 10, now: datetime | None = None) -> list[Suggestion]:
    """Up to n colleagues to invite, best first, each with the reasons; four queries whatever the numbers.

    Office-bound colleagues come before frontline ones. Within that, departments take turns (round-robin),
    departments not yet on the list first; within a department, those who never took part come first, then
    those whose last time is longest ago. Never suggested: inactive or deleted people, residents, anyone already
    on this event's list, and anyone who declined their last two invitations.
    """
    if n <= 0:
        return []
    now = now or utcnow()
    on_list = db.select(Invitation.person_id).where(Invitation.event_id == event.id)
    candidates = db.session.execute(
        db.select(Person.id, Person.name, Person.department_id, Person.contact_role)
        .where(Person.kind == PersonKind.STAFF, Person.active.is_(True), Person.deleted_at.is_(None))
        .where(Person.contact_role.is_not(None))
        .where(Person.id.not_in(on_list), Person.id.not_in(_declined_last_two(event)))
    ).all()
    # A separate grouped query rather than a join: joined to 20,000 people, PostgreSQL picks a nested loop
    # whenever its statistics are stale (right after an import), taking seconds instead of milliseconds.
    last_attended: dict[int, datetime] = dict(
        db.session.execute(
            db.select(Invitation.person_id, func.max(Event.ends_at))
            .join(Event, Event.id == Invitation.event_id)
            .where(Invitation.event_id != event.id, _attended_clause(now))
            .group_by(Invitation.person_id)
        ).all()
    )
    represented = set(
        db.session.scalars(
            db.select(Person.department_id)
            .distinct()
            .join(Invitation, Invitation.person_id == Person.id)
            .where(Invitation.event_id == event.id, Invitation.state.in_(ON_LIST_STATES))
            .where(Person.kind == PersonKind.STAFF)
        )
    )

    # Per role tier and department, a queue: never took part first, then longest ago, then by name.
    queues: dict[ContactRole, dict[int | None, list]] = {ContactRole.OFFICE: {}, ContactRole.FRONTLINE: {}}
    for person_id, name, department_id, role in candidates:
        last = last_attended.get(person_id)
        key = (0, 0.0) if last is None else (1, _as_utc(last).timestamp())
        queues[role].setdefault(department_id, []).append((key, name.lower(), person_id, last))
    picked_from: dict[int | None, int] = {}
    chosen: list[tuple[int, int | None, datetime | None, bool]] = []
    for role in (ContactRole.OFFICE, ContactRole.FRONTLINE):
        heap = []
        for department_id, queue in queues[role].items():
            queue.sort(reverse=True)  # pop() from the end gives the best
            heap.append(_turn(department_id, queue, picked_from, represented))
        heapq.heapify(heap)
        while heap and len(chosen) < n:
            *_order, department_id = heapq.heappop(heap)
            queue = queues[role][department_id]
            _key, _name, person_id, last = queue.pop()
            first_of_department = department_id not in represented and picked_from.get(department_id, 0) == 0
            picked_from[department_id] = picked_from.get(department_id, 0) + 1
            chosen.append((person_id, department_id, last, first_of_department))
            if queue:
                heapq.heappush(heap, _turn(department_id, queue, picked_from, represented))
        if len(chosen) >= n:
            break

    people = {
        person.id: person
        for person in db.session.scalars(
            db.select(Person).options(joinedload(Person.department)).where(Person.id.in_([c[0] for c in chosen]))
        )
    }
    suggestions = []
    for person_id, _department_id, last, first_of_department in chosen:
        person = people[person_id]
        reasons = [
            _("nog nooit deelgenomen") if last is None else _("laatst deelgenomen op %(date)s", date=_long_date(last))
        ]
        if first_of_department and person.department is not None:
            reasons.append(_("afdeling %(name)s nog niet vertegenwoordigd", name=person.department.name))
        reasons.append(_("werkt op kantoor") if person.is_office else _("heeft een contactrol (frontlinie)"))
        suggestions.append(Suggestion(person, reasons))
    return suggestions


def _turn(department_id: int | None, queue: list, picked_from: dict, represented: set) -> tuple:
    """A department's place in the round-robin: fewest picked so far, then not on the list yet, then its best."""
    best = queue[-1]
    return (
        picked_from.get(department_id, 0),
        department_id in represented,
        best[0],
        best[1],
        -1 if department_id is None else department_id,
        department_id,
    )


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def accept_suggestions(event: Event, person_ids: Iterable[int], n: int) -> int:
    """Put the chosen suggestions on the list with their reasons; the suggestions are made again, so that only
    people who are still suggested are added. Returns how many were added."""
    wanted = set(person_ids)
    reasons = {s.person.id: s.reason for s in suggest_colleagues(event, n) if s.person.id in wanted}
    return add_to_guest_list(event, list(reasons), reasons)
