"""Shared work on an event: co-organisers and handing the event over."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..auth.accounts import colleagues
from ..auth.models import Organiser
from ..extensions import db
from ..forms import EmptyForm, add_error, choice_list, parse_record_id
from .access import event_for_organiser
from .forms import ColleagueForm, HandOverForm
from .sharing import SharingRefused, add_co_organiser, hand_over, remove_co_organiser

bp = Blueprint("sharing", __name__)


def _colleague_choices(event, form) -> None:
    taken = {event.organiser_id, *(co.id for co in event.co_organisers)}
    form.organiser_id.choices = choice_list(
        [("", _("Kies een collega"))] + [(str(c.id), c.name) for c in colleagues() if c.id not in taken]
    )


def _page(event, add_form=None, hand_form=None, status: int = 200):
    add_form = add_form or ColleagueForm()
    hand_form = hand_form or HandOverForm()
    _colleague_choices(event, add_form)
    hand_form.organiser_id.choices = choice_list(
        [("", _("Kies een collega"))] + [(str(c.id), c.name) for c in colleagues() if c.id != event.organiser_id]
    )
    return render_template("events/sharing.html", event=event, add_form=add_form, hand_form=hand_form), status


def _colleague(form) -> Organiser | None:
    organiser_id = parse_record_id(form.organiser_id.data or "")
    return db.session.get(Organiser, organiser_id) if organiser_id else None


@bp.get("/events/<int:event_id>/team")
@login_required
def team(event_id: int):
    """Who plans this event: the organiser and the co-organisers; add a colleague or hand the event over."""
    return _page(event_for_organiser(event_id))


@bp.post("/events/<int:event_id>/team")
@login_required
def add(event_id: int):
    """Let a colleague plan the event too."""
    event = event_for_organiser(event_id)
    form = ColleagueForm(request.form)
    _colleague_choices(event, form)
    if not form.validate_on_submit():
        return _page(event, add_form=form, status=400)
    try:
        added = add_co_organiser(event, _colleague(form))
    except SharingRefused as error:
        db.session.rollback()
        add_error(form.organiser_id, str(error))
        return _page(event, add_form=form, status=400)
    db.session.commit()
    if added:
        flash(_("%(name)s organiseert nu mee.", name=event.co_organisers[-1].name), "success")
    return redirect(url_for("sharing.team", event_id=event.id))


@bp.post("/events/<int:event_id>/team/<int:organiser_id>/remove")
@login_required
def remove(event_id: int, organiser_id: int):
    """A co-organiser no longer plans this event."""
    event = event_for_organiser(event_id)
    colleague = db.session.get(Organiser, organiser_id)
    if colleague is not None and EmptyForm().validate_on_submit() and remove_co_organiser(event, colleague):
        db.session.commit()
        flash(_("%(name)s organiseert niet meer mee.", name=colleague.name), "success")
    return redirect(url_for("sharing.team", event_id=event.id))


@bp.post("/events/<int:event_id>/hand-over")
@login_required
def hand_over_event(event_id: int):
    """Make a colleague the event's organiser (the previous one stays on as co-organiser)."""
    event = event_for_organiser(event_id)
    form = HandOverForm(request.form)
    form.organiser_id.choices = choice_list(
        [("", _("Kies een collega"))] + [(str(c.id), c.name) for c in colleagues() if c.id != event.organiser_id]
    )
    if not form.validate_on_submit():
        return _page(event, hand_form=form, status=400)
    try:
        hand_over(event, _colleague(form), keep_previous=True)
    except SharingRefused as error:
        db.session.rollback()
        add_error(form.organiser_id, str(error))
        return _page(event, hand_form=form, status=400)
    db.session.commit()
    flash(_("%(name)s is nu de organisator van deze bijeenkomst.", name=_colleague(form).name), "success")  # type: ignore[union-attr]
    return redirect(url_for("events.detail", event_id=event.id))
