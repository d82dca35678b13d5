"""The teams page: the event's teams, their members in order, and who said yes but is in no team."""

from __future__ import annotations

from dataclasses import dataclass

from ..events.models import Event
from ..invitations.models import Invitation
from .balance import (
    KIND_ORDER,
    TeamLoad,
    _by_name,
    event_teams,
    host_initiative_ids,
    kind_of,
    may_guide,
    yes_invitations,
)
from .models import Team


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

    @property
    def without_resident(self) -> list[Team]:
        """Teams with members but no resident: not the mixed team a speurtocht or safari is for."""
        return [t for t in self.teams if self.members[t.id] and not self.loads[t.id].kinds["resident"]]


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
