"""Check-in helpers: tick attendance on the day, and nothing else. By login (the check-in helper role: the
published events of today) or by a personal link for one event that the organiser handed out.

Made for a phone at the door: the list narrows as you type (static/js/app.js; without script the search is a
plain GET form), one tap ticks one person (a POST per person: there is no "save the whole list" that could
wipe it), walk-ins are added on the spot, and an invitee's QR code (invitations/passes.py) opens their line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..events.access import may_manage
from ..events.models import Event, EventStatus
from ..extensions import db, login_manager, utcnow
from ..forms import EmptyForm
from ..i18n import to_local
from ..invitations.hosting import find_event_link
from ..invitations.models import EventLinkKind, Invitation
from ..invitations.passes import PASS_STATES, find_invitation_by_pass
from ..invitations.token_pages import link_not_working
from ..people.directory import display_name, role_label
from ..people.models import Person, fold_for_search
from ..ratelimit import limit_token_requests
from ..web import private
from . import attendance, walk_ins
from .forms import AdmitForm, TickForm, WalkInForm

bp = Blueprint("checkin", __name__, url_prefix="/checkin")


#: What a check-in helper may open besides their own pages: what anyone may (the agenda, public event pages and
#: feeds, personal links) and their account. Everything else is for those who plan events (403): deny by default,
#: so a page added later is closed to them until someone opens it here.
CHECKIN_BLUEPRINTS = {"checkin", "auth", "mfa", "sso", "web", "calendar"}
CHECKIN_ENDPOINTS = {
    "static",
    "events.agenda",
    "events.detail",
    "invitations.respond",
    "invitations.my_data",
    "invitations.withdraw",
    "invitations.pass_svg",
    "hosts.host_page",
    "hosts.host_add_resident",
}


@bp.before_app_request
def keep_checkin_helpers_to_attendance():
    """A logged-in check-in helper reaches attendance, their account and public pages; nothing else."""
    if not current_user.is_authenticated or current_user.plans_events or request.endpoint is None:
        return None
    if request.blueprint in CHECKIN_BLUEPRINTS or request.endpoint in CHECKIN_ENDPOINTS:
        return None
    abort(403)


def events_of_today() -> list[Event]:
    """Published events that take place today (local time): what a check-in helper may tick attendance for."""
    today = to_local(utcnow()).date()
    window_start = utcnow() - timedelta(days=2)
    events = db.session.scalars(
        db.select(Event)
        .where(Event.status == EventStatus.PUBLISHED, Event.starts_at >= window_start)
        .where(Event.starts_at <= utcnow() + timedelta(days=2))
        .order_by(Event.starts_at)
    ).all()
    return [event for event in events if to_local(event.starts_at).date() == today]


def _may_check_in(event: Event) -> bool:
    """Those who manage the event, and any account (a check-in helper) for a published event of today."""
    return may_manage(event) or (current_user.is_authenticated and event in events_of_today())


@bp.get("")
@login_required
def today():
    """The events of today whose attendance this account may keep."""
    return render_template("checkin/today.html", events=events_of_today())


_DESK_ENDPOINTS = {
    "page": ("event_attendance", "by_link"),
    "tick": ("tick", "tick_by_link"),
    "walk_in": ("walk_in", "walk_in_by_link"),
}


@dataclass
class Desk:
    """Where a check-in page was opened: by login (event id) or by a personal check-in link (token). Link holders
    have no account, so they never search the directory (they add a walk-in by name and address)."""

    event: Event
    token: str | None = None

    def url(self, what: str, **values) -> str:
        """The URL of the list ("page"), a tick ("tick") or a walk-in ("walk_in") at this desk."""
        by_login, by_link = _DESK_ENDPOINTS[what]
        if self.token is not None:
            return url_for(f"checkin.{by_link}", token=self.token, **values)
        return url_for(f"checkin.{by_login}", event_id=self.event.id, **values)

    @property
    def searches_directory(self) -> bool:
        """Logged in: the directory, and the list by name or address. A link holder: the list by name only (the
        link shows no one's address, not even in the page's source)."""
        return self.token is None


def _search_text(value: str | None) -> str:
    return " ".join((value or "").split())[:100]


def _attendance_page(desk: Desk, status: int = 200, walk_in_form: WalkInForm | None = None):
    event = desk.event
    listed = attendance.attendance_list(event)
    q = _search_text(request.args.get("q"))
    shown = walk_ins.matching(listed, q, by_address=desk.searches_directory)
    page = render_template(
        "checkin/attendance.html",
        event=event,
        desk=desk,
        listed=listed,
        shown=shown,
        q=q,
        matches=walk_ins.directory_matches(event, q) if desk.searches_directory and q else [],
        walk_in_form=walk_in_form or WalkInForm(formdata=None),
        open_now=attendance.may_record_attendance(event),
        display_name=display_name,
        role_label=role_label,
        search_key=lambda person: fold_for_search(walk_ins.searched_text(person, desk.searches_directory)),
    )
    return private(make_response(page, status))


def _back(desk: Desk, q: str | None, anchor: str | None = None) -> str:
    url = desk.url("page", **({"q": q} if q else {}))
    return f"{url}#{anchor}" if anchor else url


def _tick(desk: Desk, invitation_id: int):
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.event_id != desk.event.id:
        abort(404)
    form = TickForm()
    q = _search_text(form.q.data)
    if not form.validate_on_submit():
        flash(_("Er is niets veranderd. Probeer het nog eens."), "error")
        return redirect(_back(desk, q))
    present = form.present.data == "1"
    try:
        walk_ins.mark_present(invitation, present)
    except walk_ins.CheckInRefused as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
    else:
        db.session.commit()
        name = display_name(invitation.person)
        message = (
            _("%(name)s is aanwezig.", name=name) if present else _("%(name)s is niet meer aangevinkt.", name=name)
        )
        flash(message, "success")
    return redirect(_back(desk, q, f"invitation-{invitation.id}"))


def _chosen_person(desk: Desk) -> Person | None:
    """The directory's person a walk-in button names; only at a desk that may search the directory (login)."""
    form = AdmitForm()
    person_id = form.chosen_id() if form.validate_on_submit() else None
    return db.session.get(Person, person_id) if person_id and desk.searches_directory else None


