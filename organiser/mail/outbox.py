"""The outbox: queue a mail in the caller's transaction, and what the mail pages show of it.

How a mail travels (queue here, render in `rendering`, send in `dispatch`):

1. A service calls `queue_mail(...)` inside the transaction that causes the mail (an invitation sent, an
   answer recorded). The row gets its `Message-ID` at once (on our own domain), so every retry sends the
   very same message. Header values cannot carry CR/LF: the address is refused, name and subject are
   flattened to one line.
2.–3. A worker claims the due rows, sends them over one SMTP connection and records each result: see
   `dispatch` (claims and leases, backoff, what is done when no MAIL_SERVER is set).

The mail pages are infrastructure too: which events an organiser may see mail of is asked through
`signals.outbox_events_visible` (see `recent_mail`), so this package imports no domain.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import NamedTuple
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import Delete, Select, case, delete, func, insert

from .. import signals
from ..extensions import db, rows_matched, utcnow
from .models import OutboxKind, OutboxMessage, OutboxStatus
from .rendering import clean_address, one_line, reply_to_header

__all__ = ["EventLink", "OutboxKind", "queue_mail"]


class EventLink(NamedTuple):
    """How the mail page names the event a mail belongs to (the events domain answers; see signals.py)."""

    title: str
    url: str


def queue_mail(
    *,
    kind: OutboxKind,
    to_address: str,
    to_name: str = "",
    subject: str,
    text_body: str,
    html_body: str = "",
    ics: str | None = None,
    ics_method: str | None = None,
    event_id: int | None = None,
    invitation_id: int | None = None,
    not_before: datetime | None = None,
    reply_to: tuple[str, str] | None = None,
    qr_url: str | None = None,
) -> OutboxMessage:
    """Add a mail to the outbox in the current transaction (flushes, never commits). `qr_url`: a URL the HTML
    part shows as a QR code (`<img src="cid:…">` with rendering.QR_CONTENT_ID; ignored without an HTML part)."""
    if (ics is None) != (ics_method is None):
        raise ValueError("ics and ics_method go together")
    if ics is not None and ics_method is not None and ics_method_of(ics) != ics_method.strip().upper():
        raise ValueError(f"the MIME method {ics_method!r} must equal the METHOD in the ics ({ics_method_of(ics)!r})")
    message = OutboxMessage(
        kind=OutboxKind(kind).value,
        to_address=clean_address(to_address),
        to_name=one_line(to_name)[:200],
        subject=one_line(subject)[:300],
        text_body=text_body,
        html_body=html_body or "",
        ics=ics,
        ics_method=ics_method.strip().upper() if ics_method else None,
        message_id=new_message_id(),
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=not_before or utcnow(),
        last_error="",
        event_id=event_id,
        invitation_id=invitation_id,
        reply_to=reply_to_header(*reply_to) if reply_to else "",
        qr_url=qr_url if html_body else None,
    )
    db.session.add(message)
    db.session.flush()
    return message


def queue_row(values: dict) -> None:
    """Add one row made by `deferred.facts_row` (a mail the worker renders) in the current transaction."""
    db.session.execute(insert(OutboxMessage), [values])


def supersede_unsent(invitation_id: int, kind: OutboxKind) -> int:
    """Drop mail of `kind` to an invitation that no worker has touched yet, because a later one replaces it
    (one settled change, one confirmation). A row a worker has claimed (attempts > 0) is left alone: on
    PostgreSQL this DELETE waits for the claim to commit and then no longer matches it."""
    result = db.session.execute(unsent_of(OutboxMessage.invitation_id == invitation_id, kind))
    return rows_matched(result)


def unsent_of(which, kind: OutboxKind) -> Delete:
    """The DELETE of `supersede_unsent` for the invitations `which` (a SQL condition on
    OutboxMessage.invitation_id), to run alone or inside another statement (a CTE on PostgreSQL)."""
    return (
        delete(OutboxMessage)
        .where(
            which,
            OutboxMessage.kind == OutboxKind(kind).value,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.attempts == 0,
        )
        .execution_options(synchronize_session=False)
    )


def ics_method_of(ics: str) -> str | None:
    """The METHOD property of an iCalendar object (CALENDAR.md: the MIME method parameter must equal it)."""
    for line in ics.splitlines():
        name, _sep, value = line.partition(":")
        if name.upper() == "METHOD":
            return value.strip().upper()
        if name.upper() == "BEGIN" and value.strip().upper() == "VEVENT":
            break  # calendar properties come before the components
    return None


def new_message_id() -> str:
    """A unique Message-ID on our own domain, e.g. <3f9c…@gemeente.example>."""
    return f"<{secrets.token_hex(16)}@{message_id_domain()}>"


def message_id_domain() -> str:
    configured = current_app.config.get("MAIL_MESSAGE_ID_DOMAIN")
    if configured:
        return str(configured)
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


# --- What the mail pages show -----------------------------------------------------------------------


def mail_status_by_invitation(
    event_id: int, kinds: tuple[OutboxKind, ...] = (OutboxKind.INVITATION,)
) -> dict[int, OutboxStatus]:
    """The status of the latest invitation mail per invitation of an event."""
    rows = db.session.execute(
        db.select(OutboxMessage.invitation_id, OutboxMessage.status)
        .where(
            OutboxMessage.event_id == event_id,
            OutboxMessage.invitation_id.is_not(None),
            OutboxMessage.kind.in_(kinds),
        )
        .order_by(OutboxMessage.id)
    )
    return {invitation_id: status for invitation_id, status in rows}


def visible_event_ids(organiser) -> Select | None:
    """The ids of the events whose mail `organiser` may see (None: all mail, for an admin).

    The events domain answers `signals.outbox_events_visible` (connected in organiser/receivers.py).
    """
    if organiser.is_admin:
        return None
    answers = [ids for _receiver, ids in signals.outbox_events_visible.send(organiser) if ids is not None]
    if len(answers) != 1:
        raise RuntimeError("exactly one receiver of outbox_events_visible must be connected")
    return answers[0]


def recent_mail(organiser, limit: int = 200) -> list[OutboxMessage]:
    """Recent outbox rows the organiser may see (their events; admins everything), failed ones first."""
    query = db.select(OutboxMessage)
    visible = visible_event_ids(organiser)
    if visible is not None:
        query = query.where(OutboxMessage.event_id.in_(visible))
    failed_first = case((OutboxMessage.status == OutboxStatus.FAILED, 0), else_=1)
    query = query.order_by(failed_first, OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def may_see(organiser, message: OutboxMessage) -> bool:
    """Admins see every mail; an organiser the mail about events they manage."""
    visible = visible_event_ids(organiser)
    if visible is None:
        return True
    if message.event_id is None:
        return False
    return message.event_id in set(db.session.scalars(visible.where(visible.selected_columns[0] == message.event_id)))


def retry_mail(message: OutboxMessage, now: datetime | None = None) -> bool:
    """Put a failed mail back in the queue, with a fresh count of attempts; False if it had not failed, or if its
    contents were removed already (mail/retention.py)."""
    if message.status != OutboxStatus.FAILED or not message.has_contents:
        return False
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = now or utcnow()
    db.session.flush()
    return True


def kept_mail() -> list[OutboxMessage]:
    """Mail kept in development, newest first."""
    return list(
        db.session.scalars(
            db.select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.KEPT)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        )
    )


def count_pending() -> int:
    return db.session.scalar(
        db.select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
    )
