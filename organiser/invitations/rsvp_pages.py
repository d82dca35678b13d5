"""The invitee's pages, reached through the personal link: the RSVP page, what is stored (shown, downloaded,
erased), and withdrawing."""

from __future__ import annotations

import json

from flask import flash, get_flashed_messages, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import retention, shown_once, signals
from ..extensions import csrf, db, utcnow
from ..forms import EmptyForm
from ..inbox.addresses import inbox_configured
from ..qr import qr_svg
from ..ratelimit import limit_token_requests
from . import answers as answering
from . import guest_list as guests
from . import links, passes, personal_data, room
from .blueprint import bp
from .forms import RsvpForm, WithdrawForm
from .models import Invitation, InvitationState
from .token_pages import behind_personal_link, foreign_form_refused, form_key_refused, link_not_working, private

ANSWERED_STATES = (InvitationState.YES, InvitationState.NO, InvitationState.MAYBE, InvitationState.WAITING)


@bp.route("/rsvp/<token>", methods=["GET", "POST"])
@csrf.exempt  # the link's own secret protects the form (links.answer_form_key): works without cookies
@limit_token_requests
@behind_personal_link()
def respond(invitation: Invitation, token: str):
    """The invitee's personal page: the event, their answer, and (POST only) a changed answer."""
    event = invitation.event
    current = "yes" if invitation.state == InvitationState.WAITING else invitation.state.value
    form = RsvpForm(max_plus_ones=answering.allowed_plus_ones(invitation), limit=event.max_plus_ones)
    can_change = answering.can_change_answer(invitation)
    can_cancel = answering.can_cancel(invitation)
    #: After the deadline an answer can still go down: fewer guests, another note, or no.
    only_down = not can_change and can_cancel and invitation.state in answering.SEATED_OR_WAITING
    if only_down:
        form.only_down(current)
    if request.method == "GET" and invitation.state in ANSWERED_STATES:
        form.answer.data = current
        form.plus_ones.data = invitation.plus_ones
        form.note.data = invitation.note
    key_refused = foreign_form_refused(token, "answer", form)
    if not key_refused and form.validate_on_submit():
        try:
            outcome = answering.record_answer(invitation, form.answer.data, form.plus_ones.data, form.note.data or "")
        except answering.AnswerRefused as refusal:
            db.session.rollback()
            flash(str(refusal), "error")
        else:
            db.session.commit()
            flash(_answer_message(outcome), "success")
        return private(redirect(url_for("invitations.respond", token=token)))
    form.form_key.data = links.answer_form_key(token, "answer")
    position = answering.waiting_position(invitation) if invitation.state == InvitationState.WAITING else None
    messages = get_flashed_messages(with_categories=True)
    response = make_response(
        render_template(
            "invitations/respond.html",
            invitation=invitation,
            event=event,
            form=form,
            token=token,
            state_label=invitation.state.label,
            waiting_position=position,
            waiting_text=room.waiting_message(position, event.capacity - event.seats_taken, invitation.plus_ones)
            if position
            else None,
            kept_plus_ones=answering.kept_plus_ones(invitation),
            can_change=can_change,
            can_cancel=can_cancel,
            only_down=only_down,
            outcome_messages=messages,
            withdraw_form=WithdrawForm(form_key=links.answer_form_key(token, "withdraw")),
            company=guests.who_else_comes(event),
            calendar_answers=inbox_configured(),
            show_pass=_shows_pass(invitation),
            sections=[section for _receiver, section in signals.rsvp_page_sections.send(invitation) if section],
        ),
        400 if form.errors or key_refused else 200,
    )
    return private(response)


def _shows_pass(invitation) -> bool:
    """The QR code for the door: for those who come or wait, until the event is over (not when cancelled)."""
    event = invitation.event
    return passes.pass_url(invitation) is not None and not event.is_cancelled and event.ends_at > utcnow()


