"""Calendar feeds (public, personal, one event), the subscribe page and the personal feed link page."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import shown_once
from ..addresses import AddressRefused
from ..auth import trail
from ..events.access import may_manage
from ..events.models import Event, EventStatus
from ..extensions import db, utcnow
from ..forms import EmptyForm
from ..invitations.links import find_invitation_by_token
from ..people.access import FEED_LINK, PersonChangeRefused, check_change, directory_required
from ..people.models import Person
from ..ratelimit import limit_token_requests
from . import feeds, links, validators
from .forms import NewFeedLinkForm, PublicFeedFilterForm

bp = Blueprint("calendar", __name__)

#: Pages with a secret token in their URL: no Referer to other sites, and (pages) nothing kept in caches.
TOKEN_ENDPOINTS = frozenset({"calendar.personal_feed", "calendar.manage_personal"})


@bp.after_request
def protect_token_urls(response: Response) -> Response:
    """Keep secret URLs out of Referer headers and shared caches, also on their error pages."""
    if request.endpoint in TOKEN_ENDPOINTS:
        response.headers["Referrer-Policy"] = "no-referrer"
        if request.endpoint != "calendar.personal_feed" or response.status_code >= 400:
            response.headers["Cache-Control"] = "no-store"
    return response


def calendar_response(
    validator: feeds.FeedValidator, render: Callable[[], bytes], *, filename: str, private: bool
) -> Response:
    """A calendar answer: 304 when the client's copy is current (decided before rendering), else the body."""
    _commit_if_begun()  # a new ETag's moment (feed_state), for every server to answer alike
    if _not_modified(validator):
        response = current_app.response_class(status=304)
        del response.headers["Content-Type"]
    else:
        body = feeds.feed_body(validator, render)
        _commit_if_begun()  # entries made for this body (fragments.py), for every server to reuse
        response = current_app.response_class(body, mimetype="text/calendar")
        response.headers["Content-Type"] = "text/calendar; charset=utf-8"
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(validator.etag)
    if validator.last_modified is not None:
        response.last_modified = validator.last_modified
    # Reuse for five minutes, then ask again with the validators; no-transform: no proxy may gzip it (Outlook).
    scope = "private" if private else "public"
    response.headers["Cache-Control"] = f"{scope}, max-age=300, must-revalidate, no-transform"
    return response


def _commit_if_begun() -> None:
    """Commit what this request wrote. A feed answered from its stored validator (and a body from this
    process's cache) used no session at all (pool.read_alone): then none is made just to say so."""
    if db.session.registry.has() and db.session().in_transaction():
        db.session.commit()


def _not_modified(validator: feeds.FeedValidator) -> bool:
    # If-None-Match wins over If-Modified-Since when both are sent (RFC 9110, 13.2.2).
    if request.if_none_match:
        return request.if_none_match.contains_weak(validator.etag)
    since = request.if_modified_since
    return bool(since and validator.last_modified and validator.last_modified <= since)


def _public_filter_or_404() -> feeds.PublicFilter:
    """The public feed's filters from the query string; 404 for a format or neighbourhood that does not exist."""
    form = PublicFeedFilterForm(request.args)
    if not form.validate():
        abort(404)
    try:
        return feeds.public_filter(form.format.data or None, form.wijk.data or None)
    except feeds.UnknownFilter:
        abort(404)


@bp.get("/calendar/public.ics")
def public_feed():
    """The public feed: published events, all or of one format or neighbourhood (?format=, ?wijk=)."""
    feed_filter = _public_filter_or_404()
    now = utcnow()
    return calendar_response(
        feeds.public_feed_validator(feed_filter, now),
        lambda: feeds.render_public_feed(feed_filter, now),
        filename="organiser-agenda.ics",
        private=False,
    )


@bp.get("/events/<int:event_id>.ics")
def event_ics(event_id: int):
    """One event to add to a calendar; drafts only for the organisers who may manage them."""
    event = db.get_or_404(Event, event_id)
    draft = event.status == EventStatus.DRAFT
    if draft and not may_manage(event):
        abort(404)
    return calendar_response(
        feeds.event_validator(event),
        lambda: feeds.render_event(event),
        filename=f"bijeenkomst-{event.id}.ics",
        private=draft,
    )


