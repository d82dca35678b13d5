"""Team pages: form teams, move people, choose guides, lock teams, and the printable team list and route card."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required

from ..events.access import event_for_organiser
from ..events.models import Event
from ..extensions import db
from ..forms import choice_list, required
from ..invitations.models import Invitation, InvitationState
from ..people.directory import display_name, role_label
from ..qr import qr_svg
from ..web import absolute_url
from . import balance, formation, membership
from .forms import FormTeamsForm, LockForm, MemberForm, MoveForm
from .models import Team
from .overview import teams_overview

bp = Blueprint("teams", __name__)

_T = TypeVar("_T")


def _overview_url(event: Event) -> str:
    return url_for("teams.overview", event_id=event.id)


def _member_of(event: Event, invitation_id: int) -> Invitation:
    """A yes answer of this event, or 404."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.event_id != event.id or invitation.state != InvitationState.YES:
        abort(404)
    return invitation


def _team_of(event: Event, team_id: int) -> Team:
    team = db.session.get(Team, team_id)
    if team is None or team.event_id != event.id:
        abort(404)
    return team


def _may_change(event: Event) -> bool:
    if not event.forms_teams or event.is_cancelled:
        flash(_("Bij deze bijeenkomst kunnen geen teams worden ingedeeld."), "error")
        return False
    return True


def _change_teams(change: Callable[[], _T], done: Callable[[_T], str], category: str = "success") -> None:
    """Make the change and commit, flashing `done` of its result; when the teams rules refuse it (TeamsError),
    roll back and flash the refusal instead."""
    try:
        result = change()
    except balance.TeamsError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(done(result), category)


@bp.get("/events/<int:event_id>/teams")
@login_required
def overview(event_id: int):
    """The teams of a speurtocht or safari: their make-up, guides, locks, and who is not in a team yet."""
    event = event_for_organiser(event_id)
    overview = teams_overview(event)
    form = FormTeamsForm(formdata=None, count=overview.suggested_count)
    return render_template(
        "teams/overview.html",
        event=event,
        overview=overview,
        form=form,
        role_label=role_label,
        display_name=display_name,
    )


@bp.post("/events/<int:event_id>/teams/form")
@login_required
def form_teams(event_id: int):
    """Form (or re-form) the teams; locked teams stay as they are."""
    event = event_for_organiser(event_id)
    if not _may_change(event):
        return redirect(_overview_url(event))
    form = FormTeamsForm()
    undoes_work = any(not t.locked and t.members for t in balance.event_teams(event))
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
    elif undoes_work and not form.start_over.data:
        flash(
            _(
                "Er is niets veranderd. Opnieuw indelen verdeelt iedereen in de niet-vergrendelde teams opnieuw, ook "
                "wie u met de hand hebt verplaatst. Vergrendel de teams die u zo wilt houden, en vink aan dat u "
                "opnieuw wilt indelen."
            ),
            "error",
        )
    else:
        _change_teams(
            lambda: formation.form_teams(event, required(form.count.data)),
            lambda teams: ngettext(
                "Iedereen zit in %(num)d team.",
                "De mensen zijn over %(num)d teams verdeeld.",
                len(teams),
            ),
        )
    return redirect(_overview_url(event))


@bp.post("/events/<int:event_id>/teams/move")
@login_required
def move(event_id: int):
    """Move one person to another team."""
    event = event_for_organiser(event_id)
    if not _may_change(event):
        return redirect(_overview_url(event))
    form = MoveForm()
    form.team_id.choices = choice_list((t.id, t.name) for t in balance.event_teams(event))
    if form.validate_on_submit():
        invitation = _member_of(event, form.chosen_id())
        team = _team_of(event, form.team_id.data)
        _change_teams(
            lambda: membership.move_to_team(invitation, team),
            lambda _moved: _("%(name)s zit nu in %(team)s.", name=invitation.person.name, team=team.name),
        )
    else:
        flash(_("Er is niets veranderd: kies iemand en een team uit de lijst."), "error")
    return redirect(_overview_url(event))


@bp.post("/events/<int:event_id>/teams/guide")
@login_required
def guide(event_id: int):
    """Make a team member the guide of their team."""
    event = event_for_organiser(event_id)
    if not _may_change(event):
        return redirect(_overview_url(event))
    form = MemberForm()
    if form.validate_on_submit():
        invitation = _member_of(event, form.chosen_id())
        _change_teams(
            lambda: membership.set_guide(invitation),
            lambda team: _("%(name)s is nu de gids van %(team)s.", name=invitation.person.name, team=team.name),
            category="message",  # flashed without a category so far; kept as it is
        )
    else:
        flash(_("Er is niets veranderd: kies iemand uit de lijst."), "error")
    return redirect(_overview_url(event))


@bp.post("/events/<int:event_id>/teams/<int:team_id>/lock")
@login_required
def lock(event_id: int, team_id: int):
    """Lock a team (kept as it is when teams are formed again), or unlock it."""
    event = event_for_organiser(event_id)
    team = _team_of(event, team_id)
    form = LockForm()
    if not form.validate_on_submit():
        flash(_("Er is niets veranderd: gebruik de knop Vergrendelen of Ontgrendelen."), "error")
    else:
        locked = form.locked.data == "1"
        membership.set_locked(team, locked)
        db.session.commit()
        if locked:
            flash(_("%(team)s is vergrendeld en blijft zo bij opnieuw indelen.", team=team.name), "success")
        else:
            flash(_("%(team)s is ontgrendeld.", team=team.name), "success")
    return redirect(_overview_url(event))


@bp.get("/events/<int:event_id>/teams/print")
@login_required
def print_cards(event_id: int):
    """The printable team list and route card: per team its guide and members, and the route with times."""
    event = event_for_organiser(event_id)
    return render_template(
        "teams/print.html",
        event=event,
        overview=teams_overview(event),
        route_url=live_route_url(event),
        role_label=role_label,
        display_name=display_name,
    )


def live_route_url(event: Event) -> str:
    """Where a route card's QR code leads: the event's public page at its route, which always shows the route as it
    is now (a stop moved after printing is right there)."""
    return absolute_url("events.detail", event_id=event.id) + "#route-heading"


@bp.get("/events/<int:event_id>/teams/<int:team_id>/card")
@login_required
def route_card(event_id: int, team_id: int):
    """One team's route card to print: the team and its guide, the stops in order (times, places, hosts), and a QR
    code to the live route page."""
    event = event_for_organiser(event_id)
    team = _team_of(event, team_id)
    return render_template(
        "teams/route_card.html",
        event=event,
        team=team,
        members=teams_overview(event).members.get(team.id, []),
        route_url=live_route_url(event),
        role_label=role_label,
        display_name=display_name,
    )


@bp.get("/events/<int:event_id>/route-qr.svg")
@login_required
def route_qr(event_id: int):
    """The QR code of the live route page (SVG), as the route cards print it."""
    event = event_for_organiser(event_id)
    response = make_response(qr_svg(live_route_url(event), title=_("QR-code naar de actuele route")))
    response.mimetype = "image/svg+xml"
    return response
