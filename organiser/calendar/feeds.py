"""Calendar feeds: what each feed holds, and the validators behind fast 304 answers.

The iCalendar itself is written by organiser/invitations/ical.py (the invitations domain sends it in mails too,
and sits below calendar); a feed is made of entries stored once per event version (fragments.py). Validators
come from the database's calendar version counter (models.CalendarVersion) and the feed's number of events
(public) or the person's invitation rows (personal), without reading what the feed shows. Functions flush,
never commit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from urllib.parse import urlencode

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import DateTime, Row, Select, String, bindparam, func, type_coerce

from ..events.models import FORMATS, Event, EventStatus, Format
from ..extensions import db, utcnow
from ..invitations import ical
from ..invitations.links import rsvp_tokens_of, rsvp_url_parts
from ..invitations.models import Invitation, InvitationState
from ..places.models import Neighbourhood
from ..pool import read_alone
from . import fragments
from .fragments import PlannedEntry, digest, output_version, version_column
from .links import base_url
from .validators import FeedValidator, known_public, settled_validator

#: Answers whose events are in the personal feed: not the declined ones, not the ones never sent.
PERSONAL_FEED_STATES: Final = (
    InvitationState.INVITED,
    InvitationState.YES,
    InvitationState.MAYBE,
    InvitationState.WAITING,
)


class UnknownFilter(LookupError):
    """A public feed asked for a format or neighbourhood that does not exist."""


@dataclass(frozen=True)
class PublicFilter:
    """The public feed's filters, checked: the format and neighbourhood, or None for all."""

    format: Format | None = None
    neighbourhood: Neighbourhood | None = None

    @property
    def format_code(self) -> str | None:
        return self.format.code if self.format else None

    @property
    def wijk(self) -> str | None:
        return self.neighbourhood.slug if self.neighbourhood else None


class RenderedFeeds:
    """Recently rendered feed bodies by ETag, in this process only: an optimisation nothing depends on.

    The ETag is computed from everything a body is made of, so a body is served from here only while a
    client holding that ETag would be answered 304 anyway. Most clients (Google, Outlook on the web) fetch
    the whole body every time; for them an unchanged feed then costs one narrow query instead of a render.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get_or_render(self, etag: str, render: Callable[[], bytes]) -> bytes:
        with self._lock:
            body = self._bodies.get(etag)
            if body is not None:
                self._bodies.move_to_end(etag)
                return body
        body = render()
        if len(body) <= self.max_bytes:
            with self._lock:
                if etag not in self._bodies:
                    self._bodies[etag] = body
                    self._size += len(body)
                while self._size > self.max_bytes:
                    _old, dropped = self._bodies.popitem(last=False)
                    self._size -= len(dropped)
        return body


def feed_body(validator: FeedValidator, render: Callable[[], bytes]) -> bytes:
    """The feed's body: rendered, or the same bytes rendered earlier in this process for this ETag."""
    cache = current_app.extensions.get("calendar_feeds")
    if cache is None:
        cache = current_app.extensions.setdefault(
            "calendar_feeds", RenderedFeeds(int(current_app.config["FEED_CACHE_BYTES"]))
        )
    return cache.get_or_render(validator.etag, render)


# --- URLs ------------------------------------------------------------------------------------------------------


def public_feed_url(feed_filter: PublicFilter) -> str:
    """The address of the public feed with its filters."""
    query = {k: v for k, v in (("format", feed_filter.format_code), ("wijk", feed_filter.wijk)) if v}
    return f"{base_url()}/calendar/public.ics" + (f"?{urlencode(query)}" if query else "")


# --- What is in the feeds --------------------------------------------------------------------------------------


def feed_window_start(now: datetime | None = None) -> datetime:
    """Events that ended before this moment leave the feeds (a window of past events stays)."""
    return (now or utcnow()) - timedelta(days=int(current_app.config["FEED_PAST_DAYS"]))


