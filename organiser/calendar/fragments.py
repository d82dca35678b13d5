"""Feeds made of stored entries: each event's VEVENT is written once per version of what it shows and kept in the
database (shared by every feed and app server), and a feed is its header, the stored entries in order and its
last line.

An entry is found by (event, feed_version, variant). The database raises event.feed_version with every change to
what a calendar shows of the event (its columns but the seat counter, stops, hosts, the names of those
initiatives: triggers of migration 0011), and the variant is the digest of how the feed shows it: link, status,
answer lines, answer time, base URL, time zone, language, and the output version (the code that writes iCalendar and the
translation catalogues). The bytes are those feed_to_ical() writes, so a feed made here is byte-identical to
one rendered whole.

A personal link (the capability to answer, read and withdraw) is never stored: an entry is written with STAND_IN
where the link's token goes, and the token is put in when the feed is served (`with_secret`). RFC 5545 §3.1 folds
lines by octets and STAND_IN has one ASCII octet per character of the token, so the folds fall where the token's
own would: the bytes served are those written with the token itself. The stand-in character is a control
character, which no stored text can hold (organiser/forms.py refuses them), so nothing else is taken for it.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple, TypeVar

from flask import current_app
from sqlalchemy import Select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from ..config import ROOT
from ..events.models import Event, Stop
from ..extensions import db, rows_matched, utcnow
from ..invitations import ical
from ..invitations.links import TOKEN_LENGTH
from .models import CalendarFragment, CalendarVersion, FeedState

#: Raise when the feed output changes for the same data and neither ical.py nor a catalogue changed.
FEED_OUTPUT_VERSION = "2"

#: What stands for a personal link's token in a stored entry (see the module docstring; issue 15).
STAND_IN_CHARACTER = "\x01"
STAND_IN = STAND_IN_CHARACTER * TOKEN_LENGTH

_STAND_IN_BYTES = STAND_IN.encode("ascii")
_STAND_IN_OCTET = STAND_IN_CHARACTER.encode("ascii")
#: Where a content line is folded (RFC 5545, 3.1).
_FOLD = b"\r\n "

#: (event id, feed_version, variant): what an entry is found by.
Key = tuple[int, int, str]
K = TypeVar("K", bound=Hashable)


class PlannedEntry(NamedTuple):
    """One entry of a feed before its VEVENT is looked up: the event's version and what the feed adds to it."""

    event_id: int
    event_version: int
    link: str | None
    entry_status: str | None = None
    private: bool = False
    extra_lines: tuple[str, ...] = ()
    changed_at: datetime | None = None
    #: The personal link's token, put in for STAND_IN in `link` and `extra_lines` when served (never stored).
    secret: str | None = None


def with_secret(body: bytes, secret: str | None) -> bytes:
    """A stored entry with the personal link's token in place of STAND_IN; `body` itself when `secret` is None.

    A stand-in on one line is replaced whole; one folded over two lines (CRLF and a space between two of its
    octets: RFC 5545 folds every 75 octets, and the token is shorter than a line) gets the token with the fold at
    the same place. Where an entry's stand-ins are is worked out once per entry (`_layout`); filling them is then
    one formatting in C (a feed of 50 entries fills 100 to 150 stand-ins). Any other layout is filled octet by
    octet: every stand-in octet is the next octet of a token, as no stored text holds a control character.
    """
    if secret is None:
        return body
    token = secret.encode("ascii")
    if len(token) != TOKEN_LENGTH:
        raise ValueError("a personal link's token has TOKEN_LENGTH characters")
    layout = _layout(body)
    if layout is None:
        return _filled_octet_by_octet(body, token)
    template, cuts = layout
    return template % tuple(token[cut] for cut in cuts) if cuts else body


