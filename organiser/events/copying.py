"""Copying an event to a new date: format, texts, route with its stops and hosts, capacity and settings. Flush,
never commit.

Times move by wall-clock time in the municipality's zone (organiser/clock.py): a bruiscafé at 16:00 in winter is
at 16:00 in summer too, and a stop 30 minutes after the start stays 30 minutes after it. The guest list is not
the events domain's: who wants it copied sends `signals.event_copied` (invitations puts the people on the copy's
list as new, unsent invitations). Settings other domains keep of the event (the follow-up's) come along through
`signals.event_settings_copied`, always.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from .. import clock, signals
from ..extensions import db, utcnow
from ..forms import nonexistent_time_message
from .models import Event, EventStatus, Stop
from .planning import touch
from .publishing import ChangeRefused

#: Columns a copy takes over as they are (times, status, seats and calendar bookkeeping are the copy's own).
COPIED_COLUMNS = (
    "title",
    "format",
    "description",
    "location",
    "latitude",
    "longitude",
    "neighbourhood_id",
    "owner",
    "capacity",
    "max_plus_ones",
    "forms_teams",
    "min_office_share",
    "reminder_days_before_deadline",
    "organiser_id",
    # Who can come (issue 16): open sign-up, its seats, the seats held for the invited, whom to ask, the
    # waiting-list rule. (signup_until moves with the start below; the sign-up seats taken are the copy's own.)
    "signup_open",
    "signup_seats",
    "held_seats",
    "contact",
    "waiting_rule",
)


def moved_time(moment: datetime, old_start: datetime, new_start: datetime) -> datetime:
    """A moment of an event (its end, a stop, the deadline) at the same wall-clock distance from `new_start` as it
    was from `old_start` (aware moments).

    :raise ChangeRefused: when that time does not exist (the hour the clock skips in spring), saying which date.
    """
    try:
        return clock.move(moment, old_start, new_start)
    except clock.NonexistentTime as gap:
        raise ChangeRefused(nonexistent_time_message(gap)) from gap


def copy_event(
    source: Event, new_start: datetime, *, organiser_id: int | None, published: bool = False, with_guests: bool = False
) -> Event:
    """A new event like `source` starting at `new_start` (an aware moment): a draft unless `published`.

    The organiser and co-organisers are the source's (the same team plans it); `organiser_id` takes over when the
    source has no organiser any more. With `with_guests`, `signals.event_copied` asks invitations to put the
    source's guests (all but who declined) on the copy's list, unsent.

    :raise ChangeRefused: when a moved time does not exist, or the copy would start in the past.
    """
    if new_start <= utcnow():
        raise ChangeRefused(_("De nieuwe datum moet in de toekomst liggen."))
    copy = Event(seats_taken=0, sequence=0)
    for name in COPIED_COLUMNS:
        setattr(copy, name, getattr(source, name))
    copy.organiser_id = source.organiser_id or organiser_id
    copy.co_organisers = list(source.co_organisers)
    copy.hosts = list(source.hosts)
    copy.starts_at = new_start
    copy.ends_at = moved_time(source.ends_at, source.starts_at, new_start)
    if source.rsvp_deadline is not None:
        deadline = moved_time(source.rsvp_deadline, source.starts_at, new_start)
        copy.rsvp_deadline = deadline if deadline > utcnow() else None
    if source.signup_until is not None:
        until = moved_time(source.signup_until, source.starts_at, new_start)
        copy.signup_until = until if until > utcnow() else None
    copy.stops = [
        Stop(
            position=stop.position,
            name=stop.name,
            address=stop.address,
            starts_at=moved_time(stop.starts_at, source.starts_at, new_start),
            ends_at=moved_time(stop.ends_at, source.starts_at, new_start),
            initiative_id=stop.initiative_id,
        )
        for stop in source.stops
    ]
    if copy.ends_at <= copy.starts_at or any(s.ends_at <= s.starts_at for s in copy.stops):
        raise ChangeRefused(
            _("Op die datum valt de bijeenkomst in de nacht dat de klok verspringt. Kies een andere tijd.")
        )
    copy.status = EventStatus.PUBLISHED if published else EventStatus.DRAFT
    copy.published_at = utcnow() if published else None
    copy.updated_at = utcnow()
    db.session.add(copy)
    db.session.flush()
    touch(copy)
    signals.event_settings_copied.send(source, copy=copy)
    if with_guests:
        signals.event_copied.send(source, copy=copy)
    return copy