def public_filter(format_code: str | None, wijk: str | None) -> PublicFilter:
    """Check the public feed's filters; raises UnknownFilter for a format or neighbourhood that does not exist."""
    info = None
    if format_code:
        info = FORMATS.get(format_code)
        if info is None:
            raise UnknownFilter(format_code)
    hood = None
    if wijk:
        hood = db.session.scalar(db.select(Neighbourhood).where(Neighbourhood.slug == wijk))
        if hood is None:
            raise UnknownFilter(wijk)
    return PublicFilter(info, hood)


def _public_query(feed_filter: PublicFilter, now: datetime | None) -> Select:
    # Published events, and cancelled ones that had been published (they stay as STATUS:CANCELLED).
    query = (
        db.select(Event)
        .where(Event.status.in_([EventStatus.PUBLISHED, EventStatus.CANCELLED]))
        .where(Event.published_at.is_not(None))
        .where(Event.ends_at >= feed_window_start(now))
    )
    if feed_filter.format is not None:
        query = query.where(Event.format == feed_filter.format.code)
    if feed_filter.neighbourhood is not None:
        query = query.where(Event.neighbourhood_id == feed_filter.neighbourhood.id)
    return query


def public_feed_events(feed_filter: PublicFilter, now: datetime | None = None) -> list[Event]:
    """The events of a public feed, in time order: recent past ones and all future ones."""
    return list(db.session.scalars(_public_query(feed_filter, now).order_by(Event.starts_at, Event.id)))


def public_feed_name(feed_filter: PublicFilter) -> str:
    """The calendar's name in the client: says which filters it has."""
    parts = []
    if feed_filter.format is not None:
        parts.append(str(feed_filter.format.label))
    if feed_filter.neighbourhood is not None:
        parts.append(feed_filter.neighbourhood.name)
    if not parts:
        return _("Agenda organiser")
    return _("Agenda organiser: %(filters)s", filters=" · ".join(parts))


def public_feed_validator(feed_filter: PublicFilter, now: datetime | None = None) -> FeedValidator:
    """ETag and Last-Modified of a public feed, before rendering: the stored ones while the calendar version
    stands still and no event left the window since (one statement, validators.py), else from one aggregate query.

    The ETag is the calendar version with the number of events in the feed: while the version stands still,
    nothing shown changes and events only leave the feed (its window moves on), so the number tells apart
    every body the feed can have. The same on every app server (both come from the database)."""
    now = now or utcnow()
    key = f"public:{feed_filter.format_code or ''}:{feed_filter.wijk or ''}"
    wijk_name = feed_filter.neighbourhood.name if feed_filter.neighbourhood else None
    settings = [output_version(), base_url(), time_zone(), _feed_locale(), _past_days(), wijk_name]
    known = known_public(key, settings, now)
    if known.validator is not None:
        return known.validator
    count, _newest, version, first_end = db.session.execute(
        _public_query(feed_filter, now).with_only_columns(
            func.count(), func.max(Event.updated_at), version_column(), func.min(Event.ends_at)
        )
    ).one()
    etag = digest(
        [output_version(), "public", base_url(), time_zone(), _feed_locale(), _past_days(), feed_filter.format_code]
        + [feed_filter.wijk, wijk_name, version or 0, count]
    )
    return settled_validator(key, etag, known.inputs, _window_passes(first_end))


def _window_passes(first_end: datetime | None) -> datetime | None:
    """When the event that ends first leaves the feeds' window of past events (None: no event, nothing leaves)."""
    return first_end + timedelta(days=_past_days()) if first_end is not None else None


def render_public_feed(feed_filter: PublicFilter, now: datetime | None = None) -> bytes:
    """The public feed: published events only, no one's name, address or answer."""
    locale = _feed_locale()
    with force_locale(locale):
        return fragments.public_feed(
            ical.feed_header(name=public_feed_name(feed_filter), tzid=time_zone()),
            _public_query(feed_filter, now),
            base_url=base_url(),
            tzid=time_zone(),
            locale=locale,
        )


