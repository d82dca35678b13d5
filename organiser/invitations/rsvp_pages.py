"""The invitee's pages, reached through the personal link: the RSVP page, what is stored (shown, downloaded,
erased), and withdrawing."""

from __future__ import annotations

import json

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import retention
from ..extensions import db
from ..forms import EmptyForm
from ..inbox.addresses import inbox_configured
from ..ratelimit import limit_token_requests
from . import answers as answering
from . import guest_list as guests
from . import links, personal_data
from .blueprint import bp
from .forms import RsvpForm
from .models import InvitationState


def _private(response):
    """Token pages: never cached, never leaked through the Referer header."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _link_not_working():
    return _private(make_response(render_template("invitations/link_not_working.html"), 404))


@bp.route("/rsvp/<token>", methods=["GET", "POST"])
@limit_token_requests
def respond(token: str):
    """The invitee's personal page: the event, their answer, and (POST only) a changed answer."""
    invitation = links.find_invitation_by_token(token)
    if invitation is None:
        return _link_not_working()
    event = invitation.event
    form = RsvpForm(max_plus_ones=event.max_plus_ones)
    if request.method == "GET" and invitation.state in (
        InvitationState.YES,
        InvitationState.NO,
        InvitationState.MAYBE,
        InvitationState.WAITING,
    ):
        form.answer.data = "yes" if invitation.state == InvitationState.WAITING else invitation.state.value
        form.plus_ones.data = invitation.plus_ones
        form.note.data = invitation.note
    if form.validate_on_submit():
        try:
            outcome = answering.record_answer(invitation, form.answer.data, form.plus_ones.data, form.note.data or "")
        except answering.AnswerRefused as refusal:
            db.session.rollback()
            flash(str(refusal), "error")
        else:
            db.session.commit()
            flash(_answer_message(outcome), "success")
        return _private(redirect(url_for("invitations.respond", token=token)))
    position = answering.waiting_position(invitation) if invitation.state == InvitationState.WAITING else None
    response = make_response(
        render_template(
            "invitations/respond.html",
            invitation=invitation,
            event=event,
            form=form,
            token=token,
            state_label=invitation.state.label,
            waiting_position=position,
            can_change=answering.can_change_answer(invitation),
            can_cancel=answering.can_cancel(invitation),
            withdraw_form=EmptyForm(),
            company=guests.who_else_comes(event),
            calendar_answers=inbox_configured(),
        ),
        200 if not form.errors else 400,
    )
    return _private(response)


def _answer_message(outcome: answering.AnswerOutcome) -> str:
    if outcome.state == InvitationState.WAITING:
        return _(
            "De bijeenkomst is vol. U staat op de wachtlijst, op plaats %(position)d. "
            "Komt er een plek vrij, dan krijgt u automatisch bericht.",
            position=outcome.waiting_position,
        )
    if outcome.plus_ones_refused:
        return _("U staat op de lijst, maar er is geen plaats voor meer introducés. Uw plaats blijft bewaard.")
    return {
        InvitationState.YES: _("Dank u wel! U staat op de lijst. U krijgt een bevestiging per e-mail."),
        InvitationState.MAYBE: _("Dank u wel. We hebben genoteerd dat u misschien komt."),
        InvitationState.NO: _("Jammer dat u niet kunt. We hebben uw afmelding ontvangen."),
    }[outcome.state]


# The invitee's rights: see everything stored about them, download it, withdraw from one event, or have
# everything erased (personal_data.py does the work).


@bp.get("/rsvp/<token>/data")
@limit_token_requests
def my_data(token: str):
    """Everything stored about the invitee (all their invitations, the mail sent to them), and what they can do."""
    invitation = links.find_invitation_by_token(token)
    if invitation is None:
        return _link_not_working()
    return _private(
        make_response(
            render_template(
                "invitations/my_data.html",
                invitation=invitation,
                data=personal_data.stored_data(invitation.person),
                token=token,
                policy=retention.POLICY,
            )
        )
    )


@bp.get("/rsvp/<token>/data.json")
@limit_token_requests
def download(token: str):
    """The same, as a JSON file to keep or to take elsewhere."""
    invitation = links.find_invitation_by_token(token)
    if invitation is None:
        return _link_not_working()
    document = personal_data.export(personal_data.stored_data(invitation.person))
    response = make_response(json.dumps(document, ensure_ascii=False, indent=2))
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = 'attachment; filename="mijn-gegevens.json"'
    return _private(response)


@bp.post("/rsvp/<token>/withdraw")
@limit_token_requests
def withdraw(token: str):
    """Withdraw from this event: the answer becomes no, the note is removed, and this link stops working."""
    invitation = links.find_invitation_by_token(token)
    if invitation is None:
        return _link_not_working()
    if EmptyForm().validate_on_submit():
        answering.withdraw(invitation)
        db.session.commit()
        return _private(make_response(render_template("invitations/withdrawn.html", event=invitation.event)))
    return _private(redirect(url_for("invitations.my_data", token=token)))


@bp.post("/rsvp/<token>/erase")
@limit_token_requests
def erase(token: str):
    """Erase everything about the invitee, as the organiser's delete does; every link of theirs stops working."""
    invitation = links.find_invitation_by_token(token)
    if invitation is None:
        return _link_not_working()
    if EmptyForm().validate_on_submit():
        personal_data.erase(invitation.person)
        db.session.commit()
        return _private(make_response(render_template("invitations/erased.html")))
    return _private(redirect(url_for("invitations.my_data", token=token)))
