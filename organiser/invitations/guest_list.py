"""The guest list of an event (LISTED invitations: no token, not sent), and who else comes, in numbers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import Select, func, insert
from sqlalchemy.orm import Session, joinedload

from ..events.models import Event
from ..extensions import db, utcnow
from ..people.directory import DirectoryFilter, directory_query
from ..people.models import Person, PersonKind
from .models import Invitation, InvitationState
from .waiting_order import place_in_line

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


def mailable_invitations(event: Event, state: InvitationState) -> Select[Invitation]:
    """The event's invitations in `state` whose invitee can get mail (an address, active, not erased), in the
    order of the list (Invitation.id)."""
    return (
        db.select(Invitation)
        .join(Person, Person.id == Invitation.person_id)
        .where(
            Invitation.event_id == event.id,
            Invitation.state == state,
            Person.email.is_not(None),
            Person.active.is_(True),
            Person.deleted_at.is_(None),
        )
        .order_by(Invitation.id)
    )


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


@dataclass
class Company:
    """Who else comes, in numbers only (no names: invitees see each other's answers only as counts)."""

    staff: int
    residents: int
    plus_ones: int

    def __bool__(self) -> bool:
        """False while nobody said yes: pages and mails leave the line out then ("0 collega's en 0 bewoners hebben
        tot nu toe ja gezegd" puts the first invitees off rather than telling them anything)."""
        return bool(self.staff or self.residents)


def who_else_comes(event: Event, session: Session | None = None) -> Company:
    """Counts of those who said yes, so an invitee knows what to expect (read with `session`: the mail worker
    passes its own; the request's by default)."""
    rows = (
        (session or db.session)
        .execute(
            db.select(Person.kind, db.func.count(), db.func.coalesce(db.func.sum(Invitation.plus_ones), 0))
            .join(Person, Invitation.person_id == Person.id)
            .where(Invitation.event_id == event.id, Invitation.state == InvitationState.YES)
            .group_by(Person.kind)
        )
        .all()
    )
    counts = {kind: (count, extra) for kind, count, extra in rows}
    staff, staff_extra = counts.get(PersonKind.STAFF, (0, 0))
    residents, resident_extra = counts.get(PersonKind.RESIDENT, (0, 0))
    return Company(staff=staff, residents=residents, plus_ones=int(staff_extra) + int(resident_extra))


def waiting_position(invitation: Invitation) -> int:
    """1-based place on the waiting list, after the event's waiting-list rule (waiting_order.py)."""
    return place_in_line(invitation)


@dataclass(frozen=True)
class ListedPerson:
    """One guest list a person was on, as their page in the directory shows it."""

    event: Event
    answer: str
    attended: bool | None


def lists_of_person(person: Person) -> list[ListedPerson]:
    """signals.person_invitations: every guest list the person was on, latest event first, in one query."""
    rows = db.session.execute(
        db.select(Invitation, Event)
        .join(Event, Event.id == Invitation.event_id)
        .where(Invitation.person_id == person.id)
        .order_by(Event.starts_at.desc())
    ).all()
    return [ListedPerson(event, str(invitation.state.label), invitation.attended) for invitation, event in rows]
