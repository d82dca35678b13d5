"""Suggesting colleagues for the guest list, each with the reasons."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from babel.dates import format_date
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, func, literal, or_, true, union_all
from sqlalchemy.orm import aliased, joinedload

from ..events.models import Event, EventStatus
from ..extensions import db, utcnow
from ..i18n import to_local
from ..people.models import ContactRole, Department, Person, PersonKind
from .guest_list import ON_LIST_STATES, add_to_guest_list
from .models import Invitation, InvitationState
from .participation import QueuedColleague


@dataclass
class Suggestion:
    """A colleague suggested for the guest list, and why."""

    person: Person
    reasons: list[str]

    @property
    def reason(self) -> str:
        """The reasons in one line, as stored on the invitation."""
        return ", ".join(self.reasons)


def _first_of_each_queue(event: Event, now: datetime, n: int) -> Select:
    """Of each department's two queues (office, frontline), the first n colleagues not on this event's list whose
    last time lies behind (or who never took part), by the queue's index, n per queue read:
    (person_id, department_key, role, sort_name, last).

    PostgreSQL reads each queue in a LATERAL subquery; SQLite has none, and evaluates the same subquery as a
    correlated IN, once per department and role, looking the chosen up by primary key."""
    queue = aliased(QueuedColleague)
    departments = union_all(db.select(Department.id.label("key")), db.select(literal(0))).subquery("departments")
    roles = union_all(*(db.select(literal(role.value).label("role")) for role in ContactRole)).subquery("roles")
    head = (
        db.select(queue)
        .where(queue.department_key == departments.c.key, queue.contact_role == roles.c.role)
        .where(or_(queue.last_taken_part_at.is_(None), queue.last_taken_part_at < now))
        .where(queue.person_id.not_in(_on_list(event)))
        .order_by(queue.took_part, queue.last_taken_part_at, queue.sort_name, queue.person_id)
        .limit(n)
    )
    pairs = db.select().select_from(departments).join(roles, true())
    if db.engine.dialect.name == "postgresql":
        chosen = head.lateral("head")
        return pairs.add_columns(*_columns(chosen.c, chosen.c.last_taken_part_at)).join(chosen, true())
    queued = QueuedColleague
    return pairs.add_columns(*_columns(queued, queued.last_taken_part_at)).join(
        queued, queued.person_id.in_(head.with_only_columns(queue.person_id).correlate(departments, roles))
    )


def _columns(queued, last) -> tuple:
    return (
        queued.person_id,
        queued.department_key,
        queued.contact_role.label("role"),
        queued.sort_name,
        last.label("last"),
    )


def _ahead(event: Event, now: datetime) -> Select:
    """The colleagues not on this event's list whose latest event lies ahead (a yes to an upcoming event: as many
    as the seats taken of upcoming events), by the queue's index: (person_id, department_key, role, sort_name,
    last). Their last time is the one before (NULL: none), unless that lies ahead too (rarer still): then it is
    found in their invitations."""
    queued = QueuedColleague
    previous = queued.previous_taken_part_at
    # Evaluated only for the few whose previous lies ahead too (CASE does not evaluate the branches not taken).
    from_invitations = (
        db.select(func.max(Event.ends_at))
        .join(Invitation, Invitation.event_id == Event.id)
        .where(Invitation.person_id == queued.person_id, Event.ends_at < now, Event.status != EventStatus.CANCELLED)
        .where(
            or_(
                Invitation.attended.is_(True),
                and_(Invitation.attended.is_(None), Invitation.state == InvitationState.YES),
            )
        )
        .scalar_subquery()
    )
    last = case((or_(previous.is_(None), previous < now), previous), else_=from_invitations)
    return db.select(*_columns(queued, last)).where(
        queued.last_taken_part_at >= now, queued.person_id.not_in(_on_list(event))
    )


def _on_list(event: Event) -> Select:
    return db.select(Invitation.person_id).where(Invitation.event_id == event.id)


def _ranked(event: Event, now: datetime, n: int) -> Select:
    """The colleagues who may be suggested, in the order of `suggest_colleagues`; only those who can be among the
    first n: one in their department's turn k has at least k of the department before them.

    Ranked among the first n of each queue and those whose latest event lies ahead: everyone better than one of a
    queue's first n is among them, so their places are those among all colleagues, at a cost that does not grow
    with the number of colleagues."""
    listed = (
        db.select(func.coalesce(Person.department_id, 0))
        .join(Invitation, Invitation.person_id == Person.id)
        .where(Invitation.event_id == event.id, Invitation.state.in_(ON_LIST_STATES))
        .where(Person.kind == PersonKind.STAFF)
    )
    chosen = union_all(_first_of_each_queue(event, now, n), _ahead(event, now)).subquery("chosen")
    candidates = db.select(
        chosen, case((chosen.c.department_key.in_(listed), 1), else_=0).label("represented")
    ).subquery("candidates")
    c = candidates.c
    office = c.role == ContactRole.OFFICE.value
    never_first = case((c.last.is_(None), 0), else_=1)
    # Each department's queue: never took part first, then longest ago, then by name.
    place = func.row_number().over(
        partition_by=(c.role, c.department_key), order_by=(never_first, c.last, c.sort_name, c.person_id)
    )
    # Frontline colleagues come after every office colleague, so their department's turns continue from there
    # (counted among the candidates: all of a department's office colleagues, or at least n of them).
    office_in_department = func.sum(case((office, 1), else_=0)).over(partition_by=c.department_key)
    turns = db.select(
        c.person_id,
        c.department_key,
        c.last,
        c.represented,
        case((office, 0), else_=1).label("tier"),
        (place - 1 + case((office, 0), else_=office_in_department)).label("turn"),
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
            t.department_key,
        )
        .limit(n)
    )


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
