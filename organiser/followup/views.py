"""Follow-up pages: the invitee's questions and contact exchange behind their personal link (GET shows, only a POST
changes anything), and the organiser's settings and summary of one event."""

from __future__ import annotations

from flask import Blueprint, flash, get_flashed_messages, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from .. import retention
from ..events.access import event_for_organiser
from ..extensions import csrf, db, utcnow
from ..forms import required
from ..invitations import links
from ..invitations.models import Invitation
from ..invitations.token_pages import behind_personal_link, foreign_form_refused, form_key_refused, private
from ..ratelimit import limit_token_requests
from . import answering
from .evaluation import evaluate
from .forms import ContactForm, FollowupForm, SettingsForm
from .settings import DEFAULT_QUESTIONS, closes_at, is_open, opens_at, save_settings, settings_of, texts_of

bp = Blueprint("followup", __name__)


def _label_questions(form: FollowupForm, texts) -> None:
    """The event's own wording of the questions (or the standard ones)."""
    form.met_someone.label.text = str(texts.met)
    form.keeps_in_touch.label.text = str(texts.touch)
    form.rating.label.text = str(texts.rating)
    form.do_differently.label.text = "{} {}".format(texts.different, _("(optioneel)"))


def _fill_from(form: FollowupForm, answer) -> None:
    form.met_someone.data = "yes" if answer.met_someone else "no"
    form.departments.data = [c.department_id for c in answer.choices if c.department_id]
    form.initiatives.data = [c.initiative_id for c in answer.choices if c.initiative_id]
    form.keeps_in_touch.data = None if answer.keeps_in_touch is None else ("yes" if answer.keeps_in_touch else "no")
    form.touch_about.data = answer.touch_about
    form.rating.data = str(answer.rating) if answer.rating else None
    form.do_differently.data = answer.do_differently


@bp.route("/rsvp/<token>/followup", methods=["GET", "POST"])
@csrf.exempt  # the link's own secret protects the form (links.answer_form_key), as on the RSVP page
@limit_token_requests
@behind_personal_link()
def answer(invitation: Invitation, token: str):
    """The follow-up questions and the contact exchange; a POST records the answers."""
    event = invitation.event
    followup = answering.request_of(invitation)
    if followup is None:
        page = render_template("followup/not_asked.html", event=event, token=token)
        return private(make_response(page, 404))
    settings = settings_of(event)
    texts = texts_of(settings)
    form = FollowupForm()
    _label_questions(form, texts)
    groups = answering.groups_present(event)
    form.offer_groups(groups.departments, groups.initiatives)
    given = answering.named_answer(invitation)
    if request.method == "GET" and given is not None:
        _fill_from(form, given)
    key_refused = foreign_form_refused(token, "followup", form)
    if not key_refused and form.validate_on_submit():
        try:
            answering.record_followup(
                followup,
                met_someone=form.met_someone.data == "yes",
                department_ids=form.departments.data or [],
                initiative_ids=form.initiatives.data or [],
                keeps_in_touch=None if not form.keeps_in_touch.data else form.keeps_in_touch.data == "yes",
                touch_about=form.touch_about.data or "",
                rating=int(form.rating.data) if form.rating.data else None,
                do_differently=form.do_differently.data or "",
                anonymous=form.anonymous.data,
            )
        except answering.FollowupRefused as refusal:
            db.session.rollback()
            flash(str(refusal), "error")
        else:
            db.session.commit()
            flash(_("Dank u wel! Uw antwoorden zijn opgeslagen."), "success")
        return private(redirect(url_for("followup.answer", token=token)))
    form.form_key.data = links.answer_form_key(token, "followup")
    response = make_response(
        render_template(
            "followup/answer.html",
            event=event,
            invitation=invitation,
            followup=followup,
            form=form,
            texts=texts,
            token=token,
            open_now=answering.may_answer(followup),
            closes_at=closes_at(event, settings),
            answered=given is not None or followup.answered_anonymously,
            contacts=answering.shared_contacts(followup),
            contact_key=links.answer_form_key(token, "followup-contact"),
            outcome_messages=get_flashed_messages(with_categories=True),
            policy=[retention.FOLLOWUP],
        ),
        400 if form.errors or key_refused else 200,
    )
    return private(response)


@bp.post("/rsvp/<token>/followup/contact")
@csrf.exempt  # protected by the link's own secret, as answer is
@limit_token_requests
@behind_personal_link()
def contact(invitation: Invitation, token: str):
    """Share name and e-mail address with fellow attendees who share theirs, or stop sharing (consent withdrawn)."""
    followup = answering.request_of(invitation)
    if followup is None:
        return private(redirect(url_for("followup.answer", token=token)))
    form = ContactForm()
    if form.validate_on_submit() and form.share.data in ("yes", "no"):
        if form_key_refused(token, "followup-contact", form):
            flash(_("Er is niets opgeslagen: het formulier hoort niet bij deze link. Probeer het opnieuw."), "error")
        else:
            share = form.share.data == "yes"
            answering.set_contact_sharing(followup, share)
            db.session.commit()
            flash(
                _("U deelt nu uw naam en e-mailadres met de andere deelnemers die dat ook doen.")
                if share
                else _("U deelt uw naam en e-mailadres niet meer. De anderen zien u niet meer in hun lijst."),
                "success",
            )
    return private(redirect(url_for("followup.answer", token=token) + "#contact-heading"))


@bp.route("/events/<int:event_id>/followup", methods=["GET", "POST"])
@login_required
def evaluation(event_id: int):
    """The organiser's page: the follow-up switched on or off, how long open, its texts; and what came back."""
    event = event_for_organiser(event_id)
    settings = settings_of(event)
    form = SettingsForm(obj=settings)
    if form.validate_on_submit():
        save_settings(
            event,
            enabled=form.enabled.data,
            open_days=required(form.open_days.data),
            intro=form.intro.data or "",
            questions={
                "met": form.question_met.data or "",
                "touch": form.question_touch.data or "",
                "rating": form.question_rating.data or "",
                "different": form.question_different.data or "",
            },
        )
        db.session.commit()
        flash(_("De vragen na afloop zijn opgeslagen."), "success")
        return redirect(url_for("followup.evaluation", event_id=event.id))
    now = utcnow()
    return render_template(
        "followup/evaluation.html",
        event=event,
        form=form,
        settings=settings,
        texts=texts_of(settings),
        opens_at=opens_at(event),
        closes_at=closes_at(event, settings),
        open_now=is_open(event, settings, now),
        evaluation=evaluate(event),
        defaults=DEFAULT_QUESTIONS,
    ), 400 if form.errors else 200
