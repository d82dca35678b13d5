"""Validators of the calendar feeds (ETag, Last-Modified), kept in feed_state so that a conditional request is
answered from one row.

A feed's ETag is computed from what it shows (feeds.py). The row of the feed in feed_state also keeps the digest of
the counters it was computed for (`inputs`: the calendar_version counter, for a personal feed the person's
personal_feed_version counter and language, and the settings and code that write the feed) and the moment its
first event leaves the window of past events (`valid_until`). Both counters are raised by database triggers in
the transaction of every change to what a feed shows (migrations 0011 and 0028), so while they stand still and
the window has not passed an event, the stored ETag is the one a computation would give: the request is answered
from that row, on every app server alike. Otherwise the ETag is computed again and stored with the counters read
*before* it (a change committed in between leaves the stored counters behind the current ones, so the next
request computes again: never a stale ETag). On PostgreSQL each app server keeps the row it read while the
database tells of no change (told.py): the 304 of an unchanged feed then needs no statement at all, and a change
reaches it with its notification. Functions flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, bindparam, cast, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db, utcnow
from ..people.models import Person
from ..pool import read_alone
from ..tokens import hash_token, looks_like_token
from . import told
from .fragments import digest
from .links import REVOKED, Revoked
from .models import CalendarVersion, FeedState, FeedToken, PersonalFeedVersion


@dataclass(frozen=True)
class FeedValidator:
    """What a conditional request is compared against, computed without rendering the feed."""

    etag: str
    last_modified: datetime | None


@dataclass(frozen=True)
class Known:
    """A feed's stored validator and the counters it was computed for, read in one statement."""

    #: The digest of the counters, settings and code now (compare with the stored `inputs`).
    inputs: str
    #: The stored validator when it still holds, else None (compute the ETag, then `settled_validator`).
    validator: FeedValidator | None


@dataclass(frozen=True)
class PersonalFeed:
    """The person a working feed token belongs to, with what is known of their feed's validator."""

    person_id: int
    locale: str | None
    known: Known


def _still_holds(inputs: str, row, now: datetime) -> FeedValidator | None:
    if row.etag is None or row.inputs != inputs or (row.valid_until is not None and now >= row.valid_until):
        return None
    return FeedValidator(row.etag, row.changed_at)


_PERSONAL = (
    select(
        FeedToken.revoked_at,
        Person.id,
        Person.deleted_at,
        Person.locale,
        PersonalFeedVersion.version.label("person_version"),
        select(CalendarVersion.version).where(CalendarVersion.id == 1).scalar_subquery().label("calendar_version"),
        FeedState.etag,
        FeedState.changed_at,
        FeedState.inputs,
        FeedState.valid_until,
    )
    .select_from(FeedToken)
    .join(Person, Person.id == FeedToken.person_id)
    .outerjoin(PersonalFeedVersion, PersonalFeedVersion.person_id == Person.id)
    .outerjoin(FeedState, FeedState.key == literal("personal:") + cast(Person.id, String))
    .where(FeedToken.token_hash == bindparam("token_hash"))
)


def find_personal_feed(token: str, settings: list[object], now: datetime) -> PersonalFeed | Revoked | None:
    """The person of a feed token and their feed's stored validator, in one statement by the token's hash (known
    and unknown tokens cost the same lookup under a unique index); REVOKED once replaced (or the person deleted),
    None when unknown. `settings`: what else the ETag depends on (code, base URL, time zone, window)."""
    if not looks_like_token(token):
        return None
    token_hash = hash_token(token)
    found = _kept_or_read(
        "personal:" + token_hash,
        _PERSONAL,
        {"token_hash": token_hash},
        lambda row: digest(
            [*settings, "personal", row.id, row.locale, row.person_version or 0, row.calendar_version or 0]
        ),
        now,
        keep_if=lambda row: not _revoked(row),
    )
    if found is None:
        return None
    row, known = found
    if _revoked(row):
        return REVOKED
    return PersonalFeed(row.id, row.locale, known)


