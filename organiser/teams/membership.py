"""Changing one person's team: late answers and cancellations (through signals), moves and guides by hand.

Late answers (`place_in_team`) and cancellations (`remove_from_team`) touch only the one invitation (and,
for a departing guide, a new guide within the same team): nobody else moves. Functions flush, never commit.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete

from ..extensions import db
from ..invitations.models import Invitation, InvitationState
from ..people.models import PersonKind
from .balance import (
    TeamLoad,
    TeamsError,
    _by_name,
    _join,
    event_teams,
    group_of,
    host_initiative_ids,
    kind_of,
    may_guide,
)
from .models import Team


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

    Nobody else moves. Flushes, never commits; someone in no team changes nothing and costs no flush (most who
    leave: a waiting-list place, a maybe or a no, answered while the event's row is locked).
    """
    if invitation.team is None and not invitation.is_guide:
        return
    team = invitation.team
    was_guide = invitation.is_guide
    invitation.team = None
    invitation.is_guide = False
    if team is not None and was_guide:
        _new_guide(team, host_initiative_ids(team.event))
    db.session.flush()


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


def set_guide(invitation: Invitation) -> Team:
    """Make this team member the guide of their team (the organiser's choice; the old guide stays a member);
    returns the team. :raise TeamsError: when they are in no team, or their team is locked."""
    team = invitation.team
    if team is None:
        raise TeamsError(_("Deze persoon zit nog niet in een team."))
    if team.locked:
        raise TeamsError(_("Dit team is vergrendeld. Ontgrendel het eerst om iemand te verplaatsen."))
    for member in team.members:
        member.is_guide = member.id == invitation.id
    db.session.flush()
    return team


def set_locked(team: Team, locked: bool) -> None:
    """Lock a team (kept as it is when teams are formed again) or unlock it."""
    team.locked = locked
    db.session.flush()


# Receivers (connected in organiser/receivers.py) --------------------------------------------------------------------


def on_invitation_joined(invitation: Invitation, **_kwargs) -> None:
    """signals.invitation_joined: a new yes joins a team when the event already has teams."""
    place_in_team(invitation)


def on_invitation_left(invitation: Invitation, **_kwargs) -> None:
    """signals.invitation_left: someone no longer coming leaves their team."""
    remove_from_team(invitation)


def forget_teams(event, **_kwargs) -> None:
    """signals.event_deleting: a deleted draft's teams go with it."""
    db.session.execute(delete(Team).where(Team.event_id == event.id))
    db.session.flush()
