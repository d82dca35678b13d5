"""Series (reeksen): one event repeated by a rule, each occurrence an event of its own. Flush, never commit.

"Elke eerste dinsdag van de maand, 16:00–18:00, tot juni": python-dateutil's rrule gives the dates, in wall-clock
time in the municipality's zone, so 16:00 stays 16:00 across the change to summer time; each date becomes a copy
of the first event (events/copying.py), linked to the others by a Series row.

Why separate events and not one VEVENT with an RRULE: every occurrence has its own guest list, answers, seats,
waiting list, reminders and changes (one can move or be cancelled alone). An RRULE would need RECURRENCE-ID
overrides and EXDATEs for each of those, and clients differ in how they treat a REPLY or a CANCEL to one instance
of a recurring meeting (Outlook may decline the whole series). One VEVENT with its own UID per occurrence means
one invitation, one link and one answer per date, read alike by every client.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import clock
from ..extensions import db
from ..forms import nonexistent_time_message
from .copying import copy_event, moved_time
from .models import FORMATS, Event, EventStatus, Series
from .planning import EventDetails, update_event
from .publishing import ChangeRefused

#: At most this many occurrences (the first event included) in one series: a year of weekly meetings.
MAX_OCCURRENCES = 52

#: What the organiser chooses: (code, label).
FREQUENCIES = (
    ("weekly", _l("Elke week")),
    ("weeks", _l("Om de zoveel weken")),
    ("monthly_weekday", _l("Elke maand op dezelfde weekdag (bijvoorbeeld de eerste dinsdag)")),
    ("monthly_day", _l("Elke maand op dezelfde dag (bijvoorbeeld de 5e)")),
)

#: Which weekday of the month: (n, label); -1 is the last.
WEEKS_OF_MONTH = (
    (1, _l("eerste")),
    (2, _l("tweede")),
    (3, _l("derde")),
    (4, _l("vierde")),
    (-1, _l("laatste")),
)


@dataclass(frozen=True)
class Rule:
    """A repeat rule as the organiser chose it. `frequency`: weekly, monthly_weekday or monthly_day (every
    `interval` weeks or months); `week_of_month` 1–4 or -1 (last) for monthly_weekday; the end is `until` (a local
    date, inclusive) or `count` (occurrences, the first event included)."""

    frequency: str
    interval: int = 1
    week_of_month: int | None = None
    until: date | None = None
    count: int | None = None


def week_of_month_of(day: date) -> int:
    """Which of its weekday in the month a date is: 1 for the first Tuesday, …; 4 also when a fifth exists."""
    return min((day.day - 1) // 7 + 1, 4)


def _rrule(rule: Rule, first: datetime) -> rrule:
    if rule.frequency == "weekly":
        return rrule(WEEKLY, dtstart=first, interval=rule.interval)
    if rule.frequency == "monthly_weekday":
        nth = rule.week_of_month or week_of_month_of(first.date())
        return rrule(MONTHLY, dtstart=first, interval=rule.interval, byweekday=weekday(first.weekday(), nth))
    if rule.frequency == "monthly_day":
        # A month without that day (the 31st in April) is left out, as every calendar does.
        return rrule(MONTHLY, dtstart=first, interval=rule.interval, bymonthday=first.day)
    raise ValueError(f"unknown frequency {rule.frequency!r}")


def occurrence_walls(rule: Rule, first: datetime) -> list[datetime]:
    """The wall-clock starts (naive, local) after `first` that the rule gives, in order.

    :raise ChangeRefused: when the rule gives fewer than one more date, or more than MAX_OCCURRENCES in all.
    """
    last = datetime.combine(rule.until, time.max) if rule.until else None
    later: Iterable[datetime] = (wall for wall in _rrule(rule, first) if wall > first)
    if last is not None:
        later = itertools.takewhile(lambda wall: wall <= last, later)
    if rule.count is not None:
        later = itertools.islice(later, rule.count - 1)
    walls = list(itertools.islice(later, MAX_OCCURRENCES))  # one over the maximum, at most, with the first
    if len(walls) + 1 > MAX_OCCURRENCES:
        raise ChangeRefused(
            _(
                "Zo worden het meer dan %(max)d bijeenkomsten. Kies een eerdere einddatum of een kleiner aantal.",
                max=MAX_OCCURRENCES,
            )
        )
    if not walls:
        raise ChangeRefused(_("Met deze regel komt er geen datum bij. Kies een latere einddatum of een groter aantal."))
    return walls


def make_series(source: Event, rule: Rule, *, organiser_id: int | None, with_guests: bool) -> Series:
    """Repeat `source` by `rule`: `source` is the first occurrence, each later date a copy (published when the
    source is), all linked as one series. Returns the series.

    :raise ChangeRefused: for a cancelled event or one already in a series; a rule with no or too many dates;
        a date on which the event's time (or a stop's) does not exist.
    """
    if source.is_cancelled:
        raise ChangeRefused(_("Een afgelaste bijeenkomst kan niet worden herhaald."))
    if source.series is not None:
        raise ChangeRefused(_("Deze bijeenkomst hoort al bij een reeks."))
    walls = occurrence_walls(rule, clock.to_wall(source.starts_at))
    series = Series(
        title=source.title, frequency=rule.frequency, interval=rule.interval, week_of_month=rule.week_of_month
    )
    if rule.frequency == "monthly_weekday" and rule.week_of_month is None:
        series.week_of_month = week_of_month_of(clock.to_wall(source.starts_at).date())
    db.session.add(series)
    source.series = series
    published = source.status == EventStatus.PUBLISHED
    for wall in walls:
        try:
            start = clock.to_moment(wall)
        except clock.NonexistentTime as gap:
            raise ChangeRefused(nonexistent_time_message(gap)) from gap
        copy = copy_event(source, start, organiser_id=organiser_id, published=published, with_guests=with_guests)
        copy.series = series
    db.session.flush()
    return series


def describe(series: Series) -> str:
    """The rule in words, in the visitor's language: "elke eerste dinsdag van de maand"."""
    first = series.events[0].starts_at if series.events else None
    day = clock.to_wall(first).date() if first else None
    weekday_name = format_date(day, "EEEE") if day else ""
    if series.frequency == "weekly" and series.interval == 1:
        return _("elke %(weekday)s", weekday=weekday_name)
    if series.frequency == "weekly":
        return _("om de %(num)d weken op %(weekday)s", num=series.interval, weekday=weekday_name)
    if series.frequency == "monthly_weekday":
        nth = dict(WEEKS_OF_MONTH).get(series.week_of_month or 1, "")
        return _("elke %(nth)s %(weekday)s van de maand", nth=nth, weekday=weekday_name)
    return _("elke maand op de %(day)de", day=day.day if day else 0)


