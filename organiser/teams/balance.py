"""Who is what in a team: kinds of people, their department or initiative, who may guide, a team's load.
Shared by forming teams (`formation`), late answers and moves (`membership`) and the overview."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.orm import selectinload

from ..events.models import Event
from ..extensions import db
from ..invitations.models import Invitation, InvitationState
from ..people.models import ContactRole, Person, PersonKind
from .models import Team

OFFICE, FRONTLINE, RESIDENT, OTHER = "office", "frontline", "resident", "other"
#: The order in which kinds of people are spread over the teams.
KIND_ORDER = (OFFICE, FRONTLINE, RESIDENT, OTHER)
#: Upper bound for the number of teams an organiser can ask for.
MAX_TEAMS = 50


class TeamsError(ValueError):
    """Teams cannot be formed or changed as asked; the message says why, in words for the organiser."""


def kind_of(person: Person) -> str:
    """Office-bound colleague, frontline colleague, resident (or other: a staff member without a role)."""
    if person.kind == PersonKind.RESIDENT:
        return RESIDENT
    if person.contact_role == ContactRole.OFFICE:
        return OFFICE
    if person.contact_role == ContactRole.FRONTLINE:
        return FRONTLINE
    return OTHER


def group_of(person: Person) -> str:
    """What people should be apart by: the department of a colleague, the initiative of a resident."""
    if person.kind == PersonKind.RESIDENT:
        ids = sorted(i.id for i in person.initiatives)
        return f"initiative:{ids[0]}" if ids else f"resident:{person.id}"
    return f"department:{person.department_id}" if person.department_id else f"person:{person.id}"


def _group_name(person: Person) -> str:
    if person.kind == PersonKind.RESIDENT:
        return min((i.name for i in person.initiatives), default="")
    return person.department.name if person.department else ""


def host_initiative_ids(event: Event) -> set[int]:
    return {initiative.id for initiative in event.hosts}


def may_guide(invitation: Invitation, host_ids: set[int]) -> bool:
    """A guide is a frontline colleague, or a resident of one of the event's host initiatives."""
    person = invitation.person
    if person.kind == PersonKind.RESIDENT:
        return any(i.id in host_ids for i in person.initiatives)
    return person.contact_role == ContactRole.FRONTLINE


def _weight(invitation: Invitation) -> int:
    return 1 + invitation.plus_ones


def _by_name(invitation: Invitation) -> tuple[str, int]:
    return (invitation.person.name.lower(), invitation.id)


def _loaded_invitations():
    return selectinload(Invitation.person).options(selectinload(Person.initiatives), selectinload(Person.department))


def yes_invitations(event: Event) -> list[Invitation]:
    """Everyone who said yes, with their person, department and initiatives loaded."""
    return list(
        db.session.scalars(
            db.select(Invitation)
            .options(_loaded_invitations())
            .where(Invitation.event_id == event.id, Invitation.state == InvitationState.YES)
            .order_by(Invitation.id)
        )
    )


def event_teams(event: Event) -> list[Team]:
    """The event's teams by number, with their members loaded."""
    return list(
        db.session.scalars(
            db.select(Team)
            .options(selectinload(Team.members).options(_loaded_invitations()))
            .where(Team.event_id == event.id)
            .order_by(Team.number)
        )
    )


@dataclass
class TeamLoad:
    """What a team holds while people are being placed."""

    team: Team
    size: int = 0
    kinds: Counter = field(default_factory=Counter)
    groups: Counter = field(default_factory=Counter)

    @classmethod
    def of(cls, team: Team) -> TeamLoad:
        load = cls(team)
        for member in team.members:
            load.add(member)
        return load

    def add(self, invitation: Invitation) -> None:
        self.size += _weight(invitation)
        self.kinds[kind_of(invitation.person)] += 1
        self.groups[group_of(invitation.person)] += 1

    def remove(self, invitation: Invitation) -> None:
        self.size -= _weight(invitation)
        self.kinds[kind_of(invitation.person)] -= 1
        self.groups[group_of(invitation.person)] -= 1


def _join(invitation: Invitation, load: TeamLoad, guide: bool = False) -> None:
    invitation.team = load.team
    invitation.is_guide = guide
    load.add(invitation)
