"""Event pages: the public agenda and event page, and the organiser's planning pages."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from .. import signals
from ..auth import trail
from ..extensions import db, utcnow
from ..forms import EmptyForm, add_error, choice_list, required
from ..places.models import Initiative, Neighbourhood
from . import access, routes, series
from .access import event_for_organiser, may_manage
from .agenda import agenda_events
from .copy_forms import OccurrenceForm
from .forms import (
    AgendaFilterForm,
    CancelForm,
    EventForm,
    MoveStopForm,
    StopForm,
    to_form_value,
)
from .models import FORMATS, Event, EventStatus
from .planning import EventDetails, create_event, lock_for_change, update_event
from .publishing import ChangeRefused, cancel_event, publish_event
from .routes import add_stop, free_slot, remove_stop, update_stop

bp = Blueprint("events", __name__)


def _neighbourhood_choices() -> list[tuple[int, str]]:
    rows = db.session.scalars(db.select(Neighbourhood).order_by(Neighbourhood.name))
    return choice_list([(0, _("— geen —"))] + [(n.id, n.name) for n in rows])


def _initiative_choices() -> list[tuple[int, str]]:
    rows = db.session.scalars(db.select(Initiative).order_by(Initiative.name))
    return choice_list((i.id, i.name) for i in rows)


def _prepare(form: EventForm) -> EventForm:
    form.neighbourhood_id.choices = _neighbourhood_choices()
    form.hosts.choices = _initiative_choices()
    return form


def _flash_time_notices(form) -> None:
    """Say which occurrence was taken of a time in the hour that happens twice."""
    for notice in form.time_notices():
        flash(notice, "info")


def _details(form: EventForm) -> EventDetails:
    return EventDetails(
        title=required(form.title.data).strip(),
        format=form.format.data,
        description=(form.description.data or "").strip(),
        starts_at=required(form.starts_at.moment),
        ends_at=required(form.ends_at.moment),
        location=required(form.location.data).strip(),
        neighbourhood_id=form.neighbourhood_id.data or None,
        owner=form.owner.data,
        host_ids=form.hosts.data or [],
        capacity=required(form.capacity.data),
        rsvp_deadline=form.rsvp_deadline.moment,
        max_plus_ones=required(form.max_plus_ones.data),
        forms_teams=form.forms_teams.data,
        min_office_share=required(form.min_office_share.data),
        latitude=form.latitude.data,
        longitude=form.longitude.data,
    )


@bp.get("/agenda")
def agenda():
    """The public agenda: upcoming published events, filtered by format and neighbourhood."""
    filters = AgendaFilterForm(request.args)
    filters.validate()
    format_code, wijk = filters.format_code(), filters.slug()
    events = [] if filters.impossible_wijk() else agenda_events(format_code, wijk)
    neighbourhoods = db.session.scalars(db.select(Neighbourhood).order_by(Neighbourhood.name)).all()
    return render_template(
        "events/agenda.html",
        events=events,
        formats=FORMATS,
        neighbourhoods=neighbourhoods,
        format_code=format_code,
        wijk=wijk,
    )


@bp.get("/events/<int:event_id>")
def detail(event_id: int):
    """The event page; drafts only for the organisers who may manage them."""
    event = db.get_or_404(Event, event_id)
    manage = may_manage(event)
    if event.status == EventStatus.DRAFT and not manage:
        abort(404)
    series_rule, other_dates = None, []
    if event.series is not None:
        series_rule = series.describe(event.series)
        other_dates = [
            e for e in event.series.events if e.id != event.id and (e.status != EventStatus.DRAFT or may_manage(e))
        ]
    return render_template(
        "events/detail.html",
        event=event,
        manage=manage,
        series_rule=series_rule,
        other_dates=other_dates,
        sections=page_sections(event),
    )


def page_sections(event: Event) -> list[tuple[str, dict]]:
    """The sections other domains add to the public event page (signals.event_page_sections): (template, context)."""
    return [section for _receiver, section in signals.event_page_sections.send(event) if section]


@bp.get("/events")
@login_required
def dashboard():
    """ "Mijn bijeenkomsten" (own and co-organised), or with ?alle=1 every event the account may see."""
    everything = request.args.get("alle") == "1"
    query = access.all_events() if everything else access.my_events()
    events = db.session.scalars(query).all()
    now = utcnow()
    upcoming = [e for e in events if e.ends_at >= now]
    past = [e for e in reversed(events) if e.ends_at < now]
    return render_template("events/dashboard.html", upcoming=upcoming, past=past, everything=everything)


@bp.get("/events/new")
@login_required
def choose_format():
    """Step one of a new event: choose the format, whose defaults pre-fill the form."""
    return render_template("events/choose_format.html", formats=FORMATS)


@bp.route("/events/new/<format_code>", methods=["GET", "POST"])
@login_required
def create(format_code: str):
    """Step two: the event form, pre-filled from the format's defaults."""
    info = FORMATS.get(format_code) or abort(404)
    form = _prepare(EventForm())
    if request.method == "GET":
        start = info.suggested_start(to_form_value(utcnow()).date())
        form.format.data = format_code
        form.starts_at.data = start
        form.ends_at.data = start + info.duration
        form.capacity.data = info.capacity
        form.forms_teams.data = info.forms_teams
        form.min_office_share.data = _default_office_share()
        form.max_plus_ones.data = 0
    if form.validate_on_submit():
        event = create_event(_details(form), current_user.id)
        db.session.commit()
        flash(_("De bijeenkomst is opgeslagen als concept."), "success")
        _flash_time_notices(form)
        if event.format_info.has_route:
            return redirect(url_for("events.stops", event_id=event.id))
        return redirect(url_for("events.detail", event_id=event.id))
    return render_template("events/form.html", form=form, info=info, event=None)


