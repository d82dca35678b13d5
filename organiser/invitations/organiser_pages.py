"""The organiser's invitation pages: sending, and the answers (the guest list and suggestions: guest_pages.py)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required
from sqlalchemy.orm import selectinload

from ..auth import trail
from ..events.access import event_for_organiser
from ..extensions import db
from ..forms import EmptyForm
from ..i18n import to_local
from ..people.models import Person
from ..spreadsheet import csv_response
from ..web import page_number
from . import answers as answering
from . import guest_list as guests
from . import mix, reminders, room, sending
from .answers_page import AnswersFilterForm, all_answers, answers_page
from .blueprint import bp
from .calendar_answers import inbox_lines
from .forms import (
    RecordAnswerForm,
    SendInvitationsForm,
)
from .guest_pages import invitation_of
from .models import Invitation, InvitationState
from .signups import pending_signups


@bp.get("/events/<int:event_id>/answers")
@login_required
def answers(event_id: int):
    """Every invitee with their state (a page at a time, searchable, filtered by answer), counts per state, mail
    problems, and actions per person."""
    event = event_for_organiser(event_id)
    filters = AnswersFilterForm(request.args)
    shown = answers_page(event, filters, page_number())
    listed_mix = mix.mix_for(event, guests.ON_LIST_STATES)
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
        mix_listed=listed_mix,
        mix_yes=mix.mix_for(event, guests.YES_STATES),
        shortfalls=mix.mix_shortfalls(event, listed_mix),
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
    invitation = invitation_of(event, invitation_id)
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
    invitation = invitation_of(event, invitation_id)
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
        # A second click, another tab, or a colleague who sent or changed the list meanwhile.
        if passed_over := len(set(chosen)) - count - len(skipped):
            flash(
                ngettext(
                    "%(num)d van wie u koos, was al uitgenodigd of staat niet meer op de lijst.",
                    "%(num)d van wie u koos, waren al uitgenodigd of staan niet meer op de lijst.",
                    passed_over,
                ),
                "info",
            )
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
