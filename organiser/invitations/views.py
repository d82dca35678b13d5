"""Invitation pages: the invitee's personal RSVP page, and the organiser's invitation pages."""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..auth import trail
from ..events.access import event_for_organiser
from ..events.models import Event
from ..extensions import db
from ..forms import EmptyForm, parse_record_id
from ..mail.models import OutboxStatus
from ..mail.outbox import mail_status_by_invitation
from ..people.forms import DirectoryFilterForm
from ..people.models import Person
from ..ratelimit import limit_token_requests
from ..spreadsheet import csv_response
from ..web import page_number, safe_next
from . import answers as answering
from . import guest_list as guests
from . import links, mix, sending
from . import suggestions as suggesting
from .forms import AcceptSuggestionsForm, GuestSelectionForm, RecordAnswerForm, RsvpForm, SuggestionCountForm
from .models import STATE_LABELS, Invitation, InvitationState

bp = Blueprint("invitations", __name__)


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
            state_label=STATE_LABELS[invitation.state],
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
                state_label=STATE_LABELS[invitation.state],
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


# The organiser's side ---------------------------------------------------------------------------


def _answers_table(event):

    invitations = db.session.scalars(
        db.select(Invitation)
        .where(Invitation.event_id == event.id)
        .options(selectinload(Invitation.person).selectinload(Person.department))
        .order_by(Invitation.state, Invitation.waiting_since, Invitation.id)
    ).all()
    return invitations, mail_status_by_invitation(event.id)


@bp.get("/events/<int:event_id>/answers")
@login_required
def answers(event_id: int):
    """Every invitee with their state, counts per state, mail problems, and actions per person."""
    event = event_for_organiser(event_id)
    invitations, mail_status = _answers_table(event)
    counts = Counter(i.state for i in invitations)
    failed = {i.id for i in invitations if mail_status.get(i.id) == OutboxStatus.FAILED}
    return render_template(
        "invitations/answers.html",
        event=event,
        invitations=invitations,
        counts=counts,
        failed=failed,
        mail_status=mail_status,
        states=list(InvitationState),
        state_labels=STATE_LABELS,
        record_form=RecordAnswerForm(max_plus_ones=event.max_plus_ones),
    )


@bp.get("/events/<int:event_id>/answers.csv")
@login_required
def answers_csv(event_id: int):
    """The answers as a spreadsheet (safe against formula injection)."""
    event = event_for_organiser(event_id)
    invitations, mail_status = _answers_table(event)
    header = [_("Naam"), _("E-mailadres"), _("Soort"), _("Afdeling"), _("Antwoord"), _("Introducés"), _("Opmerking")]
    rows = (
        [
            i.person.name,
            i.person.email or "",
            i.person.kind.label,
            i.person.department.name if i.person.department else "",
            STATE_LABELS[i.state],
            i.plus_ones,
            i.note,
        ]
        for i in invitations
    )
    return csv_response(f"antwoorden-{event.id}.csv", header, rows)


@bp.post("/events/<int:event_id>/answers/<int:invitation_id>")
@login_required
def record_on_behalf(event_id: int, invitation_id: int):
    """Record an answer for someone who told the organiser in person or by phone."""
    event = event_for_organiser(event_id)
    invitation = _invitation_of(event, invitation_id)
    form = RecordAnswerForm(max_plus_ones=event.max_plus_ones)
    if invitation.state == InvitationState.LISTED:
        flash(_("Stuur eerst de uitnodiging; daarna kunt u een antwoord vastleggen."), "error")
    elif form.validate_on_submit():
        try:
            outcome = answering.record_answer(
                invitation, form.answer.data, form.plus_ones.data, invitation.note, by_organiser=True
            )
        except answering.AnswerRefused as refusal:
            db.session.rollback()
            flash(str(refusal), "error")
        else:
            db.session.commit()
            flash(
                _(
                    "Het antwoord van %(name)s is vastgelegd: %(state)s.",
                    name=invitation.person.name,
                    state=STATE_LABELS[outcome.state],
                ),
                "success",
            )
    else:
        flash(_("Er is niets vastgelegd: kies een antwoord en een aantal introducés uit de lijst."), "error")
    return redirect(url_for("invitations.answers", event_id=event.id))


