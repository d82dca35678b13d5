"""Who may see and who may change an event: the one place that says so (like flaskr's `get_post`).

- administrators see and change every event;
- an event's organiser and its co-organisers see and change it (organisers and administrators only);
- every other organiser sees published and cancelled events (to cover for a colleague, or to take one over
  when handed it), never another's drafts, and changes nothing;
- check-in helpers and initiative hosts get their own, narrower pages (attendance, their one event).
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, or_

from ..auth.models import Organiser
from ..extensions import db
from .models import Event, EventStatus, event_co_organiser


def _account(account: Organiser | None) -> Organiser | None:
    if account is not None:
        return account
    return current_user if current_user and current_user.is_authenticated else None


def _logged_in(account: Organiser | None) -> Organiser:
    """The given account, else the logged-in one (the dashboards are behind login_required)."""
    found = _account(account)
    if found is None:
        raise ValueError("no account: the page must require a login")
    return found


def may_manage(event: Event, account: Organiser | None = None) -> bool:
    """Whether the account (default: the logged-in one) may change the event, its guests and its mail."""
    account = _account(account)
    if account is None or not account.active or not account.plans_events:
        return False
    if account.is_admin or event.organiser_id == account.id:
        return True
    return any(co.id == account.id for co in event.co_organisers)


def may_see(event: Event, account: Organiser | None = None) -> bool:
    """Whether the account may see the event's planning pages read-only (drafts only for those who manage it)."""
    account = _account(account)
    if account is None or not account.plans_events:
        return False
    return event.status != EventStatus.DRAFT or may_manage(event, account)


def get_event(event_id: int, manage: bool = True) -> Event:
    """The event, if the logged-in account may manage it (or, with manage=False, see it).

    :raise 404: when there is no such event, or the account may not manage (see) it: no hint that it exists
    """
    event = db.get_or_404(Event, event_id)
    if not (may_manage(event) if manage else may_see(event)):
        abort(404)
    return event


def _co_organised_by(account: Organiser):
    return db.select(event_co_organiser.c.event_id).where(event_co_organiser.c.organiser_id == account.id)


def managed_clause(account: Organiser):
    """SQL: the events this account manages ("mijn bijeenkomsten": own and co-organised)."""
    return or_(Event.organiser_id == account.id, Event.id.in_(_co_organised_by(account)))


def my_events(account: Organiser | None = None) -> Select:
    """The account's own and co-organised events, by date (administrators too: their own)."""
    account = _logged_in(account)
    return db.select(Event).where(managed_clause(account)).order_by(Event.starts_at)


def all_events(account: Organiser | None = None) -> Select:
    """Every event the account may see ("alle bijeenkomsten"): all for administrators; for organisers every
    published or cancelled event and the drafts they manage."""
    account = _logged_in(account)
    query = db.select(Event).order_by(Event.starts_at)
    if not account.is_admin:
        query = query.where(or_(Event.status != EventStatus.DRAFT, managed_clause(account)))
    return query


# The names the pages use (one rule, above).


def event_for_organiser(event_id: int) -> Event:
    """The event, if the logged-in account may manage it (organiser, co-organiser, administrator).

    :raise 404: otherwise (no hint that it exists)
    """
    return get_event(event_id, manage=True)


def events_managed_by_current_organiser() -> Select:
    """The logged-in account's own and co-organised events (see my_events)."""
    return my_events()
