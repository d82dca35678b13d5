"""The organiser's invitation pages: the guest list and suggestions, sending, and the answers."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..auth import trail
from ..events.access import event_for_organiser
from ..events.models import Event
from ..extensions import db
from ..forms import EmptyForm, required
from ..i18n import to_local
from ..people.forms import DirectoryFilterForm
from ..people.models import Person
from ..spreadsheet import csv_response
from ..web import page_number, safe_next
from . import answers as answering
from . import guest_list as guests
from . import mix, reminders, room, sending
from . import suggestions as suggesting
from .answers_page import AnswersFilterForm, all_answers, answers_page
from .blueprint import bp
from .calendar_answers import inbox_lines
from .forms import (
    AcceptSuggestionsForm,
    GuestSelectionForm,
    RecordAnswerForm,
    SendInvitationsForm,
    SuggestionCountForm,
)
from .models import Invitation, InvitationState
from .signups import pending_signups

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


@bp.get("/events/<int:event_id>/answers")
@login_required
def answers(event_id: int):
    """Every invitee with their state (a page at a time, searchable, filtered by answer), counts per state, mail
    problems, and actions per person."""
    event = event_for_organiser(event_id)
    filters = AnswersFilterForm(request.args)
    shown = answers_page(event, filters, page_number())
    return render_template(
        "invitations/answers.html",
        event=event,
        invitations=shown.page.items,
        page=shown.page,
        filters=filters,
        query_args=filters.query_args(),
        counts=shown.counts,
        failed=shown.failed,
        failed_count=shown.failed_count,
        states=list(InvitationState),
        inbox_lines=inbox_lines(event.id),
        waiting_block=room.waiting_list_block(event),
        mix_listed=mix.mix_for(event, guests.ON_LIST_STATES),
        mix_yes=mix.mix_for(event, guests.YES_STATES),
        shortfalls=mix.mix_shortfalls(event),
        own_initiative=shown.own_initiative,
        by_invitation=shown.by_invitation,
        pending=pending_signups(event),
        can_remind=reminders.can_remind(event),
        remind_hours=current_app.config["REMINDER_AGAIN_AFTER_HOURS"],
    )


@bp.get("/events/<int:event_id>/answers.csv")
@login_required
def answers_csv(event_id: int):
    """The answers as a spreadsheet (safe against formula injection); the answer's moment in local time, sortable."""
    event = event_for_organiser(event_id)
    invitations = all_answers(event)
    header = [
        _("Naam"),
        _("E-mailadres"),
        _("Soort"),
        _("Afdeling"),
        _("Antwoord"),
        _("Bron van het antwoord"),
        _("Introducés"),
        _("Opmerking"),
        _("Beantwoord op"),
    ]
    rows = (
        [
            i.person.name,
            i.person.email or "",
            i.person.kind.label,
            i.person.department.name if i.person.department else "",
            i.state.label,
            # Where the answer came from (web page, calendar app, organiser), as the answers page shows it.
            i.source_label if i.state not in (InvitationState.LISTED, InvitationState.INVITED) else "",
            i.plus_ones,
            i.note,
            to_local(i.answered_at).strftime("%Y-%m-%d %H:%M") if i.answered_at else "",
        ]
        for i in invitations
    )
    return csv_response(f"antwoorden-{event.id}.csv", header, rows)


@bp.post("/events/<int:event_id>/answers/remind")
@login_required
def remind_now(event_id: int):
    """ "Stuur nu een herinnering": a reminder to everyone invited who has not answered (not twice in a row)."""
    event = event_for_organiser(event_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("invitations.answers", event_id=event.id))
    if not reminders.can_remind(event):
        flash(
            _("Er is geen herinnering verstuurd: antwoorden kan niet meer (afgelast, begonnen of na de termijn)."),
            "error",
        )
        return redirect(url_for("invitations.answers", event_id=event.id))
    done = reminders.send_reminders_now(event)
    trail.record("reminders_sent", "event", event.id, f"{event.title}: {done.queued}")
    db.session.commit()
    hours = current_app.config["REMINDER_AGAIN_AFTER_HOURS"]
    if done.queued:
        flash(
            ngettext("%(num)d herinnering wordt verstuurd.", "%(num)d herinneringen worden verstuurd.", done.queued),
            "success",
        )
    elif not done.recently_reminded:
        flash(_("Er is geen herinnering verstuurd: iedereen heeft al geantwoord."), "info")
    if done.recently_reminded:
        flash(
            ngettext(
                "%(num)d persoon kreeg de afgelopen %(hours)d uur al een herinnering en krijgt nu geen nieuwe.",
                "%(num)d mensen kregen de afgelopen %(hours)d uur al een herinnering en krijgen nu geen nieuwe.",
                done.recently_reminded,
                hours=hours,
            ),
            "info",
        )
    return redirect(url_for("invitations.answers", event_id=event.id))


