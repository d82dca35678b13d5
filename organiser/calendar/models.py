"""Personal calendar feed tokens, and what makes feeds cheap: the version counter and the VEVENT fragments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, UTCDateTime, utcnow
from ..people.models import Person


class FeedToken(Model):
    """One personal feed URL; revoked ones are kept so that their URL answers 410 Gone."""

    __tablename__ = "feed_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the token in the feed URL.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()


class CalendarVersion(Model):
    """One counter, raised by database triggers (migration 0011) in the transaction of every change to what a
    feed shows: events (not their seat counter), stops, hosts, and the names of initiatives, neighbourhoods
    and organisers. A public feed's ETag is this counter with the feed's number of events: while the counter
    stands still, events only leave a feed (its window of past events moves on), so the number tells every
    state apart, without reading the feed's rows."""

    __tablename__ = "calendar_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class CalendarFragment(Model):
    """The bytes of one VEVENT as a feed shows one version of an event: made once, shared by every feed and app
    server that shows the event the same way (content-addressed by the event's feed_version, which the database
    raises with every change to what is shown of it, and the variant: the digest of how the feed shows it)."""

    __tablename__ = "calendar_fragment"

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    event_version: Mapped[int] = mapped_column(primary_key=True)
    variant: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    #: When it was made: `flask calendar-fragments-prune` deletes old ones (a feed still showing one makes it again).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class FeedState(Model):
    """When a feed or download last changed, kept in the database so that every app server gives the same
    Last-Modified, and it never goes back (an event leaving a feed, or a renamed initiative, left no newer
    change time among the rows still shown)."""

    __tablename__ = "feed_state"

    #: Which feed: 'public:<format>:<wijk>', 'personal:<person id>' or 'event:<event id>'.
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: The ETag the feed had when it last changed.
    etag: Mapped[str] = mapped_column(String(64))
    #: The moment a server first saw that ETag: Last-Modified.
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The digest of the counters (and settings) the ETag was last computed for (feeds.py, `Validation`): while they
    #: stand still, the ETag stands, and a conditional request is answered from this row alone.
    inputs: Mapped[str | None] = mapped_column(String(64))
    #: When the first event of the feed leaves its window of past events (then the ETag is computed again).
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PersonalFeedVersion(Model):
    """A counter per person, raised by database triggers (migration 0028) in the transaction of every change to
    what their personal feed shows of their invitations (added, removed, answer, waiting list, sent, link)."""

    __tablename__ = "personal_feed_version"

    #: No foreign key: the trigger of an invitation deleted with its person (ON DELETE CASCADE) writes here, and
    #: a counter left behind does no harm (it only ever rises).
    person_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)
