"""Invitations, RSVP answers, the waiting list and the notices they cause."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from babel.dates import format_date
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, func, insert, or_
from sqlalchemy.orm import joinedload

from ..events.models import Event, EventStatus, Initiative
from ..extensions import db, utcnow
from ..i18n import to_local
from ..people.models import ROLE_LABELS, ContactRole, Department, Person, PersonKind, person_initiative
from ..people.services import DirectoryFilter, directory_query
from ..tokens import hash_token, looks_like_token, new_token
from .models import Invitation, InvitationState


def issue_rsvp_token(invitation: Invitation) -> str:
    """A new personal RSVP token for the invitation; any earlier link stops working. Returns the token."""
    token = new_token()
    invitation.token_hash = hash_token(token)
    db.session.flush()
    return token


def find_invitation_by_token(token: str) -> Invitation | None:
    """The invitation a personal link belongs to; None for unknown and revoked tokens alike."""
    if not looks_like_token(token):
        return None
    return db.session.scalar(db.select(Invitation).where(Invitation.token_hash == hash_token(token)))


def queue_change_notices(event: Event) -> int:
    """Queue a change notice to everyone invited and not declined; returns how many.

    Not built yet: invitations arrive with the invitations issue (#4). Until then no one is invited,
    so there is no one to notify.
    """
    return 0


def queue_cancellation_notices(event: Event) -> int:
    """Queue a cancellation notice (METHOD:CANCEL) to everyone invited; returns how many.

    Not built yet: see queue_change_notices.
    """
    return 0


# Guest list and mix ==================================================================================================
#
# Building the guest list of an event (LISTED invitations: no token, not sent), the target mix and how far the list
# is from it, and suggesting colleagues. The RSVP code lives above this block.

#: "Op de lijst": everyone on the guest list except those who declined (a decline does not help the mix).
ON_LIST_STATES = frozenset(InvitationState) - {InvitationState.NO}
#: "Toegezegd": those who said yes.
YES_STATES = frozenset({InvitationState.YES})


def guest_list(event: Event) -> list[Invitation]:
    """Everyone on the event's guest list, with person, department and initiatives loaded, by name."""
    query = (
        db.select(Invitation)
        .join(Person, Person.id == Invitation.person_id)
        .where(Invitation.event_id == event.id)
        .options(
            joinedload(Invitation.person).joinedload(Person.department),
            joinedload(Invitation.person).selectinload(Person.initiatives),
        )
        .order_by(func.lower(Person.name), Person.id)
    )
    return list(db.session.scalars(query).unique())


def guest_candidates_query(event: Event, filters: DirectoryFilter) -> Select:
    """Active people matching the directory filters who are not on the event's list yet."""
    on_list = db.select(Invitation.person_id).where(Invitation.event_id == event.id)
    return directory_query(filters).where(Person.active.is_(True), Person.id.not_in(on_list))


def add_to_guest_list(event: Event, person_ids: Iterable[int], reasons: Mapping[int, str] | None = None) -> int:
    """Put people on the guest list (not invited yet); inactive, deleted and already listed people are skipped.

    Returns how many were added.
    """
    wanted = sorted(set(person_ids))
    if not wanted:
        return 0
    on_list = db.select(Invitation.person_id).where(Invitation.event_id == event.id)
    eligible: list[int] = []
    for start in range(0, len(wanted), 500):
        eligible.extend(
            db.session.scalars(
                db.select(Person.id).where(
                    Person.id.in_(wanted[start : start + 500]),
                    Person.active.is_(True),
                    Person.deleted_at.is_(None),
                    Person.id.not_in(on_list),
                )
            )
        )
    if not eligible:
        return 0
    now = utcnow()
    reasons = reasons or {}
    db.session.execute(
        insert(Invitation),
        [
            {
                "event_id": event.id,
                "person_id": person_id,
                "state": InvitationState.LISTED,
                "reason": reasons.get(person_id, "")[:300],
                "created_at": now,
            }
            for person_id in sorted(eligible)
        ],
    )
    db.session.flush()
    return len(eligible)


def remove_from_guest_list(invitation: Invitation) -> bool:
    """Take someone off the list; only possible before the invitation was sent. Returns whether it was removed."""
    if invitation.state != InvitationState.LISTED:
        return False
    db.session.delete(invitation)
    db.session.flush()
    return True


@dataclass(frozen=True)
class MixRow:
    """One line of the mix: how many, and their share of the colleagues."""

    label: str
    count: int
    total: int

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else 0.0

    @property
    def percent(self) -> str:
        """The share in whole percent, rounded down (never shows 50% for 49.6%)."""
        return f"{self.count * 100 // self.total}%" if self.total else "–"


@dataclass
class HostRepresentation:
    """A host initiative and how many of its residents are on the list."""

    initiative: Initiative
    residents: int


@dataclass
class Mix:
    """The make-up of (part of) a guest list: colleagues by role and department, residents, host initiatives."""

    states: frozenset[InvitationState]
    staff: int
    residents: int
    office: int
    frontline: int
    by_role: list[MixRow]
    by_department: list[MixRow]
    hosts: list[HostRepresentation]

    @property
    def office_share(self) -> float | None:
        """Share of office-bound colleagues among the colleagues; None without colleagues."""
        return self.office / self.staff if self.staff else None


def mix_for(event: Event, states: Iterable[InvitationState]) -> Mix:
    """The mix of the people on the event's list in the given states (two grouped queries)."""
    states = frozenset(states)
    rows = db.session.execute(
        db.select(Person.kind, Person.contact_role, Department.name, func.count())
        .select_from(Invitation)
        .join(Person, Person.id == Invitation.person_id)
        .outerjoin(Department, Department.id == Person.department_id)
        .where(Invitation.event_id == event.id, Invitation.state.in_(states))
        .group_by(Person.kind, Person.contact_role, Department.name)
    ).all()
    staff = residents = office = frontline = 0
    departments: dict[str, int] = {}
    for kind, role, department, count in rows:
        if kind == PersonKind.RESIDENT:
            residents += count
            continue
        staff += count
        if role == ContactRole.OFFICE:
            office += count
        elif role == ContactRole.FRONTLINE:
            frontline += count
        name = department or _("Afdeling onbekend")
        departments[name] = departments.get(name, 0) + count
    by_role = [
        MixRow(str(ROLE_LABELS[ContactRole.OFFICE]), office, staff),
        MixRow(str(ROLE_LABELS[ContactRole.FRONTLINE]), frontline, staff),
    ]
    by_department = [
        MixRow(name, count, staff) for name, count in sorted(departments.items(), key=lambda i: (-i[1], i[0].lower()))
    ]
    hosts = [HostRepresentation(initiative, 0) for initiative in event.hosts]
    if hosts:
        counts = dict(
            db.session.execute(
                db.select(person_initiative.c.initiative_id, func.count(func.distinct(Person.id)))
                .select_from(Invitation)
                .join(Person, Person.id == Invitation.person_id)
                .join(person_initiative, person_initiative.c.person_id == Person.id)
                .where(Invitation.event_id == event.id, Invitation.state.in_(states))
                .where(Person.kind == PersonKind.RESIDENT)
                .where(person_initiative.c.initiative_id.in_([h.initiative.id for h in hosts]))
                .group_by(person_initiative.c.initiative_id)
            ).all()
        )
        for host in hosts:
            host.residents = counts.get(host.initiative.id, 0)
    return Mix(states, staff, residents, office, frontline, by_role, by_department, hosts)


def mix_shortfalls(event: Event, states: Iterable[InvitationState] = ON_LIST_STATES) -> list[str]:
    """Where the guest list falls short of the event's target mix, in plain Dutch; empty when it does not.

    The target: at least `event.min_office_share` percent of the colleagues work in an office, at least one
    colleague has a frontline contact role, and every host initiative has a resident on the list. Those who
    declined do not count (see ON_LIST_STATES).
    """
    mix = mix_for(event, states)
    target = event.min_office_share
    shortfalls: list[str] = []
    if mix.staff == 0:
        if target > 0:
            shortfalls.append(
                _(
                    "Er staan nog geen collega's op de lijst; het doel is dat minstens %(target)d%% van hen "
                    "op kantoor werkt.",
                    target=target,
                )
            )
    elif mix.office * 100 < target * mix.staff:
        shortfalls.append(
            _(
                "Maar %(share)d%% van de uitgenodigde collega's werkt op kantoor; het doel is minstens %(target)d%%.",
                share=mix.office * 100 // mix.staff,
                target=target,
            )
        )
    if mix.frontline == 0:
        shortfalls.append(_("Er is nog geen collega met een contactrol (frontlinie) uitgenodigd."))
    for host in mix.hosts:
        if host.residents == 0:
            shortfalls.append(_("Bewonersinitiatief %(name)s is nog niet vertegenwoordigd.", name=host.initiative.name))
    return shortfalls


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
