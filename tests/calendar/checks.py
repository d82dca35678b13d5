"""Checks every calendar body must pass, and the UTC instants that independent parsers compute from it."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime

from icalendar import Calendar


def check_ical(body: bytes) -> Calendar:
    """CRLF line ends, folded at 75 octets without splitting a character, no parse errors, every TZID defined."""
    assert body.endswith(b"\r\n")
    lines = body[:-2].split(b"\r\n")
    for line in lines:
        assert b"\n" not in line and b"\r" not in line, line
        assert len(line) <= 75, (len(line), line)
        line.decode("utf-8")  # a folded line never ends or starts inside a UTF-8 character
    calendar = Calendar.from_ical(body)
    for component in calendar.walk():
        assert component.errors == [], (component.name, component.errors)
    assert calendar.get_missing_tzids() == set()
    return calendar


def instants_icalendar(body: bytes) -> dict[str, tuple[datetime, datetime]]:
    calendar = Calendar.from_ical(body)
    return {
        str(e["UID"]): (e.decoded("DTSTART").astimezone(UTC), e.decoded("DTEND").astimezone(UTC))
        for e in calendar.walk("VEVENT")
    }


def instants_vobject(body: bytes) -> dict[str, tuple[datetime, datetime]]:
    """vobject builds the time zone from the feed's own VTIMEZONE (not from the system's zoneinfo)."""
    import vobject

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        calendar = vobject.readOne(body.decode("utf-8"))
    result = {}
    for event in calendar.vevent_list:
        start = event.dtstart.value
        assert type(start.tzinfo).__name__ == "_tzicalvtz", start.tzinfo  # built from our VTIMEZONE
        result[event.uid.value] = (start.astimezone(UTC), event.dtend.value.astimezone(UTC))
    return result


def instants_ics(body: bytes) -> dict[str, tuple[datetime, datetime]]:
    import ics

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        calendar = ics.Calendar(body.decode("utf-8"))
    return {event.uid: (event.begin.to("utc").datetime, event.end.to("utc").datetime) for event in calendar.events}


def instants_all_parsers(body: bytes) -> dict[str, tuple[datetime, datetime]]:
    """The instants, after checking that icalendar, vobject and ics agree on every one of them."""
    ours, theirs, third = instants_icalendar(body), instants_vobject(body), instants_ics(body)
    assert ours == theirs == third
    return ours


def vevents(body: bytes) -> dict[str, object]:
    """The VEVENTs of a body by UID."""
    return {str(e["UID"]): e for e in Calendar.from_ical(body).walk("VEVENT")}
