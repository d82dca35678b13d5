"""Check-in helpers: tick attendance on the day, and nothing else. By login (the check-in helper role: the
published events of today) or by a personal link for one event that the organiser handed out."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..events.access import may_manage
from ..events.models import Event, EventStatus
from ..extensions import db, utcnow
from ..i18n import to_local
from ..invitations.hosting import find_event_link
from ..invitations.models import EventLinkKind
from ..people.directory import display_name
from ..ratelimit import limit_token_requests
from . import attendance
from .forms import AttendanceForm

bp = Blueprint("checkin", __name__, url_prefix="/checkin")


def _private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


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


def _attendance_page(event: Event, action: str, status: int = 200, form=None):
    listed = attendance.attendance_list(event)
    if form is None:
        form = AttendanceForm(invitation_ids=[i.id for i in listed.expected + listed.waiting])
        form.present.data = [i.id for i in listed.expected + listed.waiting if i.attended]
    page = render_template(
        "checkin/attendance.html",
        event=event,
        listed=listed,
        form=form,
        action=action,
        open_now=attendance.may_record_attendance(event),
        display_name=display_name,
    )
    return _private(make_response(page, status))


def _record(event: Event, back: str):
    listed = attendance.attendance_list(event)
    form = AttendanceForm(invitation_ids=[i.id for i in listed.expected + listed.waiting])
    if not attendance.may_record_attendance(event):
        flash(_("U kunt de aanwezigheid vastleggen vanaf de dag van de bijeenkomst."), "error")
    elif form.validate_on_submit():
        present = attendance.record_attendance(event, form.present.data or [])
        db.session.commit()
        flash(_("De aanwezigheid is opgeslagen: %(count)d aanwezig.", count=present), "success")
    return redirect(back)


@bp.route("/events/<int:event_id>", methods=["GET", "POST"])
@login_required
def event_attendance(event_id: int):
    """Tick who is present at one of today's events."""
    event = db.get_or_404(Event, event_id)
    if not _may_check_in(event):
        abort(404)
    here = url_for("checkin.event_attendance", event_id=event.id)
    if request.method == "POST":
        return _record(event, here)
    return _attendance_page(event, here)


@bp.route("/link/<token>", methods=["GET", "POST"])
@limit_token_requests
def by_link(token: str):
    """The same, through a personal check-in link for one event (no account)."""
    link = find_event_link(token, EventLinkKind.CHECKIN)
    if link is None or link.event.status != EventStatus.PUBLISHED:
        return _private(make_response(render_template("invitations/link_not_working.html"), 404))
    here = url_for("checkin.by_link", token=token)
    if request.method == "POST":
        return _record(link.event, here)
    return _attendance_page(link.event, here)
