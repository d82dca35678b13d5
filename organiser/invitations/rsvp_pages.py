"""The invitee's pages, reached through the personal link: the RSVP page, what is stored, and withdrawing."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..extensions import db
from ..forms import EmptyForm
from ..ratelimit import limit_token_requests
from . import answers as answering
from . import guest_list as guests
from . import links
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


@bp.get("/rsvp/<token>/data")
@limit_token_requests
def my_data(token: str):
    """Everything stored about the invitee for this invitation, and the way to withdraw."""
    invitation = links.find_invitation_by_token(token)
    if invitation is None:
        return _link_not_working()
    return _private(
        make_response(
            render_template(
                "invitations/my_data.html",
                invitation=invitation,
                token=token,
                state_label=invitation.state.label,
                withdraw_form=EmptyForm(),
            )
        )
    )


@bp.post("/rsvp/<token>/withdraw")
@limit_token_requests
def withdraw(token: str):
    """Withdraw: the answer becomes no, the note is removed, and this link stops working."""
    invitation = links.find_invitation_by_token(token)
    if invitation is None:
        return _link_not_working()
    if EmptyForm().validate_on_submit():
        answering.withdraw(invitation)
        db.session.commit()
        return _private(make_response(render_template("invitations/withdrawn.html", event=invitation.event)))
    return _private(redirect(url_for("invitations.my_data", token=token)))
