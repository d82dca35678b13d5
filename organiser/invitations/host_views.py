"""Initiative hosts and check-in helpers by personal link: the organiser's page to hand out links, and the
host's page (their event, its route, who comes, and adding residents of their own initiative)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from .. import shown_once
from ..events.access import event_for_organiser
from ..extensions import db
from ..forms import EmptyForm, add_error, choice_list, parse_record_id, required
from ..ratelimit import limit_token_requests
from . import hosting
from .forms import EventLinkForm, HostResidentForm
from .models import EventLink, EventLinkKind
from .token_pages import link_not_working, private

bp = Blueprint("hosts", __name__)


def _link_form(event, formdata=None) -> EventLinkForm:
    form = EventLinkForm(formdata)
    form.initiative_id.choices = choice_list(
        [("", _("Geen (aanmeldhulp)"))] + [(str(i.id), i.name) for i in event.host_initiatives]
    )
    return form


@bp.route("/events/<int:event_id>/links", methods=["GET", "POST"])
@login_required
def manage(event_id: int):
    """The organiser hands out personal links: to an initiative host, or to a check-in helper for the day."""
    event = event_for_organiser(event_id)
    form = _link_form(event, request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        initiative_id = parse_record_id(form.initiative_id.data) if form.initiative_id.data else None
        initiative = next((i for i in event.host_initiatives if i.id == initiative_id), None)
        kind = EventLinkKind.HOST if initiative is not None else EventLinkKind.CHECKIN
        try:
            token = hosting.create_event_link(event, kind, required(form.name.data), form.email.data or "", initiative)
        except hosting.HostingRefused as error:
            db.session.rollback()
            add_error(form.initiative_id, str(error))
        else:
            db.session.commit()
            link = db.session.scalar(db.select(EventLink).order_by(EventLink.id.desc()))
            # Post/Redirect/Get: a refresh shows this link again instead of making another (shown_once.py).
            shown_once.keep("event_link", event.id, {"id": link.id, "url": hosting.link_url(link, token)})
            return private(redirect(url_for("hosts.manage", event_id=event.id), 303))
    kept = shown_once.shown("event_link", event.id)
    new_link = None
    if isinstance(kept, dict):
        link = db.session.get(EventLink, kept.get("id"))
        if link is not None and link.event_id == event.id and link.revoked_at is None:
            new_link = kept.get("url")
    response = make_response(
        render_template(
            "invitations/event_links.html",
            event=event,
            form=form,
            links=hosting.event_links(event),
            new_link=new_link,
        )
    )
    return private(response)


@bp.post("/events/<int:event_id>/links/<int:link_id>/revoke")
@login_required
def revoke(event_id: int, link_id: int):
    """The link stops working at once."""
    event = event_for_organiser(event_id)
    link = db.session.get(EventLink, link_id)
    if link is None or link.event_id != event.id or not EmptyForm().validate_on_submit():
        return redirect(url_for("hosts.manage", event_id=event.id))
    if hosting.revoke_event_link(link):
        db.session.commit()
        flash(_("De link van %(name)s werkt niet meer.", name=link.name), "success")
    return redirect(url_for("hosts.manage", event_id=event.id))


def _host_page(link: EventLink, form: HostResidentForm, status: int = 200):
    page = render_template(
        "invitations/host.html", link=link, event=link.event, coming=hosting.who_comes(link), form=form
    )
    return private(make_response(page, status))


def _host_link(token: str) -> EventLink:
    """The host link with this token; an unknown or revoked one ends the request with link_not_working (404)."""
    link = hosting.find_event_link(token, EventLinkKind.HOST)
    if link is None:
        abort(link_not_working())
    return link


@bp.get("/host/<token>")
@limit_token_requests
def host_page(token: str):
    """The initiative host's page: the event, its route, who comes; a form to add residents."""
    link = _host_link(token)
    return _host_page(link, HostResidentForm())


@bp.post("/host/<token>")
@limit_token_requests
def host_add_resident(token: str):
    """The host puts a resident of their own initiative on the guest list."""
    link = _host_link(token)
    form = HostResidentForm()
    if form.validate_on_submit():
        try:
            person = hosting.add_resident(link, required(form.name.data), required(form.email.data))
        except hosting.HostingRefused as error:
            db.session.rollback()
            add_error(form.email, str(error))
        else:
            db.session.commit()
            flash(
                _("%(name)s staat op de gastenlijst. De organisator stuurt de uitnodiging.", name=person.name),
                "success",
            )
            return redirect(url_for("hosts.host_page", token=token))
    return _host_page(link, form, 400)
