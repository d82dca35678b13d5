"""Copies and series of events, and deleting a draft: the organiser's pages, and the public page of a series."""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from .. import clock
from ..auth import trail
from ..extensions import db, utcnow
from ..forms import add_error, required
from .access import event_for_organiser, may_manage
from .copy_forms import CopyForm, SeriesForm
from .copying import copy_event
from .deleting import delete_draft, deletion_refusals
from .models import EventStatus, Series
from .publishing import ChangeRefused
from .series import MAX_OCCURRENCES, describe, make_series, week_of_month_of

bp = Blueprint("copies", __name__)


def _next_month_same_time(starts_at):
    """The wall-clock start a month on (repeated until it is in the future): the copy form's suggestion."""
    wall = clock.to_wall(starts_at)
    now = clock.to_wall(utcnow())
    wall += relativedelta(months=1)
    while wall <= now:
        wall += relativedelta(months=1)
    return wall


@bp.route("/events/<int:event_id>/copy", methods=["GET", "POST"])
@login_required
def copy(event_id: int):
    """Copy an event to a new date: texts, route, hosts and settings; optionally the guest list, unsent.

    :raise 404: when the account may not change the event (events/access.py)
    """
    source = event_for_organiser(event_id)
    form = CopyForm()
    if request.method == "GET":
        form.starts_at.data = _next_month_same_time(source.starts_at)
    if form.validate_on_submit():
        try:
            new = copy_event(
                source,
                required(form.starts_at.moment),
                organiser_id=current_user.id,
                with_guests=form.with_guests.data,
            )
        except ChangeRefused as refusal:
            db.session.rollback()
            add_error(form.starts_at, str(refusal))
            return render_template("events/copy.html", event=source, form=form), 400
        trail.record("event_copied", "event", new.id, f"{source.title}: {source.id} → {new.id}")
        db.session.commit()
        flash(_("De kopie is opgeslagen als concept. Controleer hem en publiceer hem als hij klopt."), "success")
        return redirect(url_for("events.detail", event_id=new.id))
    return render_template("events/copy.html", event=source, form=form), 400 if form.errors else 200


@bp.route("/events/<int:event_id>/series/new", methods=["GET", "POST"])
@login_required
def make(event_id: int):
    """Repeat an event by a rule: it becomes the first of a series, each later date its own event.

    :raise 404: when the account may not change the event (events/access.py)
    """
    source = event_for_organiser(event_id)
    if source.series is not None:
        flash(_("Deze bijeenkomst hoort al bij een reeks."), "info")
        return redirect(url_for("copies.series_page", series_id=source.series.id))
    form = SeriesForm()
    if request.method == "GET":
        form.week_of_month.data = week_of_month_of(clock.to_wall(source.starts_at).date())
    if form.validate_on_submit():
        try:
            series = make_series(source, form.rule(), organiser_id=current_user.id, with_guests=form.with_guests.data)
        except ChangeRefused as refusal:
            db.session.rollback()
            source = event_for_organiser(event_id)
            flash(str(refusal), "error")
            return render_template("events/series_form.html", event=source, form=form, maximum=MAX_OCCURRENCES), 400
        count = len(series.events)
        trail.record("series_made", "event", source.id, f"{source.title}: {count}")
        db.session.commit()
        flash(
            ngettext(
                "De reeks is gemaakt: %(num)d bijeenkomst.",
                "De reeks is gemaakt: %(num)d bijeenkomsten, elk met een eigen gastenlijst.",
                count,
            ),
            "success",
        )
        return redirect(url_for("copies.series_page", series_id=series.id))
    status = 400 if form.errors else 200
    return render_template("events/series_form.html", event=source, form=form, maximum=MAX_OCCURRENCES), status


@bp.get("/series/<int:series_id>")
def series_page(series_id: int):
    """A series: its rule and every date (drafts only for who may change them); public like the event page."""
    series = db.get_or_404(Series, series_id)
    events = [e for e in series.events if e.status != EventStatus.DRAFT or may_manage(e)]
    if not events:
        abort(404)
    return render_template("events/series.html", series=series, events=events, rule=describe(series), now=utcnow())


@bp.route("/events/<int:event_id>/delete", methods=["GET", "POST"])
@login_required
def delete(event_id: int):
    """Ask for confirmation, then delete a draft that never sent anything (else say why not).

    :raise 404: when the account may not change the event (events/access.py)
    """
    event = event_for_organiser(event_id)
    refusals = deletion_refusals(event)
    if request.method == "GET" or refusals:
        status = 400 if refusals and request.method == "POST" else 200
        return render_template("events/delete.html", event=event, refusals=refusals), status
    title, series_id = event.title, event.series.id if event.series is not None else None
    try:
        delete_draft(event)
    except ChangeRefused as refusal:  # the same check as above: only if something changed in between
        db.session.rollback()
        flash(str(refusal), "error")
        return redirect(url_for("events.detail", event_id=event_id))
    trail.record("event_deleted", "event", event_id, title)
    db.session.commit()
    flash(_("Het concept „%(title)s” is verwijderd.", title=title), "success")
    if series_id is not None and db.session.get(Series, series_id) is not None:
        return redirect(url_for("copies.series_page", series_id=series_id))
    return redirect(url_for("events.dashboard"))
