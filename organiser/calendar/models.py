"""Personal calendar feed tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import UTCDateTime, db, utcnow
from ..people.models import Person


class FeedToken(db.Model):
    """One personal feed URL; revoked ones are kept so that their URL answers 410 Gone."""

    __tablename__ = "feed_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the token in the feed URL.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()


class FeedState(db.Model):
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