@functools.lru_cache(maxsize=2048)
def _layout(body: bytes) -> tuple[bytes, tuple[slice, ...]] | None:
    """`body` as a %-template with a `%s` for each whole stand-in and for each part of a folded one, and the part
    of the token each takes; None for a layout a fold never makes. Cached by the body (an entry's bytes are the
    same object each time it is served from the entry cache, and bytes keep their hash): at most 2,048 entries,
    about 6 MB per process; one not cached costs what filling it octet by octet did."""
    parts: list[bytes] = []
    cuts: list[slice] = []
    done = 0
    while (start := body.find(_STAND_IN_OCTET, done)) != -1:
        parts.append(body[done:start].replace(b"%", b"%%"))
        after = start + TOKEN_LENGTH
        if body.startswith(_STAND_IN_BYTES, start) and body[after : after + 1] != _STAND_IN_OCTET:
            parts.append(b"%s")
            cuts.append(slice(None))
            done = after
            continue
        fold = body.find(_FOLD, start)
        head = fold - start
        rest = fold + len(_FOLD)
        tail = TOKEN_LENGTH - head
        if not (0 < head < TOKEN_LENGTH and body[start:fold] == _STAND_IN_BYTES[:head]) or (
            body[rest : rest + tail] != _STAND_IN_BYTES[:tail] or body[rest + tail : rest + tail + 1] == _STAND_IN_OCTET
        ):
            return None
        parts.append(b"%s" + _FOLD + b"%s")
        cuts += (slice(None, head), slice(head, None))
        done = rest + tail
    parts.append(body[done:].replace(b"%", b"%%"))
    return b"".join(parts), tuple(cuts)


def _filled_octet_by_octet(filled: bytes, token: bytes) -> bytes:
    pieces = filled.split(_STAND_IN_OCTET)
    out = bytearray(pieces[0])
    for index, piece in enumerate(pieces[1:]):
        out.append(token[index % TOKEN_LENGTH])
        out += piece
    return bytes(out)


def digest(parts: Iterable[object]) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(str(part).encode("utf-8"))
        hasher.update(b"\x1f")
    return hasher.hexdigest()[:40]


def output_version() -> str:
    """FEED_OUTPUT_VERSION, the code that writes iCalendar and the translation catalogues: a release that changes
    any of them changes every variant and ETag, the same on every server running it."""
    cached = current_app.extensions.get("calendar_output_version")
    if cached is None:
        code = ROOT / "organiser"
        sources = [
            code / "invitations" / "ical.py",
            code / "invitations" / "vtimezone.py",
            code / "calendar" / "fragments.py",
        ]
        sources += sorted((ROOT / "translations").glob("*/LC_MESSAGES/messages.po"))
        cached = digest([FEED_OUTPUT_VERSION, *(hashlib.sha256(p.read_bytes()).hexdigest() for p in sources)])
        current_app.extensions["calendar_output_version"] = cached
    return cached


def version_column():
    """The counter the database raises with every change to what a feed shows (models.CalendarVersion)."""
    return db.select(CalendarVersion.version).where(CalendarVersion.id == 1).scalar_subquery()


def variant(entry: PlannedEntry, base_url: str, tzid: str, locale: str) -> str:
    """How a feed shows an event: everything in its VEVENT that is not the event's own (see the module docstring)."""
    return variants(base_url, tzid, locale)(entry)


def variants(base_url: str, tzid: str, locale: str) -> Callable[[PlannedEntry], str]:
    """variant() for many entries of one feed: the parts they share hashed once (the same digests)."""
    shared = hashlib.sha256()
    for part in (output_version(), base_url, tzid, locale):
        shared.update(str(part).encode("utf-8"))
        shared.update(b"\x1f")

    def of(entry: PlannedEntry) -> str:
        hasher = shared.copy()
        # One update of the joined parts hashes the same octets as one update per part and separator.
        parts = (
            entry.link or "",
            entry.entry_status or "",
            str(int(entry.private)),
            "\x1e".join(entry.extra_lines),
            entry.changed_at.isoformat() if entry.changed_at else "",
            "",
        )
        hasher.update("\x1f".join(parts).encode("utf-8"))
        return hasher.hexdigest()[:40]

    return of