def _admit(desk: Desk):
    """A walk-in: from the directory (person_id, login only) or new (name, address, who)."""
    event = desk.event
    try:
        if request.form.get("person_id") is not None:
            person = _chosen_person(desk)
            if person is None:
                flash(_("Er is niemand toegevoegd. Zoek de persoon opnieuw op."), "error")
                return redirect(_back(desk, None))
            walk_in = walk_ins.admit_walk_in(event, person)
        else:
            form = WalkInForm()
            if not form.validate_on_submit():
                return _attendance_page(desk, 400, form)
            walk_in = walk_ins.admit_new_walk_in(event, form.details())
    except walk_ins.CheckInRefused as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return redirect(_back(desk, None))
    db.session.commit()
    name = display_name(walk_in.invitation.person)
    if walk_in.waiting:
        flash(
            _("%(name)s is toegevoegd en aanwezig. De bijeenkomst is vol: %(name)s staat op de wachtlijst.", name=name),
            "success",
        )
    else:
        flash(_("%(name)s is toegevoegd als inloper en is aanwezig.", name=name), "success")
    return redirect(_back(desk, None, f"invitation-{walk_in.invitation.id}"))


def _desk_for_event(event_id: int) -> Desk:
    event = db.get_or_404(Event, event_id)
    if not _may_check_in(event):
        abort(404)
    return Desk(event)


@bp.get("/events/<int:event_id>")
@login_required
def event_attendance(event_id: int):
    """Tick who is present at one of today's events: search as you type, one tap per person, walk-ins."""
    return _attendance_page(_desk_for_event(event_id))