def time_zone() -> str:
    """The TIMEZONE setting: feeds give their times in it (with its VTIMEZONE)."""
    return current_app.config["TIMEZONE"]


def _past_days() -> int:
    return int(current_app.config["FEED_PAST_DAYS"])


def _feed_locale() -> str:
    # Feeds are fetched without a session: the default language, so that the body never depends on a cookie.
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def personal_settings() -> list[object]:
    """What a personal feed's ETag depends on besides the person's rows: the code, addresses, zone and window."""
    return [output_version(), base_url(), time_zone(), _past_days()]


#: The person's invitations in the window (made once, run with the person's id and the window's start): narrow
#: columns, no ORM objects. The validator reads what the ETag covers, the entries what a feed shows of each.
_IN_WINDOW: Final = (
    db.select(Invitation.state)
    .join(Event, Event.id == Invitation.event_id)
    .where(Invitation.person_id == bindparam("person_id"))
    .where(Event.ends_at >= bindparam("window_start", type_=Event.ends_at.type))
)
#: Both are unpacked by position where they are read, in the order of their columns here.
_PERSONAL_ROWS: Final = _IN_WINDOW.add_columns(
    Event.id,
    Event.updated_at,
    Event.feed_version,
    Event.ends_at,
    Invitation.sent_at,
    Invitation.answered_at,
    Invitation.waiting_since,
    Invitation.token_nonce,
).order_by(Event.id)
#: The entries' rows come as the database gives them: the state as text (InvitationState is a StrEnum, so it finds
#: the same dictionary entries) and the moments naive in UTC, made aware once per row (the latest of them). The
#: column types' conversions per value (enum, aware datetime) cost more than the query itself: 50 rows on
#: PostgreSQL 0.9 ms read with them, 0.66 ms without.
_PERSONAL_ENTRIES: Final = (
    _IN_WINDOW.with_only_columns(
        type_coerce(Invitation.state, String()).label("state"),
        Event.id,
        Event.feed_version,
        Event.published_at.is_not(None).label("published"),
        type_coerce(Invitation.sent_at, DateTime()).label("sent_at"),
        type_coerce(Invitation.answered_at, DateTime()).label("answered_at"),
        type_coerce(Invitation.waiting_since, DateTime()).label("waiting_since"),
        Invitation.token_nonce,
        Invitation.token_hash,
    )
    .where(Invitation.state.in_(PERSONAL_FEED_STATES))
    .order_by(Event.starts_at, Event.id)
)


def _personal_rows(query: Select, person_id: int, now: datetime | None) -> Sequence[Row[*tuple[Any, ...]]]:
    return read_alone(query, {"person_id": person_id, "window_start": feed_window_start(now)})


def answer_lines() -> dict[InvitationState, str]:
    """The person's answer, as the personal feed tells it (in the current language)."""
    return {
        InvitationState.YES: _("Uw antwoord: ja, u komt."),
        InvitationState.MAYBE: _("Uw antwoord: misschien."),
        InvitationState.INVITED: _("U heeft nog niet geantwoord."),
        InvitationState.WAITING: _("U staat op de wachtlijst. U krijgt bericht zodra er een plaats vrijkomt."),
    }


def personal_feed_entries(person_id: int, now: datetime | None = None) -> list[PlannedEntry]:
    """The entries of a personal feed, in time order: sent, not declined, within the window; private, with the
    person's answer, no other guests (one narrow query: the VEVENTs themselves are stored, see fragments.py)."""
    return planned_personal_entries(_personal_rows(_PERSONAL_ENTRIES, person_id, now))


