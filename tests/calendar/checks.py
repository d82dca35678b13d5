"""Checks every calendar body must pass, and the UTC instants that independent parsers compute from it."""

from __future__ import annotations

import json
import shutil
import subprocess
import warnings
from datetime import UTC, datetime
from pathlib import Path

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
        # Built from our VTIMEZONE, or UTC (a time in the hour that happens twice is written in UTC).
        assert type(start.tzinfo).__name__ in ("_tzicalvtz", "tzutc"), start.tzinfo
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


#: The JavaScript parsers' project (package.json and package-lock.json): Thunderbird's ical.js and node-ical.
NODE_PARSERS = Path(__file__).parent / "node"


def node_parsers() -> Path:
    """The directory of the JavaScript parsers, installed from the lock file (`npm ci`) the first time.

    Calls skip_or_fail when Node.js or npm is missing or the packages cannot be installed.
    """
    from tests.conftest import skip_or_fail

    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        skip_or_fail("the JavaScript calendar parsers need Node.js and npm (apt-get install nodejs npm)")
    installed = NODE_PARSERS / "node_modules" / ".package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < (NODE_PARSERS / "package-lock.json").stat().st_mtime:
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--silent"],
            cwd=NODE_PARSERS,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode != 0:
            skip_or_fail(f"npm ci in {NODE_PARSERS} failed: {result.stderr.strip()[-500:]}")
    return NODE_PARSERS


def instants_javascript(body: bytes) -> dict[str, dict[str, tuple[datetime, datetime]]]:
    """The instants ical.js and node-ical compute, per parser."""
    result = subprocess.run(
        [shutil.which("node") or "node", "instants.mjs"],
        cwd=node_parsers(),
        input=body,
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()
    return {
        parser: {
            uid: tuple(datetime.fromisoformat(moment.replace("Z", "+00:00")) for moment in pair)
            for uid, pair in events.items()
        }
        for parser, events in json.loads(result.stdout).items()
    }


def instants_every_parser(body: bytes) -> dict[str, tuple[datetime, datetime]]:
    """The instants, after checking that the Python parsers and ical.js and node-ical agree on every one."""
    ours = instants_all_parsers(body)
    for parser, theirs in instants_javascript(body).items():
        differ = {
            uid: (ours.get(uid), theirs.get(uid))
            for uid in ours.keys() | theirs.keys()
            if ours.get(uid) != theirs.get(uid)
        }
        assert not differ, f"{parser} reads other instants: {differ}"
    return ours