@bp.post("/events/<int:event_id>/tick/<int:invitation_id>")
@login_required
def tick(event_id: int, invitation_id: int):
    """One person present, or the tick undone."""
    return _tick(_desk_for_event(event_id), invitation_id)


@bp.post("/events/<int:event_id>/walk-in")
@login_required
def walk_in(event_id: int):
    """Add someone who came without having said yes."""
    return _admit(_desk_for_event(event_id))


def _desk_for_link(token: str) -> Desk | None:
    link = find_event_link(token, EventLinkKind.CHECKIN)
    if link is None or link.event.status != EventStatus.PUBLISHED:
        return None
    return Desk(link.event, token)


#: Session key: the check-in links this browser opened (newest first, at most five). A link holder has no account;
#: this is how a QR code scanned with the same phone opens for them (a revoked link stops working here too).
REMEMBERED_LINKS = "checkin_links"


@bp.get("/link/<token>")
@limit_token_requests
def by_link(token: str):
    """The same, through a personal check-in link for one event (no account)."""
    desk = _desk_for_link(token)
    if desk is None:
        return link_not_working()
    session[REMEMBERED_LINKS] = [token] + [t for t in session.get(REMEMBERED_LINKS, []) if t != token][:4]
    return _attendance_page(desk)


@bp.post("/link/<token>/tick/<int:invitation_id>")
@limit_token_requests
def tick_by_link(token: str, invitation_id: int):
    """One tap, through a check-in link."""
    desk = _desk_for_link(token)
    return _tick(desk, invitation_id) if desk else link_not_working()


@bp.post("/link/<token>/walk-in")
@limit_token_requests
def walk_in_by_link(token: str):
    """A new walk-in, through a check-in link (not from the directory: the link holder has no account)."""
    desk = _desk_for_link(token)
    return _admit(desk) if desk else link_not_working()


def _remembered_desk(event: Event) -> Desk | None:
    """The check-in link for `event` that this browser opened (and that still works), if any."""
    for token in session.get(REMEMBERED_LINKS, []):
        desk = _desk_for_link(str(token))
        if desk is not None and desk.event.id == event.id:
            return desk
    return None


@bp.route("/pass/<int:invitation_id>/<pass_token>", methods=["GET", "POST"])
@limit_token_requests
def scan_pass(invitation_id: int, pass_token: str):
    """What a scanned QR code opens: the person and a button to tick them present (GET shows, POST ticks).

    For a logged-in check-in helper (events of today) or an organiser of the event, and for a helper without an
    account whose browser opened a working check-in link of this event; the login page for anyone else without
    an account, 404 for other accounts and for a pass that does not work (wrong key, renewed or withdrawn link)."""
    if not current_user.is_authenticated and not session.get(REMEMBERED_LINKS):
        return login_manager.unauthorized()
    invitation = find_invitation_by_pass(invitation_id, pass_token)
    if invitation is None:
        return link_not_working()
    if current_user.is_authenticated and _may_check_in(invitation.event):
        list_url = url_for("checkin.event_attendance", event_id=invitation.event_id)
    else:
        desk = _remembered_desk(invitation.event)
        if desk is None:
            return link_not_working()
        list_url = desk.url("page")
    form = EmptyForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                if invitation.state in PASS_STATES:
                    walk_ins.mark_present(invitation, True)
                else:
                    walk_ins.admit_walk_in(invitation.event, invitation.person)
            except walk_ins.CheckInRefused as refusal:
                db.session.rollback()
                flash(str(refusal), "error")
            else:
                db.session.commit()
                flash(_("%(name)s is aanwezig.", name=display_name(invitation.person)), "success")
        return redirect(request.path)
    page = render_template(
        "checkin/pass.html",
        invitation=invitation,
        event=invitation.event,
        form=form,
        open_now=attendance.may_record_attendance(invitation.event),
        comes=invitation.state in PASS_STATES,
        display_name=display_name,
        role_label=role_label,
        list_url=list_url,
    )
    return private(make_response(page))