def _revoked(row) -> bool:
    """A feed token replaced since, or its person deleted."""
    return row.revoked_at is not None or row.deleted_at is not None


def _kept_or_read(key: str, statement, parameters: dict, inputs_of, now: datetime, keep_if=lambda _row: True):
    """(row, Known) of a feed's validator row, or None when there is none: the row this process keeps while its
    validator holds and PostgreSQL told of no change (told.py), else the row read in one statement (kept then if
    its validator holds and `keep_if(row)`). `inputs_of(row)`: the digest of the counters, settings and code."""

    def known(row) -> Known:
        inputs = inputs_of(row)
        return Known(inputs, _still_holds(inputs, row, now))

    kept = told.for_app()
    row = kept.get(key) if kept is not None else None
    if row is not None and (found := known(row)).validator is not None:
        return row, found
    generation = kept.generation() if kept is not None else None
    row = next(iter(read_alone(statement, parameters)), None)
    if row is None:
        return None
    found = known(row)
    if found.validator is not None and kept is not None and keep_if(row):
        kept.keep(key, generation, row)
    return row, found


_PUBLIC = (
    select(
        CalendarVersion.version.label("calendar_version"),
        FeedState.etag,
        FeedState.changed_at,
        FeedState.inputs,
        FeedState.valid_until,
    )
    .select_from(CalendarVersion)
    .outerjoin(FeedState, FeedState.key == bindparam("key"))
    .where(CalendarVersion.id == 1)
)


def known_public(key: str, settings: list[object], now: datetime) -> Known:
    """The stored validator of public feed `key`, if it still holds (one statement, or none while this process
    keeps it: told.py)."""
    found = _kept_or_read(key, _PUBLIC, {"key": key}, lambda row: digest([*settings, key, row.calendar_version]), now)
    return found[1] if found is not None else Known(digest([*settings, key, 0]), None)


def settled_validator(
    key: str, etag: str, inputs: str | None = None, valid_until: datetime | None = None
) -> FeedValidator:
    """The validators of feed `key` whose content now has ETag `etag`, computed for `inputs` (Known.inputs) and
    holding until `valid_until` (None: until a counter moves).

    Last-Modified is the moment the feed got that ETag, kept in feed_state: the same on every app server, and
    never earlier than before (a new ETag moves it to now, or a second past the previous one). It cannot come
    from the rows a feed shows: when the newest of them leaves the feed (another format or wijk, the window of
    past events), their latest change goes back, and renaming an initiative changes no event's updated_at; a
    client sending only If-Modified-Since then kept a stale feed. Flushes when something changed (the view
    commits).
    """
    stored = db.session.execute(
        db.select(FeedState.etag, FeedState.changed_at, FeedState.inputs, FeedState.valid_until).where(
            FeedState.key == key
        )
    ).first()
    if stored is not None and stored.etag == etag:
        if (stored.inputs, stored.valid_until) != (inputs, valid_until):
            db.session.execute(
                db.update(FeedState)
                .where(FeedState.key == key, FeedState.etag == etag)
                .values(inputs=inputs, valid_until=valid_until)
            )
        return FeedValidator(etag, stored.changed_at)
    now = utcnow()
    changed_at = max(now, stored.changed_at + timedelta(seconds=1)) if stored is not None else now
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(FeedState).values(
        key=key, etag=etag, changed_at=changed_at, inputs=inputs, valid_until=valid_until
    )
    statement = statement.on_conflict_do_update(
        index_elements=[FeedState.key],
        set_={
            "etag": statement.excluded.etag,
            "changed_at": statement.excluded.changed_at,
            "inputs": statement.excluded.inputs,
            "valid_until": statement.excluded.valid_until,
        },
        # Another server may have moved it further in the meantime: never back.
        where=FeedState.changed_at < statement.excluded.changed_at,
    )
    db.session.execute(statement)
    now_stored = db.session.execute(db.select(FeedState.etag, FeedState.changed_at).where(FeedState.key == key)).first()
    if now_stored is not None and now_stored.etag == etag:
        changed_at = now_stored.changed_at
    return FeedValidator(etag, changed_at)
