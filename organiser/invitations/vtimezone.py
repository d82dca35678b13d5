"""A VTIMEZONE for any tz database zone, in the RRULE form calendar clients read correctly.

Libraries build VTIMEZONEs from zoneinfo as lists of RDATEs; Outlook and Thunderbird's parser misread those
and shift events by an hour (see CALENDAR.md). So the zone's transitions are found in zoneinfo and each
yearly rule is written as one observance with `RRULE:FREQ=YEARLY;BYMONTH=…;BYDAY=…` (the only form Outlook
maps to its own time zone rules). A rule that held for a number of years ends with UNTIL; a change that
fits no yearly rule (a zone that moved its offset once, or Morocco's Ramadan breaks) becomes an observance
of its own, without RRULE or RDATE. Europe/Amsterdam comes out as one DAYLIGHT and one STANDARD rule.

The transitions are searched from the year before the first date an event may have (forms.FIRST_YEAR) to
the last (forms.LAST_YEAR), so every event time falls after the first onset. Pure: no app, no request.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

from ..forms import FIRST_YEAR, LAST_YEAR

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: Offsets are sampled this far apart; no zone changes its offset twice within it.
_STEP = timedelta(hours=12)


@dataclass(frozen=True)
class Observance:
    """One DAYLIGHT or STANDARD component: a first onset, and the yearly rule that repeats it (if any)."""

    daylight: bool
    name: str
    offset_from: timedelta
    offset_to: timedelta
    #: The first onset, as a wall-clock time in offset_from (as RFC 5545 wants DTSTART here).
    start: datetime
    #: BYMONTH and BYDAY ("-1SU", "2SU") of the yearly rule; None for a single onset.
    month: int | None = None
    byday: str | None = None
    #: The last onset of a rule that stopped (UTC); None while it goes on.
    until: datetime | None = None


@dataclass(frozen=True)
class _Transition:
    at: datetime  # UTC
    offset_from: timedelta
    offset_to: timedelta
    daylight: bool
    name: str

    @property
    def wall(self) -> datetime:
        return (self.at + self.offset_from).replace(tzinfo=None)

    def weeks(self) -> set[str]:
        """The BYDAY values that name this onset's day: the nth weekday of its month, and -1 if it is the last."""
        day, weekday = self.wall.day, WEEKDAYS[self.wall.weekday()]
        names = {f"{(day - 1) // 7 + 1}{weekday}"}
        if day + 7 > calendar.monthrange(self.wall.year, self.wall.month)[1]:
            names.add(f"-1{weekday}")
        return names


def _offset(moment: datetime) -> timedelta:
    """The UTC offset of an aware moment (a ZoneInfo time always has one)."""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError(f"not an aware moment: {moment}")
    return offset


def _transitions(zone: ZoneInfo, first_year: int, last_year: int) -> list[_Transition]:
    """Every change of UTC offset from the start of first_year to the end of last_year, to the second."""
    found = []
    moment = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    offset = _offset(moment.astimezone(zone))
    while moment < end:
        later = moment + _STEP
        if _offset(later.astimezone(zone)) != offset:
            low, high = moment, later  # offset changes in (low, high]
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _offset(middle.astimezone(zone)) == offset:
                    low = middle
                else:
                    high = middle
            before, after = low.astimezone(zone), high.astimezone(zone)
            offset_to = _offset(after)
            # DAYLIGHT: the later offset of a summer-time pair (Dublin's winter is a negative DST, hence `before`).
            daylight = offset_to > offset and (after.dst() != timedelta(0) or before.dst() != timedelta(0))
            found.append(_Transition(high.replace(microsecond=0), offset, offset_to, daylight, after.tzname() or ""))
            offset = offset_to
        moment = later
    return found


def _rules(transitions: list[_Transition], last_year: int) -> list[Observance]:
    """Transitions of one kind in consecutive years, on the same weekday of the month at the same time, as one rule."""
    kinds: dict[tuple, list[_Transition]] = {}
    for transition in transitions:
        key = (transition.daylight, transition.offset_from, transition.offset_to, transition.name)
        kinds.setdefault(key, []).append(transition)
    observances = []
    for run_of_kind in kinds.values():
        runs: list[tuple[list[_Transition], set[str]]] = []
        for transition in run_of_kind:
            if runs:
                run, weeks = runs[-1]
                previous = run[-1]
                same_shape = (
                    transition.wall.year == previous.wall.year + 1
                    and (transition.wall.month, transition.wall.time()) == (previous.wall.month, previous.wall.time())
                    and transition.wall.weekday() == previous.wall.weekday()
                )
                if same_shape and weeks & transition.weeks():
                    run.append(transition)
                    runs[-1] = (run, weeks & transition.weeks())
                    continue
            runs.append(([transition], transition.weeks()))
        for run, weeks in runs:
            first, last = run[0], run[-1]
            observance = partial(
                Observance,
                daylight=first.daylight,
                name=first.name,
                offset_from=first.offset_from,
                offset_to=first.offset_to,
                start=first.wall,
            )
            if len(run) == 1:
                observances.append(observance())
                continue
            # "Last Sunday" where it always is, otherwise "the second Sunday".
            byday = next((w for w in sorted(weeks) if w.startswith("-1")), min(weeks))
            until = None if last.wall.year >= last_year else last.at
            observances.append(observance(month=first.wall.month, byday=byday, until=until))
    return sorted(observances, key=lambda o: o.start)


@lru_cache(maxsize=8)
def observances(tzid: str, first_year: int = FIRST_YEAR - 1, last_year: int = LAST_YEAR) -> tuple[Observance, ...]:
    """The zone's rules from first_year to last_year (ZoneInfoNotFoundError for a name the tz database lacks)."""
    zone = ZoneInfo(tzid)
    transitions = _transitions(zone, first_year, last_year)
    found = _rules(transitions, last_year)
    if not transitions or transitions[0].at >= datetime(first_year + 1, 1, 1, tzinfo=UTC):
        # No change in the first year: say which offset held from its start.
        start = datetime(first_year, 1, 1, tzinfo=UTC).astimezone(zone)
        offset = _offset(start)
        found.insert(
            0,
            Observance(
                daylight=(start.dst() or timedelta(0)) > timedelta(0),
                name=start.tzname() or "",
                offset_from=offset,
                offset_to=offset,
                start=datetime(first_year, 1, 1),
            ),
        )
    return tuple(found)


def vtimezone(tzid: str) -> Timezone:
    """The VTIMEZONE component for TZID, in the RRULE form."""
    zone = Timezone()
    zone.add("TZID", tzid)
    zone.add("X-LIC-LOCATION", tzid)
    for observance in observances(tzid):
        component = TimezoneDaylight() if observance.daylight else TimezoneStandard()
        if observance.name:
            component.add("TZNAME", observance.name)
        component.add("TZOFFSETFROM", observance.offset_from)
        component.add("TZOFFSETTO", observance.offset_to)
        component.add("DTSTART", observance.start)
        if observance.month is not None:
            rule: dict[str, object] = {"FREQ": "YEARLY", "BYMONTH": observance.month, "BYDAY": observance.byday}
            if observance.until is not None:
                rule["UNTIL"] = observance.until
            component.add("RRULE", rule)
        zone.add_component(component)
    return zone
