"""The reply mailbox's memory: one row per message taken from it, so that none is applied twice."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model, UTCDateTime, string_enum, utcnow


class MessageKind(enum.StrEnum):
    """What a message in the reply mailbox is."""

    #: iTIP REPLY: Accept / Tentative / Decline pressed in a calendar app.
    REPLY = "reply"
    #: iTIP COUNTER: "propose a new time".
    COUNTER = "counter"
    #: Out-of-office and other automatic answers (RFC 3834 Auto-Submitted, X-Autoreply, Outlook's "Automatic reply").
    AUTO_REPLY = "auto_reply"
    #: A delivery status notification (multipart/report) saying a mail could not be delivered.
    BOUNCE = "bounce"
    #: A calendar part that cannot be read, or a calendar object that is no REPLY/COUNTER.
    MALFORMED = "malformed"
    #: Anything else (a person writing to the robot, a delay notice).
    OTHER = "other"


class InboxMessage(Model):
    """A message taken from the reply mailbox and what became of it.

    The row is inserted first in the transaction that applies the message (unique `message_key`), so a second
    worker holding the same message waits for the first and then finds it done; the message leaves the mailbox
    only after this transaction committed.
    """

    __tablename__ = "inbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The Message-ID, or "sha256:<digest of the raw message>" for messages without one.
    message_key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[MessageKind] = mapped_column(string_enum(MessageKind, "inbox_message_kind"))
    #: What organiser did with it, a short code (applied, unchanged, older, deadline, not_invitee, …).
    outcome: Mapped[str] = mapped_column(String(40), default="")
    #: Data for the organiser's line, shown with the outcome's sentence (a proposed time, an attendee address,
    #: a mail server's reason): never a sentence itself, so that the line follows the reader's language.
    detail: Mapped[str] = mapped_column(Text, default="")
    #: The sender's address as the message gave it (for the organiser's line; removed with the event's details).
    sender: Mapped[str] = mapped_column(String(254), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitation.id", ondelete="SET NULL"), index=True)