def _default_office_share() -> int:
    return int(current_app.config["DEFAULT_OFFICE_SHARE"])


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    """Change an event (in a series: this one, or this and all following); a new date, time or place raises
    SEQUENCE and notifies invitees."""
    event = event_for_organiser(event_id)
    if event.is_cancelled:
        flash(_("Een afgelaste bijeenkomst kan niet meer worden gewijzigd."), "error")
        return redirect(url_for("events.detail", event_id=event.id))
    later = series.following(event)
    if request.method == "POST":
        for locked in (event, *later):
            lock_for_change(locked)  # the capacity checks must hold until the commit
    form_class = OccurrenceForm if event.series is not None else EventForm
    form = _prepare(form_class(obj=event, event=event))
    if request.method == "GET":
        form.starts_at.data = to_form_value(event.starts_at)
        form.ends_at.data = to_form_value(event.ends_at)
        form.rsvp_deadline.data = to_form_value(event.rsvp_deadline)
        form.neighbourhood_id.data = event.neighbourhood_id or 0
        form.hosts.data = [i.id for i in event.hosts]
        form.owner.data = event.owner.value
    if form.validate_on_submit():
        before, details = series.details_of(event), _details(form)
        changed = [(event, update_event(event, details))]
        if isinstance(form, OccurrenceForm) and form.following:
            try:
                changed += series.update_following(before, details, later)
            except ChangeRefused as refusal:
                db.session.rollback()  # nothing changed, and the form keeps what was typed
                add_error(form.scope, str(refusal))
                return render_template("events/form.html", form=form, info=event.format_info, event=event), 400
        count = 0
        for changed_event, changes in changed:
            if changes:
                count += sum(n for _receiver, n in signals.event_changed.send(changed_event, changes=changes))
        if count:
            flash(
                ngettext(
                    "%(num)d genodigde krijgt bericht van de wijziging.",
                    "%(num)d genodigden krijgen bericht van de wijziging.",
                    count,
                ),
                "info",
            )
        db.session.commit()
        if len(changed) > 1:
            flash(
                ngettext(
                    "De wijzigingen zijn opgeslagen, ook bij de volgende bijeenkomst in de reeks.",
                    "De wijzigingen zijn opgeslagen, ook bij de %(num)d volgende bijeenkomsten.",
                    len(changed) - 1,
                ),
                "success",
            )
        else:
            flash(_("De wijzigingen zijn opgeslagen."), "success")
        _flash_time_notices(form)
        return redirect(url_for("events.detail", event_id=event.id))
    return render_template("events/form.html", form=form, info=event.format_info, event=event)