def planned_personal_entries(rows: Sequence[Sequence[Any]]) -> list[PlannedEntry]:
    """The PlannedEntry of each row of _PERSONAL_ENTRIES, in their order. Call inside force_locale()."""
    url = base_url()
    entries = []
    # Translated once per feed, not per entry.
    answers = answer_lines()
    answer_here = _("Uw antwoord geven of wijzigen: %(url)s")
    answer_in_mail = _("Uw antwoord geven of wijzigen: gebruik de link in uw uitnodigingsmail.")
    # The personal RSVP link (derived again from the invitation's token nonce) is the one to answer with, stored
    # with a stand-in for its token (fragments.STAND_IN), so the same text for every entry; without one
    # (withdrawn), the public event page when there is one.
    before, after = rsvp_url_parts()
    personal = f"{before}{fragments.STAND_IN}{after}"
    answer_with_link = answer_here % {"url": personal}
    rsvp_token_of = rsvp_tokens_of()
    # Unpacked, not row.name: a Row's attribute costs ten times an unpacked value, and this runs per entry.
    for state, event_id, version, published, *answer_moments, nonce, token_hash in rows:
        token = rsvp_token_of(nonce, token_hash)
        link = personal if token else (f"{url}/events/{event_id}" if published else None)  # ical.event_page_url
        latest = max(filter(None, answer_moments), default=None)  # naive UTC (_PERSONAL_ENTRIES)
        entries.append(
            PlannedEntry(
                event_id,
                version,
                link,
                entry_status=ical.PERSONAL_STATUS[state],
                private=True,
                extra_lines=(answers[state], answer_with_link if token else answer_in_mail),
                changed_at=latest.replace(tzinfo=UTC) if latest is not None else None,
                secret=token,
            )
        )
    return entries


def personal_feed_validator(
    person_id: int, locale: str | None, now: datetime | None = None, inputs: str | None = None
) -> FeedValidator:
    """ETag and Last-Modified of a personal feed from one narrow query (the person's answers and the events'
    feed_version, which covers everything shown of them), before rendering; kept with `inputs` (the counters read
    before, validators.Known) until the first of its events leaves the window."""
    shown, ends = [], []
    # Unpacked in _PERSONAL_ROWS's order (a Row's attribute costs ten times an unpacked value).
    for state, event_id, updated_at, version, ends_at, sent_at, answered_at, waiting_since, nonce in _personal_rows(
        _PERSONAL_ROWS, person_id, now
    ):
        if state in PERSONAL_FEED_STATES:
            shown.append(
                f"{event_id}:{version}:{updated_at.isoformat()}:{state}:{sent_at}:{answered_at}:{waiting_since}:{nonce}"
            )
            ends.append(ends_at)
    etag = digest([output_version(), "personal", base_url(), time_zone(), person_id, locale, _past_days(), *shown])
    first_end = min(ends, default=None)
    return settled_validator(f"personal:{person_id}", etag, inputs, _window_passes(first_end))


def render_personal_feed(person_id: int, locale: str | None, now: datetime | None = None) -> bytes:
    """The personal feed, in the person's language (`locale`, None: the default one)."""
    locale = locale or _feed_locale()
    with force_locale(locale):
        return fragments.feed_of_rows(
            ical.feed_header(name=_("Mijn uitnodigingen (organiser)"), tzid=time_zone()),
            _personal_rows(_PERSONAL_ENTRIES, person_id, now),
            planned_personal_entries,
            base_url=base_url(),
            tzid=time_zone(),
            locale=locale,
        )


def event_validator(event: Event) -> FeedValidator:
    """ETag and Last-Modified of a one-event download."""
    etag = digest(
        [
            output_version(),
            "event",
            base_url(),
            time_zone(),
            _feed_locale(),
            event.id,
            event.feed_version,
            event.updated_at.isoformat(),
        ]
    )
    return settled_validator(f"event:{event.id}", etag)


def render_event(event: Event) -> bytes:
    """One event as an .ics file to add to a calendar."""
    with force_locale(_feed_locale()):
        return ical.event_to_ical(event, base_url=base_url(), tzid=time_zone())