@bp.get("/rsvp/<token>/pass.svg")
@limit_token_requests
def pass_svg(token: str):
    """The invitee's QR code (invitations/passes.py) as an SVG image; 404 where the RSVP page shows none."""
    invitation = links.find_invitation_by_token(token)
    if invitation is None or not _shows_pass(invitation):
        return link_not_working()
    url = passes.pass_url(invitation) or ""
    response = make_response(qr_svg(url, title=_("QR-code om u aan te melden bij de ingang")))
    response.mimetype = "image/svg+xml"
    return private(response)


def _answer_message(outcome: answering.AnswerOutcome) -> str:
    if outcome.state == InvitationState.WAITING:
        return outcome.waiting_text
    if outcome.plus_ones_refused:
        return outcome.refused_text
    return {
        InvitationState.YES: _("Dank u wel! U staat op de lijst. U krijgt een bevestiging per e-mail."),
        InvitationState.MAYBE: _("Dank u wel. We hebben genoteerd dat u misschien komt."),
        InvitationState.NO: _("Jammer dat u niet kunt. We hebben uw afmelding ontvangen."),
    }[outcome.state]


# The invitee's rights: see everything stored about them, download it, withdraw from one event, or have
# everything erased (personal_data.py does the work).


@bp.get("/rsvp/<token>/data")
@limit_token_requests
@behind_personal_link()
def my_data(invitation: Invitation, token: str):
    """Everything stored about the invitee (all their invitations, the mail sent to them), and what they can do."""
    return private(
        make_response(
            render_template(
                "invitations/my_data.html",
                invitation=invitation,
                data=personal_data.stored_data(invitation.person),
                token=token,
                policy=retention.POLICY,
                state_label=invitation.state.label,
                withdraw_form=WithdrawForm(form_key=links.answer_form_key(token, "withdraw")),
            )
        )
    )


@bp.get("/rsvp/<token>/data.json")
@limit_token_requests
@behind_personal_link(speak=False)
def download(invitation: Invitation, token: str):
    """The same, as a JSON file to keep or to take elsewhere."""
    document = personal_data.export(personal_data.stored_data(invitation.person))
    response = make_response(json.dumps(document, ensure_ascii=False, indent=2))
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = 'attachment; filename="mijn-gegevens.json"'
    return private(response)


@bp.post("/rsvp/<token>/withdraw")
@csrf.exempt  # protected by the link's own secret, as respond is
@limit_token_requests
@behind_personal_link()
def withdraw(invitation: Invitation, token: str):
    """Withdraw from this event: the answer becomes no, the note is removed, and this link stops working."""
    form = WithdrawForm()
    if form.validate_on_submit() and not form_key_refused(token, "withdraw", form):
        title = invitation.event.title
        answering.withdraw(invitation)
        db.session.commit()
        # Post/Redirect/Get: a refresh shows the confirmation again instead of posting to a link that stopped
        # working (the title waits in the session, shown_once.py; without cookies the page says it without).
        shown_once.keep("withdrawn", "invitee", title)
        return private(redirect(url_for("invitations.withdrawn"), 303))
    return private(redirect(url_for("invitations.my_data", token=token)))


@bp.get("/rsvp/afgemeld")
def withdrawn():
    """The confirmation after withdrawing (the personal link no longer works, so it has an address of its own)."""
    title = shown_once.shown("withdrawn", "invitee")
    page = render_template("invitations/withdrawn.html", title=title if isinstance(title, str) else None)
    return private(make_response(page))


@bp.post("/rsvp/<token>/erase")
@limit_token_requests
@behind_personal_link(speak=False)
def erase(invitation: Invitation, token: str):
    """Erase everything about the invitee, as the organiser's delete does; every link of theirs stops working."""
    if EmptyForm().validate_on_submit():
        personal_data.erase(invitation.person)
        db.session.commit()
        return private(redirect(url_for("invitations.erased"), 303))  # Post/Redirect/Get
    return private(redirect(url_for("invitations.my_data", token=token)))


@bp.get("/rsvp/verwijderd")
def erased():
    """The confirmation after erasing everything (no link of the person works any more)."""
    return private(make_response(render_template("invitations/erased.html")))
