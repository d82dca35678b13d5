"""Applying one message from the reply mailbox, exactly once.

The message's row (`InboxMessage`, unique by Message-ID) is the first statement of the transaction that
applies it. A second worker that took the same message from the mailbox waits on that unique key (PostgreSQL:
the index entry; SQLite: the write lock) and, once the first commits, finds the message done. If the first
rolls back (the database went away), the second applies it. The domain that understands the message receives
it through `signals.inbox_message_received` and returns an `InboxResult`; the caller commits, and only then
removes the message from the mailbox.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from ..extensions import db, rows_matched
from ..signals import inbox_message_received
from .messages import IncomingMessage
from .models import InboxMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InboxResult:
    """What a receiver did with a message: an outcome code, data for the organiser's line, and what it was about."""

    outcome: str
    detail: str = ""
    event_id: int | None = None
    invitation_id: int | None = None


#: Outcome of a message nobody took up (a person writing to the robot, an unknown key).
IGNORED = InboxResult("ignored")


class DatabaseUnavailable(Exception):
    """The database went away while applying a message: nothing was recorded, try the message again later."""


def apply_message(incoming: IncomingMessage, now: datetime) -> InboxMessage | None:
    """Record and apply one message in the current transaction (flushes; the caller commits).

    Returns the new row, or None when the message was applied before (by this or another worker).
    :raise DatabaseUnavailable: the connection broke; the transaction is rolled back.
    """
    row = InboxMessage(
        message_key=incoming.key,
        kind=incoming.kind,
        sender=incoming.sender[:254],
        received_at=now,
        outcome="",
        detail="",
    )
    try:
        db.session.add(row)
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return None
    except (OperationalError, InterfaceError) as error:
        db.session.rollback()
        raise DatabaseUnavailable(str(error.orig)) from error
    result = IGNORED
    try:
        for _receiver, returned in inbox_message_received.send(incoming, now=now):
            if isinstance(returned, InboxResult):
                result = returned
                break
    except (OperationalError, InterfaceError) as error:
        db.session.rollback()
        raise DatabaseUnavailable(str(error.orig)) from error
    if result.event_id is None and result.invitation_id is None:
        row.sender = ""  # about nobody's event: no line shows it, so the address is not kept
    row.outcome = result.outcome[:40]
    row.detail = result.detail[:2000]
    row.event_id = result.event_id
    row.invitation_id = result.invitation_id
    db.session.flush()
    return row


def record_failure(incoming: IncomingMessage, now: datetime, error: Exception) -> None:
    """A message whose handling failed (a bug, not an outage): recorded as such, in a transaction of its own,
    so the batch goes on and the message is not tried again by itself (it stays in the mailbox, flagged)."""
    log.error("inbox message %s could not be applied", incoming.key, exc_info=error)
    db.session.rollback()
    if db.session.scalar(db.select(InboxMessage.id).where(InboxMessage.message_key == incoming.key)) is None:
        db.session.add(
            InboxMessage(
                message_key=incoming.key,
                kind=incoming.kind,
                sender=incoming.sender[:254],
                received_at=now,
                outcome="error",
                detail=f"{type(error).__name__}"[:2000],
            )
        )
    db.session.flush()


def purge_inbox_details(now: datetime) -> int:
    """Forget who wrote and what they wrote (sender, detail) of messages older than RETENTION_NOTES_DAYS;
    the Message-ID stays, so a copy still lying in a mailbox is not applied again. Returns how many."""
    cutoff = now - timedelta(days=current_app.config["RETENTION_NOTES_DAYS"])
    result = db.session.execute(
        update(InboxMessage)
        .where(InboxMessage.received_at < cutoff, or_(InboxMessage.sender != "", InboxMessage.detail != ""))
        .values(sender="", detail="")
        .execution_options(synchronize_session=False)
    )
    return rows_matched(result)


def earlier_outcome(key: str) -> str | None:
    """The outcome of a message with this key applied (or recorded as failed) before; None when it is new."""
    return db.session.scalar(db.select(InboxMessage.outcome).where(InboxMessage.message_key == key))
