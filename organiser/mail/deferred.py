"""Mail the worker renders when it sends it: the outbox row records *what must be sent*, not the mail.

A deferred row holds the kind, the invitation it is about, its subject, and `facts`: a small JSON snapshot of what
was true when the mail was caused (an answer, a place on the waiting list, the calendar SEQUENCE and DTSTAMP). It
never holds the personal link or a note: while it waits, a backup of the outbox opens nothing (issue 15). The
worker (`dispatch.send_claimed`) renders the claimed rows of a batch together, in memory, just before it sends
them; nothing rendered is written back, and a sent row loses its facts with the contents (mail/retention.py).

A retry after an SMTP failure renders again from the same facts, with the same Message-ID: the same mail, with the
link the invitation has at that moment (a link renewed meanwhile is the only one that still works).

Rendering belongs to the domain that queued the mail (mail imports no domain): it registers a renderer per kind
(`register`, called from organiser/receivers.py). A renderer takes the rows of its kinds and returns their
contents by row id; None for a row that can no longer be rendered (its invitation or recipient is gone), which
the worker records as FAILED ("nothing to send").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import NamedTuple, cast

from sqlalchemy import insert
from sqlalchemy.orm import Session

from ..extensions import db, utcnow
from .models import OutboxKind, OutboxMessage, OutboxStatus
from .outbox import new_message_id
from .rendering import clean_address, one_line, reply_to_header


class Contents(NamedTuple):
    """A rendered mail's parts (the subject is stored with the row when it is queued)."""

    text: str
    html: str
    ics: str | None
    #: The URL of the QR code the HTML shows inline (rendering.QR_CONTENT_ID), or None.
    qr_url: str | None = None


#: (session to read with, rows of the renderer's kinds) → contents by row id.
Renderer = Callable[[Session, Sequence[OutboxMessage]], dict[int, Contents | None]]

#: kind → the domain's renderer; filled once by organiser/receivers.py (idempotent, like signal connections).
_RENDERERS: dict[str, Renderer] = {}


def register(kinds: Iterable[OutboxKind], renderer: Renderer) -> None:
    """Let `renderer` render deferred rows of `kinds`."""
    for kind in kinds:
        _RENDERERS[OutboxKind(kind).value] = renderer


def facts_row(
    *,
    kind: OutboxKind,
    to_address: str,
    to_name: str,
    subject: str,
    facts: dict,
    ics_method: str | None,
    event_id: int | None,
    invitation_id: int | None,
    reply_to: tuple[str, str] | None = None,
    not_before: datetime | None = None,
    now: datetime | None = None,
) -> dict:
    """The column values of one deferred outbox row (for `insert_rows`); raises ValueError for a bad address."""
    now = now or utcnow()
    return {
        "kind": OutboxKind(kind).value,
        "to_address": clean_address(to_address),
        "to_name": one_line(to_name)[:200],
        "subject": one_line(subject)[:300],
        "text_body": "",
        "html_body": "",
        "ics": None,
        "qr_url": None,
        "ics_method": ics_method.strip().upper() if ics_method else None,
        "facts": facts,
        "reply_to": reply_to_header(*reply_to) if reply_to else "",
        "message_id": new_message_id(),
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": not_before or now,
        "last_error": "",
        "created_at": now,
        "event_id": event_id,
        "invitation_id": invitation_id,
    }


def insert_rows(rows: list[dict]) -> int:
    """Add deferred rows to the outbox in the current transaction: one INSERT, however many rows. Returns how many."""
    if rows:
        db.session.execute(insert(OutboxMessage), rows)
    return len(rows)


def render_deferred(messages: Sequence[OutboxMessage], session: Session | None = None) -> dict[int, str]:
    """Fill in the contents of the deferred rows among `messages`, in memory (detached or transient rows only:
    a row in a session would be written back), reading with `session` (default: a short one of its own, as the
    worker does). Returns {row id: why it cannot be rendered} for the deferred rows that cannot be."""
    if session is None:
        with Session(db.engine) as own:
            return render_deferred(messages, own)
    by_kind: dict[str, list[OutboxMessage]] = {}
    for message in messages:
        if message.deferred:
            by_kind.setdefault(message.kind, []).append(message)
    unrenderable: dict[int, str] = {}
    for kind, group in by_kind.items():
        renderer = _RENDERERS.get(kind)
        contents = renderer(session, group) if renderer is not None else {}
        for message in group:
            made = contents.get(message.id)
            if made is None:
                unrenderable[message.id] = "nothing to send: the invitation or its recipient is gone"
                continue
            message.text_body, message.html_body, message.ics = made.text, made.html, made.ics
            message.qr_url = made.qr_url if made.html else None
            if made.ics is None:
                message.ics_method = None
    return unrenderable


def rendered(message: OutboxMessage) -> OutboxMessage:
    """The row as its mail would be sent now: itself when it was rendered when queued, else a transient copy with
    the contents filled in (for the development mail page and tests; never added to a session)."""
    if not message.deferred:
        return message
    copy = OutboxMessage(**{column.key: getattr(message, column.key) for column in OutboxMessage.__table__.columns})
    render_deferred([copy], cast(Session, db.session))
    return copy
