"""Teams for speurtochten and safaris: forming mixed teams, moving people, late answers and cancellations.

How teams are formed (`form_teams`), greedily and deterministically:

1. Locked teams are kept exactly as they are. Everyone else who said yes goes back into the pool, and the
   unlocked teams are emptied (reused by number, surplus ones removed, missing ones added).
2. Guides first: each new team gets one guide from the pool's candidates (frontline colleagues, and residents
   of one of the event's host initiatives), taken alternately from the two kinds and round-robin over
   departments and initiatives, so guides differ too. With too few candidates, some teams have no guide
   (the overview says so).
3. Then everyone else, by kind: office-bound colleagues first, then frontline colleagues, then residents,
   then anyone else. Within a kind, people are taken department by department (residents: initiative by
   initiative), largest group first. Each goes to the team with, in this order: the fewest people of their
   kind (so every kind is spread evenly: the counts differ by at most one between teams), the fewest of their
   department (or initiative), the fewest people (counting plus-ones), the lowest number.
4. Finally sizes are evened out: while the largest team has two or more people more than the smallest,
   a member (never a guide) moves from the largest to the smallest, provided every kind stays spread within
   one and nobody lands next to a colleague of their own department (or initiative).

Late answers (`place_in_team`) and cancellations (`remove_from_team`) touch only the one invitation (and,
for a departing guide, a new guide within the same team): nobody else moves.
Functions flush, never commit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import zip_longest

from flask_babel import gettext as _
from flask_babel import ngettext
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


def _round_robin(invitations: list[Invitation]) -> list[Invitation]:
    """One of each department (or initiative) in turn, so consecutive picks differ."""
    groups: dict[str, list[Invitation]] = {}
    for invitation in sorted(invitations, key=lambda i: (_group_name(i.person).lower(), _by_name(i))):
        groups.setdefault(group_of(invitation.person), []).append(invitation)
    ordered = sorted(groups.values(), key=lambda members: -len(members))
    return [i for row in zip_longest(*ordered) for i in row if i is not None]


def _guide_order(candidates: list[Invitation]) -> list[Invitation]:
    """Frontline colleagues and residents alternately, each round-robin over departments or initiatives."""
    staff = _round_robin([i for i in candidates if i.person.kind != PersonKind.RESIDENT])
    residents = _round_robin([i for i in candidates if i.person.kind == PersonKind.RESIDENT])
    return [i for pair in zip_longest(staff, residents) for i in pair if i is not None]


def _spread_order(invitations: list[Invitation]) -> list[Invitation]:
    """By kind (office-bound first), and within a kind department by department, the largest first."""
    ordered: list[Invitation] = []
    for kind in KIND_ORDER:
        groups: dict[str, list[Invitation]] = {}
        for invitation in sorted(
            (i for i in invitations if kind_of(i.person) == kind),
            key=lambda i: (_group_name(i.person).lower(), _by_name(i)),
        ):
            groups.setdefault(group_of(invitation.person), []).append(invitation)
        for members in sorted(groups.values(), key=lambda members: -len(members)):
            ordered.extend(members)
    return ordered


def _best_fit(invitation: Invitation, loads: list[TeamLoad]) -> TeamLoad:
    kind, group = kind_of(invitation.person), group_of(invitation.person)
    return min(loads, key=lambda load: (load.kinds[kind], load.groups[group], load.size, load.team.number))


def _spread(loads: list[TeamLoad], kind: str) -> int:
    counts = [load.kinds[kind] for load in loads]
    return max(counts) - min(counts)


def _even_out_sizes(loads: list[TeamLoad]) -> None:
    """Move members (never guides) from the largest to the smallest team while that makes sizes more even,
    keeps every kind spread within one, and puts nobody next to a colleague of their own department."""
    for _round in range(len(loads) * 50):
        largest = max(loads, key=lambda load: (load.size, -load.team.number))
        smallest = min(loads, key=lambda load: (load.size, load.team.number))
        gap = largest.size - smallest.size
        if gap <= 1:
            return
        movable = []
        for member in largest.team.members:
            kind, group = kind_of(member.person), group_of(member.person)
            if member.is_guide or _weight(member) >= gap or smallest.groups[group]:
                continue
            largest.kinds[kind] -= 1
            smallest.kinds[kind] += 1
            even = _spread(loads, kind) <= 1
            largest.kinds[kind] += 1
            smallest.kinds[kind] -= 1
            if even:
                movable.append(member)
        if not movable:
            return
        member = min(movable, key=lambda m: (KIND_ORDER.index(kind_of(m.person)), _by_name(m)))
        largest.remove(member)
        _join(member, smallest)


def form_teams(event: Event, n: int) -> list[Team]:
    """Form `n` teams from the yes answers, keeping locked teams intact. Returns all teams by number.

    Raises TeamsError (with a message for the organiser) when it cannot be done.
    """
    if not event.forms_teams:
        raise TeamsError(_("Bij deze bijeenkomst worden geen teams gevormd."))
    if not 1 <= n <= MAX_TEAMS:
        raise TeamsError(_("Kies tussen 1 en %(max)d teams.", max=MAX_TEAMS))
    teams = event_teams(event)
    locked = [t for t in teams if t.locked]
    locked_ids = {t.id for t in locked}
    pool = [i for i in yes_invitations(event) if i.team_id not in locked_ids]
    wanted = n - len(locked)
    if wanted < 0 or (wanted == 0 and pool):
        raise TeamsError(
            ngettext(
                "Er is %(num)d vergrendeld team. Kies meer teams, of ontgrendel het.",
                "Er zijn %(num)d vergrendelde teams. Kies meer teams, of ontgrendel er een.",
                len(locked),
            )
        )
    if wanted > len(pool):
        raise TeamsError(
            ngettext(
                "Er is %(num)d persoon in te delen: te weinig voor het aantal nieuwe teams (%(wanted)d).",
                "Er zijn %(num)d mensen in te delen: te weinig voor het aantal nieuwe teams (%(wanted)d).",
                len(pool),
                wanted=wanted,
            )
        )

    # Empty the unlocked teams (also of anyone whose answer is no longer yes), keeping the lowest numbers.
    unlocked = [t for t in teams if not t.locked]
    for team in unlocked:
        for member in list(team.members):
            member.team = None
            member.is_guide = False
    keep, surplus = unlocked[:wanted], unlocked[wanted:]
    for team in surplus:
        db.session.delete(team)
    db.session.flush()  # deletes before inserts: a new team may take a removed team's number
    taken = {t.number for t in locked + keep}
    number = 0
    while len(keep) < wanted:
        number += 1
        if number not in taken:
            team = Team(event_id=event.id, number=number, name=team_name(number), locked=False)
            db.session.add(team)
            keep.append(team)
    loads = [TeamLoad(team) for team in sorted(keep, key=lambda t: t.number)]

    host_ids = host_initiative_ids(event)
    guides = _guide_order([i for i in pool if may_guide(i, host_ids)])[: len(loads)]
    for guide, load in zip(guides, loads, strict=False):
        _join(guide, load, guide=True)
    chosen = {g.id for g in guides}
    for invitation in _spread_order([i for i in pool if i.id not in chosen]):
        _join(invitation, _best_fit(invitation, loads))
    _even_out_sizes(loads)
    db.session.flush()
    return sorted(locked + [load.team for load in loads], key=lambda t: t.number)


def team_name(number: int) -> str:
    return f"Team {number}"


def _new_guide(team: Team, host_ids: set[int]) -> Invitation | None:
    """Make the best candidate in the team its guide (frontline colleagues before residents), if there is one."""
    candidates = [m for m in team.members if may_guide(m, host_ids)]
    if not candidates:
        return None
    guide = min(candidates, key=lambda m: (m.person.kind == PersonKind.RESIDENT, _by_name(m)))
    guide.is_guide = True
    return guide


def place_in_team(invitation: Invitation) -> Team | None:
    """Put one new yes answer into the unlocked team where it fits best, moving nobody else.

    Best fit: the fewest people (counting plus-ones), then the fewest of their department (or initiative),
    then the fewest of their kind. They become the team's guide when it has none and they may guide.
    No-op (None) when the event forms no teams or has none yet, when the answer is not yes, or when every
    team is locked (the organiser then places them by hand). Flushes, never commits.
    """
    if invitation.state != InvitationState.YES:
        return None
    if invitation.team is not None:
        return invitation.team
    event = invitation.event
    if not event.forms_teams:
        return None
    loads = [TeamLoad.of(team) for team in event_teams(event) if not team.locked]
    if not loads:
        return None
    kind, group = kind_of(invitation.person), group_of(invitation.person)
    best = min(loads, key=lambda load: (load.size, load.groups[group], load.kinds[kind], load.team.number))
    has_guide = best.team.guide is not None
    _join(invitation, best, guide=not has_guide and may_guide(invitation, host_initiative_ids(event)))
    db.session.flush()
    return best.team


def remove_from_team(invitation: Invitation) -> None:
    """Take someone out of their team (a cancellation); a departing guide is replaced from within the team.

    Nobody else moves. Flushes, never commits.
    """
    team = invitation.team
    was_guide = invitation.is_guide
    invitation.team = None
    invitation.is_guide = False
    if team is not None and was_guide:
        _new_guide(team, host_initiative_ids(team.event))
    db.session.flush()


def team_for(invitation: Invitation) -> Team | None:
    """The team this invitee is in, if any."""
    return invitation.team


def team_summary(invitation: Invitation) -> str | None:
    """'Team 2, gids: Anna de Vries' for confirmation and reminder mails; None when not in a team."""
    team = invitation.team
    if team is None:
        return None
    guide = team.guide
    if guide is None:
        return team.name
    if guide.id == invitation.id:
        return _("%(team)s, u bent de gids", team=team.name)
    return _("%(team)s, gids: %(guide)s", team=team.name, guide=guide.person.name)


def move_to_team(invitation: Invitation, team: Team) -> None:
    """Move one person to another team by hand; locked teams stay as they are.

    A departing guide is replaced within the old team; the mover guides the new team if it has no guide
    and they may guide.
    """
    if team.event_id != invitation.event_id:
        raise TeamsError(_("Dat team hoort bij een andere bijeenkomst."))
    old = invitation.team
    if old is not None and old.id == team.id:
        return
    if team.locked or (old is not None and old.locked):
        raise TeamsError(_("Dit team is vergrendeld. Ontgrendel het eerst om iemand te verplaatsen."))
    host_ids = host_initiative_ids(invitation.event)
    was_guide = invitation.is_guide
    target_has_guide = team.guide is not None
    invitation.team = team
    invitation.is_guide = not target_has_guide and may_guide(invitation, host_ids)
    if old is not None and was_guide:
        _new_guide(old, host_ids)
    db.session.flush()


def set_guide(invitation: Invitation) -> None:
    """Make this team member the guide of their team (the organiser's choice; the old guide stays a member)."""
    team = invitation.team
    if team is None:
        raise TeamsError(_("Deze persoon zit nog niet in een team."))
    if team.locked:
        raise TeamsError(_("Dit team is vergrendeld. Ontgrendel het eerst om iemand te verplaatsen."))
    for member in team.members:
        member.is_guide = member.id == invitation.id
    db.session.flush()


def set_locked(team: Team, locked: bool) -> None:
    """Lock a team (kept as it is when teams are formed again) or unlock it."""
    team.locked = locked
    db.session.flush()


@dataclass
class TeamsOverview:
    """What the organiser sees: the teams with their make-up, and who is not in a team yet."""

    teams: list[Team]
    #: Per team id: its members, the guide first, then by kind and name.
    members: dict[int, list[Invitation]]
    loads: dict[int, TeamLoad]
    unplaced: list[Invitation]
    yes_count: int
    guide_candidates: int

    @property
    def suggested_count(self) -> int:
        """The current number of teams, or about six people per team (at least one team)."""
        if self.teams:
            return len(self.teams)
        return max(1, round(self.yes_count / 6))

    @property
    def without_guide(self) -> list[Team]:
        return [t for t in self.teams if t.guide is None]


def _member_order(invitation: Invitation) -> tuple:
    return (not invitation.is_guide, KIND_ORDER.index(kind_of(invitation.person)), _by_name(invitation))


def teams_overview(event: Event) -> TeamsOverview:
    """The event's teams and who said yes but is in no team."""
    teams = event_teams(event)
    yes = yes_invitations(event)
    host_ids = host_initiative_ids(event)
    return TeamsOverview(
        teams=teams,
        members={t.id: sorted(t.members, key=_member_order) for t in teams},
        loads={t.id: TeamLoad.of(t) for t in teams},
        unplaced=sorted((i for i in yes if i.team_id is None), key=_by_name),
        yes_count=len(yes),
        guide_candidates=sum(1 for i in yes if may_guide(i, host_ids)),
    )