@bp.post("/events/<int:event_id>/publish")
@login_required
def publish(event_id: int):
    """Publish a draft on the agenda."""
    event = event_for_organiser(event_id)
    if EmptyForm().validate_on_submit():
        try:
            published = publish_event(event)
        except ChangeRefused as refusal:
            flash(str(refusal), "error")
            return redirect(url_for("events.detail", event_id=event.id))
        db.session.commit()
        if published:
            flash(_("De bijeenkomst staat nu in de agenda."), "success")
        else:
            flash(_("De bijeenkomst stond al in de agenda."), "info")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.route("/events/<int:event_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(event_id: int):
    """Ask for confirmation, then cancel the event and notify everyone invited."""
    event = event_for_organiser(event_id)
    form = CancelForm()
    if not form.validate_on_submit():
        return render_template("events/cancel.html", event=event, form=form)
    if cancel_event(event):
        count = sum(n for _receiver, n in signals.event_cancelled.send(event, reason=form.reason.data or ""))
        trail.record("event_cancelled", "event", event.id, f"{event.title}: {count}")
        db.session.commit()
        flash(
            ngettext(
                "De bijeenkomst is afgelast. %(num)d genodigde krijgt bericht.",
                "De bijeenkomst is afgelast. %(num)d genodigden krijgen bericht.",
                count,
            )
            if count
            else _("De bijeenkomst is afgelast. Niemand had een plaats, dus niemand krijgt bericht."),
            "success",
        )
    else:
        flash(_("De bijeenkomst was al afgelast."), "info")
    return redirect(url_for("events.detail", event_id=event.id))


def _route_closed(event: Event) -> bool:
    """A cancelled event's route cannot change: say so (True) instead of answering as if it did."""
    if event.is_cancelled:
        flash(_("Deze bijeenkomst is afgelast; de route kan niet meer worden gewijzigd."), "error")
        return True
    return False


@bp.route("/events/<int:event_id>/stops", methods=["GET", "POST"])
@login_required
def stops(event_id: int):
    """The route of a wijksafari or speurtocht: add, remove and reorder stops."""
    event = event_for_organiser(event_id)
    form = _stop_form(StopForm(event=event))
    slot = free_slot(event)
    if request.method == "GET" and slot is not None:
        form.starts_at.data, form.ends_at.data = to_form_value(slot[0]), to_form_value(slot[1])
    if request.method == "POST" and _route_closed(event):
        return redirect(url_for("events.stops", event_id=event.id))
    if form.validate_on_submit():
        add_stop(event, *_stop_values(form))
        db.session.commit()
        flash(_("De halte is toegevoegd."), "success")
        _flash_time_notices(form)
        return redirect(url_for("events.stops", event_id=event.id))
    return render_template("events/stops.html", event=event, form=form, route_full=slot is None)


def _stop_form(form: StopForm) -> StopForm:
    """The stop form with the initiatives to choose from (or none)."""
    form.initiative_id.choices = choice_list([(0, _("— geen —"))]) + _initiative_choices()
    return form


def _stop_values(form: StopForm) -> tuple[str, str, datetime, datetime, int | None]:
    """A validated stop form as add_stop and update_stop take it: name, address, start, end (UTC), initiative."""
    return (
        required(form.name.data).strip(),
        required(form.address.data).strip(),
        required(form.starts_at.moment),
        required(form.ends_at.moment),
        form.initiative_id.data or None,
    )


def _stop_of(event: Event, stop_id: int):
    return next((s for s in event.stops if s.id == stop_id), None) or abort(404)


@bp.route("/events/<int:event_id>/stops/<int:stop_id>/edit", methods=["GET", "POST"])
@login_required
def edit_stop(event_id: int, stop_id: int):
    """Change a stop's name, address, time slot or initiative."""
    event = event_for_organiser(event_id)
    stop = _stop_of(event, stop_id)
    form = _stop_form(StopForm(obj=stop, event=event, stop=stop))
    if request.method == "GET":
        form.starts_at.data = to_form_value(stop.starts_at)
        form.ends_at.data = to_form_value(stop.ends_at)
        form.initiative_id.data = stop.initiative_id or 0
    if request.method == "POST" and _route_closed(event):
        return redirect(url_for("events.stops", event_id=event.id))
    if form.validate_on_submit():
        update_stop(event, stop, *_stop_values(form))
        db.session.commit()
        flash(_("De halte is gewijzigd."), "success")
        _flash_time_notices(form)
        return redirect(url_for("events.stops", event_id=event.id))
    return render_template("events/stop_form.html", event=event, stop=stop, form=form)


@bp.post("/events/<int:event_id>/stops/<int:stop_id>/delete")
@login_required
def delete_stop(event_id: int, stop_id: int):
    """Remove a stop from the route."""
    event = event_for_organiser(event_id)
    stop = _stop_of(event, stop_id)
    if EmptyForm().validate_on_submit() and not _route_closed(event):
        remove_stop(event, stop)
        db.session.commit()
        flash(_("De halte is verwijderd."), "success")
    return redirect(url_for("events.stops", event_id=event.id))


@bp.post("/events/<int:event_id>/stops/<int:stop_id>/move")
@login_required
def move_stop(event_id: int, stop_id: int):
    """Move a stop one place up or down the route."""
    event = event_for_organiser(event_id)
    stop = _stop_of(event, stop_id)
    form = MoveStopForm()
    if form.validate_on_submit() and not _route_closed(event):
        routes.move_stop(event, stop, form.offset)
        db.session.commit()
    return redirect(url_for("events.stops", event_id=event.id))