@bp.post("/events/<int:event_id>/answers/<int:invitation_id>/new-link")
@login_required
def reissue_link(event_id: int, invitation_id: int):
    """Send a new personal link; the old one stops working (for a forwarded or lost mail)."""
    event = event_for_organiser(event_id)
    invitation = _invitation_of(event, invitation_id)
    if EmptyForm().validate_on_submit() and invitation.state != InvitationState.LISTED:
        sending.reissue_link(invitation)
        db.session.commit()
        flash(_("%(name)s krijgt een nieuwe link; de oude werkt niet meer.", name=invitation.person.name), "success")
    return redirect(url_for("invitations.answers", event_id=event.id))


@bp.route("/events/<int:event_id>/send", methods=["GET", "POST"])
@login_required
def send(event_id: int):
    """Send the invitations to everyone on the list not yet invited (or those ticked), after a look at the mix."""
    event = event_for_organiser(event_id)
    form = EmptyForm()
    listed = db.session.scalars(
        db.select(Invitation)
        .join(Person, Person.id == Invitation.person_id)
        .where(Invitation.event_id == event.id, Invitation.state == InvitationState.LISTED)
        .options(selectinload(Invitation.person).selectinload(Person.department))
        .order_by(Person.name)
    ).all()
    if form.validate_on_submit():
        chosen = [i for i in map(parse_record_id, request.form.getlist("invitation")) if i is not None]
        if not chosen:
            flash(_("Kies minstens één persoon om uit te nodigen."), "error")
            return redirect(url_for("invitations.send", event_id=event.id))
        try:
            count = sending.send_invitations(event, chosen)
        except sending.SendRefused as refusal:
            flash(str(refusal), "error")
            return redirect(url_for("events.detail", event_id=event.id))
        trail.record("invitations_sent", "event", event.id, f"{event.title}: {count}")
        db.session.commit()
        flash(
            ngettext("%(num)d uitnodiging wordt verstuurd.", "%(num)d uitnodigingen worden verstuurd.", count),
            "success",
        )
        return redirect(url_for("invitations.answers", event_id=event.id))
    return render_template(
        "invitations/send.html", event=event, form=form, listed=listed, shortfalls=mix.mix_shortfalls(event)
    )


# Guest list and mix ==================================================================================================

SEARCH_PER_PAGE = 50


def _invitation_of(event: Event, invitation_id: int) -> Invitation:
    invitation = db.get_or_404(Invitation, invitation_id)
    if invitation.event_id != event.id:
        abort(404)
    return invitation


def _refuse_if_cancelled(event: Event) -> bool:
    if event.is_cancelled:
        flash(_("Deze bijeenkomst is afgelast; de gastenlijst kan niet meer worden aangevuld."), "error")
        return True
    return False


@bp.get("/events/<int:event_id>/guests")
@login_required
def guest_list(event_id: int):
    """The guest list with its mix at a glance, and searching the directory to add people."""
    event = event_for_organiser(event_id)
    search = DirectoryFilterForm(request.args, with_status=False)
    results = None
    if request.args.get("zoeken"):
        query = guests.guest_candidates_query(event, search.to_filter()).options(
            selectinload(Person.department), selectinload(Person.initiatives)
        )
        results = db.paginate(query, page=page_number(), per_page=SEARCH_PER_PAGE, error_out=False)
    return render_template(
        "invitations/guest_list.html",
        event=event,
        invitations=guests.guest_list(event),
        mix_listed=mix.mix_for(event, guests.ON_LIST_STATES),
        mix_yes=mix.mix_for(event, guests.YES_STATES),
        shortfalls=mix.mix_shortfalls(event),
        search=search,
        search_args={**search.query_args(), "zoeken": "1"},
        results=results,
        selection_form=GuestSelectionForm(),
        suggestion_form=SuggestionCountForm(),
        state_labels=STATE_LABELS,
        listed=InvitationState.LISTED,
    )


