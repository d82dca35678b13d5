"""Shared work on events: co-organisers, and handing an event over to a colleague."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import update

from ..auth import trail
from ..auth.models import Organiser
from ..extensions import db
from .models import Event


class SharingRefused(ValueError):
    """A co-organiser or handover that cannot be; str(error) says why."""


def _check_colleague(account: Organiser | None) -> Organiser:
    if account is None or not account.active or not account.plans_events:
        raise SharingRefused(_("Kies een actieve collega die bijeenkomsten organiseert."))
    return account


def add_co_organiser(event: Event, account: Organiser | None) -> bool:
    """Let a colleague plan the event too; False if they already do (or own it)."""
    account = _check_colleague(account)
    if account.id == event.organiser_id or account in event.co_organisers:
        return False
    event.co_organisers.append(account)
    db.session.flush()
    trail.record("co_organiser_added", "event", event.id, f"{event.title}: {account.name}")
    return True


def remove_co_organiser(event: Event, account: Organiser) -> bool:
    if account not in event.co_organisers:
        return False
    event.co_organisers.remove(account)
    db.session.flush()
    trail.record("co_organiser_removed", "event", event.id, f"{event.title}: {account.name}")
    return True


def hand_over(event: Event, successor: Organiser | None, keep_previous: bool = True) -> bool:
    """Make `successor` the event's organiser; the previous one stays on as co-organiser unless told otherwise
    (or unless their account is switched off). False if the successor already was the organiser."""
    successor = _check_colleague(successor)
    previous = event.organiser
    if previous is not None and previous.id == successor.id:
        return False
    if successor in event.co_organisers:
        event.co_organisers.remove(successor)
    event.organiser = successor
    if keep_previous and previous is not None and previous.active and previous not in event.co_organisers:
        event.co_organisers.append(previous)
    db.session.flush()
    before = previous.name if previous else "—"
    trail.record("event_handed_over", "event", event.id, f"{event.title}: {before} → {successor.name}")
    return True


def hand_over_everything(account: Organiser, successor: Organiser | None = None) -> int:
    """Receiver of accounts.account_deactivated: every event the account organises goes to the successor, who
    also takes the account's place as co-organiser. Returns how many events were handed over."""
    if successor is None:
        return 0
    events = db.session.scalars(db.select(Event).where(Event.organiser_id == account.id)).all()
    for event in events:
        hand_over(event, successor, keep_previous=False)
    shared = db.session.scalars(db.select(Event).where(Event.co_organisers.any(Organiser.id == account.id))).all()
    for event in shared:
        event.co_organisers.remove(account)
        if successor.id != event.organiser_id and successor not in event.co_organisers:
            event.co_organisers.append(successor)
    db.session.execute(update(Event).where(Event.organiser_id == account.id).values(organiser_id=successor.id))
    db.session.flush()
    return len(events)
