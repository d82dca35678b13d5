"""Feeds made of stored entries: each event's VEVENT is written once per version of what it shows, kept in the
database under the digest of that (content-addressed, so shared by every feed and app server that shows it),
and a feed is its header, the stored entries in order and its last line.

An entry's key covers everything its VEVENT is made of: the event's id, `updated_at` (raised by every change to
the event or its stops, events.services.touch), status and SEQUENCE, the names of the initiatives it names
(renaming one changes no event row), what the feed adds (link, status, answer lines, answer time), the base URL,
the language, and the output version (the code that writes iCalendar and the translation catalogues). The bytes
are those feed_to_ical() writes, so a feed made here is byte-identical to one rendered whole.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, union
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from ..config import ROOT
from ..events.models import Event, Initiative, Stop, event_host
from ..extensions import db, utcnow
from ..invitations import ical
from .models import CalendarFragment, CalendarVersion

#: Raise when the feed output changes for the same data and neither ical.py nor a catalogue changed.
FEED_OUTPUT_VERSION = "2"


@dataclass(frozen=True)
class PlannedEntry:
    """One entry of a feed before its VEVENT is looked up: the event row's version and what the feed adds."""

    event_id: int
    updated_at: datetime
    status: str
    sequence: int
    link: str | None
    entry_status: str | None = None
    private: bool = False
    extra_lines: Sequence[str] = field(default_factory=tuple)
    changed_at: datetime | None = None


def digest(parts: Iterable[object]) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(str(part).encode("utf-8"))
        hasher.update(b"\x1f")
    return hasher.hexdigest()[:40]


def output_version() -> str:
    """FEED_OUTPUT_VERSION, the code that writes iCalendar and the translation catalogues: a release that changes
    any of them changes every entry key and ETag, the same on every server running it."""
    cached = current_app.extensions.get("calendar_output_version")
    if cached is None:
        sources = [ROOT / "organiser" / "invitations" / "ical.py", ROOT / "organiser" / "calendar" / "fragments.py"]
        sources += sorted((ROOT / "translations").glob("*/LC_MESSAGES/messages.po"))
        cached = digest([FEED_OUTPUT_VERSION, *(hashlib.sha256(p.read_bytes()).hexdigest() for p in sources)])
        current_app.extensions["calendar_output_version"] = cached
    return cached


def calendar_version() -> int:
    """The counter the database raises with every change to what a feed shows (see models.CalendarVersion)."""
    return db.session.scalar(db.select(CalendarVersion.version).where(CalendarVersion.id == 1)) or 0


def initiative_names(event_ids: Select) -> dict[int, tuple[str, ...]]:
    """The initiatives each event names (hosts, and those at its stops), as sorted 'id:name' strings."""
    hosts = (
        db.select(event_host.c.event_id, Initiative.id, Initiative.name)
        .join(Initiative, Initiative.id == event_host.c.initiative_id)
        .where(event_host.c.event_id.in_(event_ids))
    )
    stops = (
        db.select(Stop.event_id, Initiative.id, Initiative.name)
        .join(Initiative, Initiative.id == Stop.initiative_id)
        .where(Stop.event_id.in_(event_ids))
    )
    names: dict[int, list[str]] = {}
    for event_id, initiative_id, name in db.session.execute(union(hosts, stops)):
        names.setdefault(event_id, []).append(f"{initiative_id}:{name}")
    return {event_id: tuple(sorted(found)) for event_id, found in names.items()}


def entry_key(prefix: str, entry: PlannedEntry, names: tuple[str, ...]) -> str:
    return hashlib.sha256(
        "\x1f".join(
            [
                prefix,
                str(entry.event_id),
                entry.updated_at.isoformat(),
                str(entry.status),
                str(entry.sequence),
                "\x1e".join(names),
                entry.link or "",
                entry.entry_status or "",
                "1" if entry.private else "0",
                "\x1e".join(entry.extra_lines),
                entry.changed_at.isoformat() if entry.changed_at else "",
            ]
        ).encode("utf-8")
    ).hexdigest()


def assemble(header: bytes, planned: list[PlannedEntry], event_ids: Select, *, base_url: str, locale: str) -> bytes:
    """The feed: header, each entry's stored VEVENT (made now where missing) in the given order, last line.

    Call inside force_locale(locale): a missing entry is written in the current language."""
    seen: set[int] = set()
    unique = []
    for entry in planned:
        if entry.event_id not in seen:  # two VEVENTs with one UID confuse every client
            seen.add(entry.event_id)
            unique.append(entry)
    names = initiative_names(event_ids) if unique else {}
    prefix = f"{output_version()}\x1f{base_url}\x1f{locale}"
    keys = [entry_key(prefix, entry, names.get(entry.event_id, ())) for entry in unique]
    bodies = stored(keys)
    missing = [(key, entry) for key, entry in zip(keys, unique, strict=True) if key not in bodies]
    if missing:
        made = make(missing, base_url)
        store(made)
        bodies.update(made)
    return b"".join([header, "".join(bodies[key] for key in keys).encode("utf-8"), ical.FEED_END])


def stored(keys: list[str]) -> dict[str, str]:
    """The stored entries among `keys` (in chunks: SQLite takes at most 32,766 parameters)."""
    found: dict[str, str] = {}
    for start in range(0, len(keys), 5000):
        chunk = keys[start : start + 5000]
        found.update(
            db.session.execute(
                db.select(CalendarFragment.key, CalendarFragment.body).where(CalendarFragment.key.in_(chunk))
            ).all()
        )
    return found


def make(missing: list[tuple[str, PlannedEntry]], base_url: str) -> dict[str, str]:
    """Write the VEVENTs of entries not stored yet (their events loaded with hosts and stops)."""
    ids = {entry.event_id for _key, entry in missing}
    events = {
        event.id: event
        for event in db.session.scalars(
            db.select(Event)
            .where(Event.id.in_(ids))
            .options(selectinload(Event.hosts), selectinload(Event.stops).selectinload(Stop.initiative))
        )
    }
    made = {}
    for key, entry in missing:
        feed_entry = ical.FeedEntry(
            events[entry.event_id],
            entry.link,
            status=entry.entry_status,
            private=entry.private,
            extra_lines=tuple(entry.extra_lines),
            changed_at=entry.changed_at,
        )
        made[key] = ical.entry_to_ical(feed_entry, base_url=base_url).decode("utf-8")
    return made


def store(made: dict[str, str]) -> None:
    """Keep new entries; another server may have stored the same key meanwhile (same bytes): nothing to do then.
    Flushes in the caller's transaction (the feed view commits)."""
    if not made:
        return
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    now = utcnow()
    statement = insert(CalendarFragment).on_conflict_do_nothing(index_elements=[CalendarFragment.key])
    db.session.execute(statement, [{"key": key, "body": body, "created_at": now} for key, body in made.items()])


def prune(older_than: timedelta) -> int:
    """Delete entries made longer ago than `older_than` (flushes): a feed that still shows one makes it again."""
    result = db.session.execute(db.delete(CalendarFragment).where(CalendarFragment.created_at < utcnow() - older_than))
    return result.rowcount
