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

Late answers and cancellations: see `membership`.
Functions flush, never commit.
"""

from __future__ import annotations

from itertools import zip_longest

from flask_babel import gettext as _
from flask_babel import ngettext

from ..events.models import Event
from ..extensions import db
from ..invitations.models import Invitation
from ..people.models import PersonKind
from .balance import (
    KIND_ORDER,
    MAX_TEAMS,
    TeamLoad,
    TeamsError,
    _by_name,
    _group_name,
    _join,
    _weight,
    event_teams,
    group_of,
    host_initiative_ids,
    kind_of,
    may_guide,
    yes_invitations,
)
from .models import Team


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
