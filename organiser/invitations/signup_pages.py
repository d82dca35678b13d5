"""The open sign-up's pages (issue 16): the sign-up section of the public event page and its form's POST, the
confirm page behind the mailed link, and the organiser's settings and removal of a sign-up."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    get_flashed_messages,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import login_required

from .. import clock, retention
from ..auth import trail
from ..events.access import event_for_organiser, may_manage
from ..events.models import Event, EventStatus, WaitingRule
from ..extensions import csrf, db
from ..forms import EmptyForm, required
from ..people.directory import departments
from ..places.models import Initiative
from ..ratelimit import limit_signups, limit_token_requests
from . import answers as answering
from . import links, signups
from .blueprint import bp
from .models import SignupKind
from .seats import open_signup_seats
from .signup_forms import ConfirmSignupForm, SignupForm, SignupSettingsForm
from .token_pages import private


def _signup_form(event: Event, formdata=None) -> SignupForm:
    initiatives = db.session.scalars(db.select(Initiative).order_by(Initiative.name)).all()
    return SignupForm(formdata, event=event, initiatives=initiatives, departments=departments())


def signup_section(event: Event, form: SignupForm | None = None) -> tuple[str, dict] | None:
    """signals.event_page_sections: on a published event's page, the sign-up form (open sign-up) or who to ask
    for an invitation (by invitation only); nothing on drafts and cancelled events."""
    if event.status != EventStatus.PUBLISHED:
        return None
    possible = signups.signup_possible(event)
    if possible and form is None:
        form = _signup_form(event, formdata=None)
    return (
        "invitations/_signup.html",
        {
            "possible": possible,
            "form": form if possible else None,
            "open_seats": open_signup_seats(event),
            "closes_at": event.signup_closes_at,
            "contact": event.contact or (event.organiser.name if event.organiser else ""),
            "hours": retention.SIGNUPS.length,
        },
    )


def _published_event(event_id: int) -> Event:
    event = db.get_or_404(Event, event_id)
    if event.status == EventStatus.DRAFT:
        abort(404)
    return event


@bp.post("/events/<int:event_id>/aanmelden")
@limit_signups
def sign_up(event_id: int):
    """Sign up on the public page: kept unconfirmed and a confirmation link mailed; the answer is the same whether
    the address is known, mailed recently, or the form was filled in by a robot (the honeypot)."""
    event = _published_event(event_id)
    if not signups.signup_possible(event):
        flash(str(signups.SignupRefused.CLOSED), "error")
        return redirect(url_for("events.detail", event_id=event.id))
    form = _signup_form(event, formdata=request.form)
    if form.validate_on_submit():
        if not form.is_robot:
            signups.request_signup(event, _details(form))
            db.session.commit()
        return redirect(url_for("invitations.signup_sent", event_id=event.id))
    sections = [signup_section(event, form)]
    page = render_template("events/detail.html", event=event, manage=may_manage(event), sections=sections)
    return page, 400


def _details(form: SignupForm) -> signups.SignupDetails:
    kind = SignupKind(form.kind.data)
    return signups.SignupDetails(
        name=required(form.name.data),
        email=required(form.email.data),
        kind=kind,
        initiative_id=form.initiative_id.data or None,
        department_id=form.department_id.data or None,
        contact_role=signups.ContactRole(form.work.data) if form.work.data else None,
        plus_ones=form.plus_ones.data or 0,
        note=form.note.data or "",
        locale=str(get_locale() or "nl"),
    )


@bp.get("/events/<int:event_id>/aanmelden/verstuurd")
def signup_sent(event_id: int):
    """After signing up: look in your mailbox (said the same way whatever happened to the sign-up)."""
    event = _published_event(event_id)
    minutes = int(current_app.config["SIGNUP_MAIL_INTERVAL_MINUTES"])
    return render_template("invitations/signup_sent.html", event=event, hours=retention.SIGNUPS.length, minutes=minutes)


@bp.route("/aanmelden/<token>", methods=["GET", "POST"])
@csrf.exempt  # the link's own secret protects the form (links.answer_form_key), as on the RSVP page
@limit_token_requests
def confirm_signup(token: str):
    """The page behind the mailed link: what was signed up for, and (POST only) the confirmation."""
    request.form.get("form_key")  # a body over MAX_CONTENT_LENGTH is refused (413) before anything else
    signup = signups.find_signup(token)
    if signup is None:
        response = make_response(render_template("invitations/signup_not_found.html"), 404)
        return private(response)
    form = ConfirmSignupForm()
    if request.method == "POST" and form.validate_on_submit():
        if links.form_key_matches(token, "signup", form.form_key.data) or not _keys_checked():
            try:
                confirmed = signups.confirm_signup(signup)
            except (signups.SignupRefused, answering.AnswerRefused) as refusal:
                db.session.rollback()
                flash(str(refusal), "error")
                return private(redirect(url_for("invitations.confirm_signup", token=token)))  # a reload sends nothing
            else:
                db.session.commit()
                flash(_signed_up_message(confirmed.outcome), "success")
                return private(redirect(url_for("invitations.respond", token=confirmed.token)))
        else:
            flash(
                _("Er is niets opgeslagen: het formulier hoort niet bij deze link. Bevestig hieronder opnieuw."),
                "error",
            )
    form.form_key.data = links.answer_form_key(token, "signup")
    page = render_template(
        "invitations/confirm_signup.html",
        signup=signup,
        event=signup.event,
        form=form,
        possible=signups.signup_possible(signup.event),
        messages=get_flashed_messages(with_categories=True),
    )
    return private(make_response(page, 200 if request.method == "GET" else 400))


def _keys_checked() -> bool:
    """Off where CSRF protection is off (WTF_CSRF_ENABLED), as on the RSVP page."""
    return bool(current_app.config.get("WTF_CSRF_ENABLED", True))


def _signed_up_message(outcome: answering.AnswerOutcome) -> str:
    if outcome.state == answering.InvitationState.WAITING:
        return _(
            "Uw aanmelding is bevestigd. De plaatsen voor aanmeldingen zijn vol: u staat op de wachtlijst, op plaats "
            "%(position)d. Komt er een plek vrij, dan krijgt u automatisch bericht.",
            position=outcome.waiting_position,
        )
    return _("Uw aanmelding is bevestigd: u staat op de lijst. Op deze pagina kunt u uw antwoord later wijzigen.")


# The organiser's side ------------------------------------------------------------------------------------------------


@bp.route("/events/<int:event_id>/aanmelden/instellingen", methods=["GET", "POST"])
@login_required
def signup_settings(event_id: int):
    """By invitation only, or also open sign-up: the seats for sign-ups, until when, the seats held for invited
    colleagues, whom to ask, and the waiting-list rule."""
    event = event_for_organiser(event_id)
    form = SignupSettingsForm(request.form if request.method == "POST" else None, event=event)
    if request.method == "GET":
        form.signup_open.data = "1" if event.signup_open else "0"
        form.signup_seats.data = event.signup_seats
        form.signup_until.data = _wall(event.signup_until)
        form.held_seats.data = event.held_seats
        form.contact.data = event.contact
        form.waiting_rule.data = event.waiting_rule.value
    elif form.validate_on_submit():
        settings = signups.SignupSettings(
            signup_open=form.signup_open.data == "1",
            signup_seats=required(form.signup_seats.data),
            signup_until=form.signup_until.moment,
            held_seats=required(form.held_seats.data),
            contact=form.contact.data or "",
            waiting_rule=WaitingRule(form.waiting_rule.data),
        )
        promoted = signups.change_signup_settings(event, settings)
        trail.record("signup_settings_changed", "event", event.id, event.title)
        db.session.commit()
        flash(_("De instellingen voor aanmelden zijn opgeslagen."), "success")
        if promoted:
            flash(
                ngettext(
                    "%(num)d persoon van de wachtlijst heeft een plaats gekregen.",
                    "%(num)d mensen van de wachtlijst hebben een plaats gekregen.",
                    promoted,
                ),
                "info",
            )
        return redirect(url_for("invitations.signup_settings", event_id=event.id))
    return render_template(
        "invitations/signup_settings.html",
        event=event,
        form=form,
        pending=signups.pending_signups(event),
        hours=retention.SIGNUPS.length,
    ), (400 if form.errors else 200)


def _wall(moment):
    return clock.to_wall(moment) if moment is not None else None


@bp.post("/events/<int:event_id>/answers/<int:invitation_id>/remove")
@login_required
def remove_signup(event_id: int, invitation_id: int):
    """Remove a sign-up (a fake one, say): its seats go to the waiting list and its link stops working."""
    event = event_for_organiser(event_id)
    invitation = db.get_or_404(answering.Invitation, invitation_id)
    if invitation.event_id != event.id:
        abort(404)
    if EmptyForm().validate_on_submit():
        name = invitation.person.name
        if signups.remove_signup(invitation):
            trail.record("signup_removed", "event", event.id, f"{event.title}: {name}")
            db.session.commit()
            flash(_("De aanmelding van %(name)s is verwijderd.", name=name), "success")
    return redirect(url_for("invitations.answers", event_id=event.id))