def public_feed(header: bytes, events: Select, *, base_url: str, tzid: str, locale: str) -> bytes:
    """A public feed of the events `events` selects, in time order, each linking to its page. Call inside
    force_locale(locale)."""
    # Every entry of a public feed has the same variant: the link is the event page (ical.event_page_url).
    shown = variant(PlannedEntry(0, 0, f"{base_url}/events/"), base_url, tzid, locale)
    rows = db.session.execute(
        events.with_only_columns(Event.id, Event.feed_version).order_by(Event.starts_at, Event.id)
    ).all()
    keys = [(event_id, version, shown) for event_id, version in rows]
    bodies = entries(
        keys, lambda key: PlannedEntry(key[0], key[1], f"{base_url}/events/{key[0]}"), base_url=base_url, tzid=tzid
    )
    return b"".join([header, *(bodies[key] for key in keys), ical.FEED_END])


def feed_of_rows(
    header: bytes,
    rows: Sequence[Sequence[Hashable]],
    planned_of: Callable[[list[tuple[Hashable, ...]]], list[PlannedEntry]],
    *,
    base_url: str,
    tzid: str,
    locale: str,
) -> bytes:
    """A feed with one entry per row of its query, in the rows' order; each row one event (the personal feed: one
    invitation per event and person, uq_invitation_event_person). `planned_of(rows)`: the PlannedEntry of each of
    those rows, in their order. Call inside force_locale(locale).

    An entry as served (its personal link filled in) follows from its row with the output version, base URL, time
    zone and language, so it is kept in this process by those (EntryCache, within FEED_ENTRY_CACHE_BYTES): a feed
    made again after a change to one of its events plans, looks up and fills that event's entry only (the row of
    a changed event or answer differs: feed_version, state, answer moments, link nonce). Half of a personal
    feed's render went into planning and filling the 49 entries that had not changed (bench/bench_feeds.py)."""
    context = (output_version(), base_url, tzid, locale)
    keys = [(context, *row) for row in rows]
    cache = entry_cache()
    served = cache.get_many(keys)
    missing = [key for key in keys if key not in served]
    if missing:
        made = dict(zip(missing, filled(planned_of([key[1:] for key in missing]), base_url, tzid, locale), strict=True))
        cache.put_many(made)
        served.update(made)
    return b"".join([header, *(served[key] for key in keys), ical.FEED_END])


def filled(planned: list[PlannedEntry], base_url: str, tzid: str, locale: str) -> list[bytes]:
    """The entries of `planned` as served: looked up or written (entries()), personal links filled in."""
    shown = variants(base_url, tzid, locale)
    keys = [(entry.event_id, entry.event_version, shown(entry)) for entry in planned]
    by_key = dict(zip(keys, planned, strict=True))
    bodies = entries(list(by_key), by_key.__getitem__, base_url=base_url, tzid=tzid)
    return [with_secret(bodies[key], entry.secret) for key, entry in zip(keys, planned, strict=True)]