@bp.post("/events/<int:event_id>/answers/<int:invitation_id>")
@login_required
def record_on_behalf(event_id: int, invitation_id: int):
    """Record an answer for someone who told the organiser in person or by phone."""
    event = event_for_organiser(event_id)
    invitation = _invitation_of(event, invitation_id)
    form = RecordAnswerForm(max_plus_ones=answering.allowed_plus_ones(invitation))
    if invitation.state == InvitationState.LISTED:
        flash(_("Stuur eerst de uitnodiging; daarna kunt u een antwoord vastleggen."), "error")
    elif form.validate_on_submit():
        try:
            # A form without the note field (an older page) keeps the note: nothing changes that was not sent.
            note = form.note.data or "" if form.note.raw_data else invitation.note
            outcome = answering.record_answer(
                invitation, form.answer.data, form.plus_ones.data, note, by_organiser=True
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
                    state=outcome.state.label,
                ),
                "success",
            )
    else:
        flash(
            _(
                "Er is niets vastgelegd: kies een antwoord en een aantal introducés uit de lijst "
                "(opmerking: maximaal 500 tekens)."
            ),
            "error",
        )
    return redirect(url_for("invitations.answers", event_id=event.id))


@bp.post("/events/<int:event_id>/answers/<int:invitation_id>/new-link")
@login_required
def reissue_link(event_id: int, invitation_id: int):
    """Send a new personal link; the old one stops working (for a forwarded or lost mail)."""
    event = event_for_organiser(event_id)
    invitation = _invitation_of(event, invitation_id)
    if EmptyForm().validate_on_submit() and invitation.state != InvitationState.LISTED:
        reason = sending.why_skipped(invitation)
        if reason is not None:
            flash(
                _(
                    "%(name)s krijgt geen nieuwe link (%(reason)s); de oude blijft werken. Verbeter eerst het "
                    "e-mailadres in het adresboek.",
                    name=invitation.person.name,
                    reason=reason,
                ),
                "error",
            )
        else:
            sending.reissue_link(invitation)
            db.session.commit()
            flash(
                _("%(name)s krijgt een nieuwe link; de oude werkt niet meer.", name=invitation.person.name), "success"
            )
    return redirect(url_for("invitations.answers", event_id=event.id))


@bp.route("/events/<int:event_id>/send", methods=["GET", "POST"])
@login_required
def send(event_id: int):
    """Send the invitations to everyone on the list not yet invited (or those ticked), after a look at the mix."""
    event = event_for_organiser(event_id)
    form = SendInvitationsForm()
    if form.is_submitted():  # the service picks this event's listed invitations among those ticked
        if not form.validate():
            flash(_("Er is niets verstuurd: de keuze klopt niet (meer). Kies de mensen opnieuw."), "error")
            return redirect(url_for("invitations.send", event_id=event.id))
        chosen = form.invitation.data or []
        if not chosen:
            flash(_("Kies minstens één persoon om uit te nodigen."), "error")
            return redirect(url_for("invitations.send", event_id=event.id))
        try:
            count = sending.send_invitations(event, chosen)
        except sending.SendRefused as refusal:
            flash(str(refusal), "error")
            return redirect(url_for("invitations.send", event_id=event.id))
        # The chosen ones still on the list after the send: passed by (no address, inactive, not mailable).
        skipped = list(
            db.session.scalars(
                db.select(Invitation)
                .where(
                    Invitation.event_id == event.id,
                    Invitation.state == InvitationState.LISTED,
                    Invitation.id.in_(chosen),
                )
                .options(selectinload(Invitation.person))
                .order_by(Invitation.id)
            )
        )
        if count:
            trail.record("invitations_sent", "event", event.id, f"{event.title}: {count}")
        db.session.commit()  # also the marks on addresses organiser cannot mail
        if count:
            flash(
                ngettext("%(num)d uitnodiging wordt verstuurd.", "%(num)d uitnodigingen worden verstuurd.", count),
                "success",
            )
        if skipped:
            flash(sending.skipped_message(skipped, sent=count), "error")
        if not count:
            return redirect(url_for("invitations.send", event_id=event.id))
        return redirect(url_for("invitations.answers", event_id=event.id))
    listed = db.session.scalars(
        db.select(Invitation)
        .join(Person, Person.id == Invitation.person_id)
        .where(Invitation.event_id == event.id, Invitation.state == InvitationState.LISTED)
        .options(selectinload(Invitation.person).selectinload(Person.department))
        .order_by(Person.name)
    ).all()
    skip_reasons = {i.id: reason for i in listed if (reason := sending.why_skipped(i))}
    return render_template(
        "invitations/send.html",
        event=event,
        form=form,
        listed=listed,
        skip_reasons=skip_reasons,
        sendable=len(listed) - len(skip_reasons),
        shortfalls=mix.mix_shortfalls(event),
        refusal=sending.why_not_send(event),
    )


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
        count = suggesting.accept_suggestions(event, chosen, required(form.aantal.data))
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