def following(event: Event) -> list[Event]:
    """The occurrences of the event's series after it (not cancelled), in time order; [] outside a series."""
    if event.series is None:
        return []
    return [e for e in event.series.events if e.starts_at > event.starts_at and not e.is_cancelled]


#: Fields that "this and all following" carries over when they changed on the occurrence being edited.
CARRIED_FIELDS = (
    "title",
    "format",
    "description",
    "location",
    "neighbourhood_id",
    "owner",
    "capacity",
    "max_plus_ones",
    "forms_teams",
    "min_office_share",
    "latitude",
    "longitude",
)


def details_of(event: Event) -> EventDetails:
    """An event's own details, as the edit form would give them back unchanged."""
    return EventDetails(
        title=event.title,
        format=event.format,
        description=event.description,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        location=event.location,
        neighbourhood_id=event.neighbourhood_id,
        owner=event.owner.value,
        host_ids=[i.id for i in event.hosts],
        capacity=event.capacity,
        rsvp_deadline=event.rsvp_deadline,
        max_plus_ones=event.max_plus_ones,
        forms_teams=event.forms_teams,
        min_office_share=event.min_office_share,
        latitude=event.latitude,
        longitude=event.longitude,
    )


def update_following(
    before: EventDetails, after: EventDetails, events: list[Event]
) -> list[tuple[Event, dict[str, tuple]]]:
    """Carry the changes made to one occurrence (`before` → `after`) over to later ones: each field that changed,
    and a change of time as the same wall-clock shift (16:00 → 16:30 moves every later one to 16:30 on its own
    date; its route moves along). Returns (event, changes of date, time and place) for each that changed.

    Lock each event first (planning.lock_for_change) so the capacity check holds until the commit.

    :raise ChangeRefused: when a later occurrence has more seats taken than the new capacity, or its new time
        (or a stop's) does not exist; nothing is changed then (the caller rolls back).
    """
    changed = [name for name in CARRIED_FIELDS if getattr(before, name) != getattr(after, name)]
    hosts_changed = sorted(before.host_ids) != sorted(after.host_ids)
    moved = before.starts_at != after.starts_at or before.ends_at != after.ends_at
    results = []
    for event in events:
        details = details_of(event)
        for name in changed:
            setattr(details, name, getattr(after, name))
        if hosts_changed:
            details.host_ids = list(after.host_ids)
        if moved:
            details.starts_at = moved_time(event.starts_at, before.starts_at, after.starts_at)
            details.ends_at = moved_time(after.ends_at, after.starts_at, details.starts_at)
            if event.rsvp_deadline is not None:
                details.rsvp_deadline = moved_time(event.rsvp_deadline, event.starts_at, details.starts_at)
        when = format_date(clock.to_wall(event.starts_at).date(), "d MMMM y")
        if details.capacity < event.seats_taken:
            raise ChangeRefused(
                ngettext(
                    "Op %(date)s heeft al %(num)d persoon toegezegd; het aantal plaatsen kan daar niet lager zijn.",
                    "Op %(date)s hebben al %(num)d mensen toegezegd; het aantal plaatsen kan daar niet lager zijn.",
                    event.seats_taken,
                    date=when,
                )
            )
        if event.stops and not FORMATS[details.format].has_route:
            raise ChangeRefused(_("Op %(date)s heeft de bijeenkomst een route; die werkvorm heeft er geen.", date=when))
        for stop in event.stops:  # refuses a stop in the hour the clock skips, before anything changes
            moved_time(stop.starts_at, event.starts_at, details.starts_at)
            if moved_time(stop.ends_at, event.starts_at, details.starts_at) > details.ends_at:
                raise ChangeRefused(
                    _("Op %(date)s loopt de route dan door na het einde. Pas daar eerst de haltes aan.", date=when)
                )
        changes = update_event(event, details)
        results.append((event, changes))
    return results