class EntryCache:
    """Entries recently used by this process (bytes by key: a Key, or a feed row with its context as served,
    feed_of_rows), least recently used dropped first: in front of the database, which every process shares;
    nothing depends on it."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._bodies: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get_many(self, keys: Sequence[K]) -> dict[K, bytes]:
        found: dict[K, bytes] = {}
        with self._lock:
            for key in keys:
                body = self._bodies.get(key)
                if body is not None:
                    self._bodies.move_to_end(key)
                    found[key] = body
        return found

    def put_many(self, bodies: Mapping[K, bytes]) -> None:
        with self._lock:
            for key, body in bodies.items():
                if key not in self._bodies and len(body) <= self.max_bytes:
                    self._bodies[key] = body
                    self._size += len(body)
            while self._size > self.max_bytes:
                _old, dropped = self._bodies.popitem(last=False)
                self._size -= len(dropped)


def entry_cache() -> EntryCache:
    cache = current_app.extensions.get("calendar_entries")
    if cache is None:
        cache = current_app.extensions.setdefault(
            "calendar_entries", EntryCache(int(current_app.config["FEED_ENTRY_CACHE_BYTES"]))
        )
    return cache


def entries(keys: list[Key], planned: Callable[[Key], PlannedEntry], *, base_url: str, tzid: str) -> dict[Key, bytes]:
    """The entries of `keys`: from this process, else from the database, else written now and stored."""
    cache = entry_cache()
    bodies = cache.get_many(keys)
    if len(bodies) < len(keys):
        from_database = stored([key for key in keys if key not in bodies])
        missing = [key for key in keys if key not in bodies and key not in from_database]
        if missing:
            from_database.update(make_and_store([(key[2], planned(key)) for key in missing], base_url, tzid))
        cache.put_many(from_database)
        bodies.update(from_database)
    return bodies


def stored(keys: list[Key]) -> dict[Key, bytes]:
    """The stored entries among `keys`."""
    if not keys:
        return {}
    wanted = set(keys)
    found: dict[Key, bytes] = {}
    ids = sorted({key[0] for key in keys})
    for start in range(0, len(ids), 5000):  # SQLite takes at most 32,766 parameters
        rows = db.session.execute(
            db.select(
                CalendarFragment.event_id,
                CalendarFragment.event_version,
                CalendarFragment.variant,
                CalendarFragment.body,
            ).where(
                CalendarFragment.event_id.in_(ids[start : start + 5000]),
                CalendarFragment.variant.in_({key[2] for key in keys}),
            )
        )
        found.update({(e, v, s): body.encode("utf-8") for e, v, s, body in rows if (e, v, s) in wanted})
    return found


def make_and_store(missing: list[tuple[str, PlannedEntry]], base_url: str, tzid: str) -> dict[Key, bytes]:
    """Write the VEVENTs of entries not stored yet and keep them (flushes; the feed view commits).

    Each is kept under the version of the event it was written from, read now: never older than its content."""
    events = {
        event.id: event
        for event in db.session.scalars(
            db.select(Event)
            .where(Event.id.in_({entry.event_id for _variant, entry in missing}))
            .options(
                selectinload(Event.hosts),
                selectinload(Event.stops).selectinload(Stop.initiative),
                selectinload(Event.series),
            )
        )
    }
    made: dict[Key, bytes] = {}
    rows = []
    for shown, entry in missing:
        event = events[entry.event_id]
        feed_entry = ical.FeedEntry(
            event,
            entry.link,
            status=entry.entry_status,
            private=entry.private,
            extra_lines=entry.extra_lines,
            changed_at=entry.changed_at,
        )
        body = ical.entry_to_ical(feed_entry, base_url=base_url, tzid=tzid).decode("utf-8")
        made[entry.event_id, entry.event_version, shown] = body.encode("utf-8")
        rows.append({"event_id": event.id, "event_version": event.feed_version, "variant": shown, "body": body})
    now = utcnow()
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    # Another server may have stored the same entry meanwhile (the same bytes): nothing to do then.
    db.session.execute(
        insert(CalendarFragment).on_conflict_do_nothing(),
        [
            {**row, "created_at": now}
            for row in {(r["event_id"], r["event_version"], r["variant"]): r for r in rows}.values()
        ],
    )
    return made


def prune(older_than: timedelta) -> int:
    """Delete entries made longer ago than `older_than` (flushes): a feed that still shows one makes it again."""
    result = db.session.execute(db.delete(CalendarFragment).where(CalendarFragment.created_at < utcnow() - older_than))
    return rows_matched(result)


def forget_event(event: Event, **_kwargs) -> None:
    """signals.event_deleting: a deleted draft's stored entries and download state go (SQLite may give its id to a
    new event)."""
    db.session.execute(db.delete(CalendarFragment).where(CalendarFragment.event_id == event.id))
    db.session.execute(db.delete(FeedState).where(FeedState.key == f"event:{event.id}"))
    db.session.flush()
