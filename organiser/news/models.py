"""News for organisers: what changed at their events that they should hear about without opening the app."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import Organiser
from ..events.models import Event
from ..extensions import Model, UTCDateTime, utcnow
from ..people.models import Person


class NewsKind(enum.StrEnum):
    """What happened; `detail` holds what the line needs besides the person and the event."""

    #: A yes or maybe on the answer page (detail: the new state).
    ANSWER = "answer"
    #: A no on the answer page, or a withdrawal.
    DECLINE = "decline"
    #: A yes while the event was full: on the waiting list (detail: the place in line).
    WAITING = "waiting"
    #: From the waiting list to a seat.
    PROMOTED = "promoted"
    #: The last seat was taken (no person).
    FULL = "full"
    #: Mail to the invitee came back undeliverable (detail: the receiving server's reason).
    BOUNCE = "bounce"
    #: An answer with Accept / Tentative / Decline in a calendar app (detail: the state it led to).
    CALENDAR = "calendar"

    @property
    def label(self) -> str:
        return str(_KIND_LABELS[self])


_KIND_LABELS = {
    NewsKind.ANSWER: _l("Nieuw antwoord"),
    NewsKind.DECLINE: _l("Afmelding"),
    NewsKind.WAITING: _l("Op de wachtlijst"),
    NewsKind.PROMOTED: _l("Van de wachtlijst"),
    NewsKind.FULL: _l("Vol"),
    NewsKind.BOUNCE: _l("Onbestelbare mail"),
    NewsKind.CALENDAR: _l("Antwoord uit de agenda-app"),
}


class NewsItem(Model):
    """One piece of news for one organiser account, recorded in the transaction of the change it reports.

    Mailed once: at once (news_delivery "immediate") or in the daily digest; `claim` marks the mail that took it,
    so two workers never mail it twice. Personal data about the invitee (retention.NEWS; erased with the person).
    """

    __tablename__ = "news_item"
    __table_args__ = (Index("ix_news_item_unmailed", "organiser_id", "mailed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("organiser.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    #: Whom the news is about; NULL for news about the event itself (full).
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    #: A NewsKind value.
    kind: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: When the mail that carries this item was queued (the outbox sends it); NULL while it waits for one.
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A random key shared by the items one mail took (set together with mailed_at, in one guarded UPDATE).
    claim: Mapped[str | None] = mapped_column(String(32), index=True)

    organiser: Mapped[Organiser] = relationship()
    event: Mapped[Event] = relationship()
    person: Mapped[Person | None] = relationship()