@bp.get("/calendar/personal/<token>.ics")
@limit_token_requests(per_address=False)
def personal_feed(token: str):
    """A person's private feed: every invitation they did not decline; 410 once the link was replaced."""
    now = utcnow()
    # One statement: the token's hash, the person, and their feed's stored validator while it still holds.
    found = validators.find_personal_feed(token, feeds.personal_settings(), now)
    if found is None:
        abort(404)
    if isinstance(found, links.Revoked):  # 410 Gone: Thunderbird then stops asking instead of showing nothing
        abort(410)
    validator = found.known.validator or feeds.personal_feed_validator(
        found.person_id, found.locale, now, found.known.inputs
    )
    return calendar_response(
        validator,
        lambda: feeds.render_personal_feed(found.person_id, found.locale, now),
        filename="organiser-uitnodigingen.ics",
        private=True,
    )


@bp.get("/calendar/subscribe")
def subscribe_public():
    """How to subscribe to the public feed (with the agenda's filters) in each calendar app."""
    feed_filter = _public_filter_or_404()
    feed_url = feeds.public_feed_url(feed_filter)
    return render_template(
        "calendar/subscribe.html",
        feed_name=feeds.public_feed_name(feed_filter),
        feed_url=feed_url,
        webcal_url=links.webcal_url(feed_url),
        feed_filter=feed_filter,
    )


@bp.route("/calendar/personal/manage/<rsvp_token>", methods=["GET", "POST"])
@limit_token_requests
def manage_personal(rsvp_token: str):
    """A person's own feed link, reached through any of their RSVP links: see whether they have one, make a new one."""
    invitation = find_invitation_by_token(rsvp_token)
    if invitation is None or invitation.person.deleted_at is not None:
        abort(404)
    person = invitation.person
    form = NewFeedLinkForm()
    if form.validate_on_submit():
        new_token = links.issue_feed_token(person)
        db.session.commit()
        # Post/Redirect/Get: a refresh shows this link again instead of making another (shown_once.py).
        shown_once.keep("feed_link", person.id, new_token)
        return redirect(url_for("calendar.manage_personal", rsvp_token=rsvp_token), 303)
    kept = shown_once.shown("feed_link", person.id)
    # Only while it still works: replaced since (in another browser, from the directory), it is not shown.
    shown_token = kept if isinstance(kept, str) and links.find_person_by_feed_token(kept) is person else None
    feed_url = links.personal_feed_url(shown_token) if shown_token else None
    return render_template(
        "calendar/manage_personal.html",
        person=person,
        form=form,
        rsvp_token=rsvp_token,
        current_token=links.current_feed_token(person),
        feed_url=feed_url,
        webcal_url=links.webcal_url(feed_url) if feed_url else None,
    )


@bp.post("/people/<int:person_id>/feed-link")
@directory_required
def send_feed_link(person_id: int):
    """Mail someone a new personal calendar feed link (the old one stops working); from their page in the directory."""
    person = db.get_or_404(Person, person_id)
    if person.deleted_at is not None:
        abort(404)
    if not EmptyForm().validate_on_submit() or not person.email or not person.active:
        return redirect(url_for("people.detail", person_id=person.id))
    try:
        # A new feed link revokes the old one and carries the RSVP links of every event the person is on.
        check_change(person, FEED_LINK)
    except PersonChangeRefused as error:
        flash(str(error), "error")
    else:
        try:
            links.send_feed_link(person)
        except AddressRefused as refusal:
            db.session.commit()  # the mark on the address
            flash(f"{refusal} {_('Verbeter het e-mailadres; de oude agendalink blijft werken.')}", "error")
        else:
            trail.record("feed_link_sent", "person", person.id, person.name)
            db.session.commit()
            flash(_("%(name)s krijgt een e-mail met een nieuwe agendalink.", name=person.name), "success")
    return redirect(url_for("people.detail", person_id=person.id))