@bp.post("/events/<int:event_id>/guests/add")
@login_required
def add_guests(event_id: int):
    """Put the ticked people on the guest list (not invited yet)."""
    event = event_for_organiser(event_id)
    form = GuestSelectionForm()
    back = safe_next(form.next.data) or url_for("invitations.guest_list", event_id=event.id)
    if _refuse_if_cancelled(event) or not form.validate_on_submit():
        return redirect(back)
    try:
        count = guests.add_to_guest_list(event, form.person_ids.data or [])
        db.session.commit()
    except IntegrityError:  # someone else added the same person at the same moment
        db.session.rollback()
        flash(_("De gastenlijst is intussen door iemand anders gewijzigd. Probeer het nog eens."), "error")
        return redirect(back)
    if count:
        flash(
            ngettext("%(num)d persoon op de gastenlijst gezet.", "%(num)d mensen op de gastenlijst gezet.", count),
            "success",
        )
    else:
        flash(_("Er is niemand toegevoegd. Vink de mensen aan die u op de lijst wilt zetten."), "info")
    return redirect(back)


@bp.post("/events/<int:event_id>/guests/<int:invitation_id>/remove")
@login_required
def remove_guest(event_id: int, invitation_id: int):
    """Take someone off the list, as long as their invitation has not been sent."""
    event = event_for_organiser(event_id)
    invitation = _invitation_of(event, invitation_id)
    if EmptyForm().validate_on_submit():
        name = invitation.person.name
        if guests.remove_from_guest_list(invitation):
            db.session.commit()
            flash(_("%(name)s staat niet meer op de gastenlijst.", name=name), "success")
        else:
            flash(
                _("%(name)s is al uitgenodigd en kan niet meer van de lijst worden gehaald.", name=name),
                "error",
            )
    return redirect(url_for("invitations.guest_list", event_id=event.id))


@bp.get("/events/<int:event_id>/guests/suggestions")
@login_required
def suggestions(event_id: int):
    """Colleagues the organiser might invite, with the reason for each; nothing changes until accepted."""
    event = event_for_organiser(event_id)
    form = SuggestionCountForm(request.args)
    n = form.aantal.data if form.validate() and form.aantal.data else 10
    return render_template(
        "invitations/suggestions.html",
        event=event,
        form=form,
        n=n,
        suggestions=suggesting.suggest_colleagues(event, n),
        shortfalls=mix.mix_shortfalls(event),
        accept_form=AcceptSuggestionsForm(),
    )


@bp.post("/events/<int:event_id>/guests/suggestions")
@login_required
def accept_suggestions(event_id: int):
    """Put the accepted suggestions on the guest list, each with its reason."""
    event = event_for_organiser(event_id)
    form = AcceptSuggestionsForm()
    if _refuse_if_cancelled(event) or not form.validate_on_submit():
        return redirect(url_for("invitations.guest_list", event_id=event.id))
    chosen = form.person_ids.data or []
    try:
        count = suggesting.accept_suggestions(event, chosen, form.aantal.data)
        db.session.commit()
    except IntegrityError:  # someone else added the same person at the same moment
        db.session.rollback()
        flash(_("De gastenlijst is intussen door iemand anders gewijzigd. Probeer het nog eens."), "error")
        return redirect(url_for("invitations.guest_list", event_id=event.id))
    if count:
        flash(
            ngettext(
                "%(num)d voorgestelde collega op de gastenlijst gezet.",
                "%(num)d voorgestelde collega's op de gastenlijst gezet.",
                count,
            ),
            "success",
        )
    else:
        flash(_("Er is niemand toegevoegd."), "info")
    if count < len(set(chosen)):
        flash(
            _("Niet iedereen kon worden toegevoegd: de lijst of het adresboek is intussen veranderd."),
            "info",
        )
    return redirect(url_for("invitations.guest_list", event_id=event.id))
