"""Dispatching the outbox safely: claim due rows, send them over one SMTP connection, record each result.

Steps 2 and 3 of how a mail travels (step 1, queueing, is in `outbox`):

2. A worker (`flask outbox work`, or `flask outbox send` from cron) calls `dispatch_due()`. It *claims*
   due rows in a short transaction of its own: on PostgreSQL with one `UPDATE` of the rows picked by
   `SELECT … FOR UPDATE SKIP LOCKED`, on SQLite inside `BEGIN IMMEDIATE`. Claiming raises `attempts` and
   moves `next_attempt_at` into the future as a lease, then commits. Two workers therefore never hold the
   same row; a worker that dies mid-batch leaves its rows PENDING, and once the lease expires another worker
   sends them (same Message-ID).
3. The claimed rows go out over ONE SMTP connection per batch, with a socket timeout (MAIL_TIMEOUT). Results
   are written only if the row still carries this worker's claim, over one database connection per batch
   (each UPDATE committed by itself): SENT with `sent_at`, up to RECORD_SENT_EVERY mails (or
   RECORD_SENT_SECONDS) together, before any other result; a temporary failure (4xx, refused
   connection, timeout, disconnect) back to PENDING with exponential backoff and jitter (1, 2, 4 … minutes,
   at most an hour), FAILED after MAIL_MAX_ATTEMPTS; a permanent refusal (5xx) FAILED with the server's
   reason in `last_error`. Without
   MAIL_SERVER (development) due rows become KEPT, for the development mail page.

   Rows of the kinds FORGOTTEN_WHEN_DONE (the CANCEL to an erased person) are not recorded but deleted, row and
   all, once sent or given up (FAILED), under the same claim check; without MAIL_SERVER they are deleted unsent.

Why not Flask-Mail's `Message` and `Mail.send`: Flask-Mail 0.10 opens SMTP without a timeout, gives every
message a Message-ID on the local host name, cannot put a `text/calendar; method=…` part inside the
multipart/alternative, and suppresses sending whenever TESTING is on. So the MIME is built with Python's
`email` package (see `build_mime`), and the connection is Flask-Mail's `Connection`, reading the same
MAIL_* settings through the `mail` extension, with `configure_host` overridden to pass the timeout
(`TimedConnection`). One thing no outbox can rule out: a connection that breaks after the server took the
message but before it said so makes the retry a second copy; it carries the same Message-ID, so mail
clients show it once. The same holds for a worker that dies with sent mails not yet recorded (at most
RECORD_SENT_EVERY of them, sent within RECORD_SENT_SECONDS): after the lease they go again, with their
Message-ID. The MIME is written by `rendering.mime_bytes` (the bytes of `build_mime`, made directly).
"""

from __future__ import annotations

import logging
import random
import smtplib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Connection, delete, update
from sqlalchemy.orm import Session

from ..extensions import db, rows_matched, utcnow
from .deferred import render_deferred
from .models import FORGOTTEN_WHEN_DONE, OutboxMessage, OutboxStatus
from .rendering import envelope_sender, sender
from .retention import NO_CONTENTS, remove_contents_when_sent
from .smtp import (
    ConnectionBroken,
    PermanentFailure,
    TemporaryFailure,
    TimedConnection,
    describe,
    mail_settings,
    mail_timeout,
    send_message,
)

log = logging.getLogger(__name__)

#: Backoff after the n-th failed attempt: 1, 2, 4 … minutes, never more than an hour.
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)
#: Sent mails recorded together, in one transaction: at most this many, or after this long (a commit per mail
#: took most of a worker's time; a worker that dies sends at most these again, see the module docstring).
RECORD_SENT_EVERY = 25
RECORD_SENT_SECONDS = 0.5


@dataclass
class DispatchReport:
    """What one dispatch did."""

    sent: int = 0
    #: Temporary failures, back to PENDING with backoff.
    retried: int = 0
    failed: int = 0
    #: No MAIL_SERVER: kept for the development mail page.
    kept: int = 0
    #: Claimed but not tried (the connection broke, or the lease was running out): due again at once.
    released: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.kept + self.released

    def __str__(self) -> str:
        return (
            f"sent {self.sent}, retried later {self.retried}, failed {self.failed}, "
            f"kept {self.kept}, released {self.released}"
        )


@dataclass(frozen=True)
class Claim:
    """Rows this worker holds until `lease_until`; a result is written only while the claim still stands."""

    messages: list[OutboxMessage]
    lease_until: datetime
    #: Monotonic clock: stop sending in time for another worker not to take over a row we are still sending.
    send_before: float


def dispatch_due(now: datetime | None = None, batch_size: int | None = None) -> DispatchReport:
    """Send one batch of due mail over one SMTP connection (or keep it, without MAIL_SERVER); commits."""
    now = now or utcnow()
    batch_size = batch_size or int(current_app.config["MAIL_BATCH_SIZE"])
    if not current_app.config.get("MAIL_SERVER"):
        return DispatchReport(kept=keep_due(now))
    if db.engine.dialect.name == "sqlite" and not anything_due(now):
        return DispatchReport()  # an idle worker takes no lock (on SQLite a claim locks the whole database)
    claim = claim_due(now, batch_size)
    if not claim.messages:
        return DispatchReport()
    return send_claimed(claim, now)


def anything_due(now: datetime) -> bool:
    with Session(db.engine) as session:
        due = db.select(OutboxMessage.id).where(
            OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now
        )
        return session.scalar(due.limit(1)) is not None


def keep_due(now: datetime) -> int:
    """Development without SMTP: due rows become KEPT (the development mail page shows them)."""
    due = (OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
    with Session(db.engine) as session, session.begin():
        # Mail that must leave no record (FORGOTTEN_WHEN_DONE) is not kept: there is nobody to send it to.
        session.execute(delete(OutboxMessage).where(*due, OutboxMessage.kind.in_(FORGOTTEN_WHEN_DONE)))
        result = session.execute(update(OutboxMessage).where(*due).values(status=OutboxStatus.KEPT, last_error=""))
        return rows_matched(result)


def claim_due(now: datetime, batch_size: int) -> Claim:
    """Claim up to `batch_size` due rows in a short transaction of its own (a lease; see the module docstring).

    On PostgreSQL one statement (UPDATE … FROM the due rows SELECTed FOR UPDATE SKIP LOCKED … RETURNING): the
    claim was a SELECT and an UPDATE of every row, and each round trip counts for a worker sending hundreds of
    mails a second. The rows come in the order they fell due (then by id), as they are sent."""
    lease = lease_seconds()
    lease_until = now + timedelta(seconds=lease)
    send_before = time.monotonic() + lease - 4 * mail_timeout()
    due = (
        db.select(OutboxMessage.id, OutboxMessage.next_attempt_at.label("was_due"))
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(batch_size)
        .with_for_update(skip_locked=True)
    )
    with Session(db.engine, expire_on_commit=False) as session:
        if session.get_bind().dialect.name == "postgresql":
            chosen = due.cte("due")
            claimed = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == chosen.c.id)
                .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=lease_until)
                .returning(OutboxMessage, chosen.c.was_due)
                .execution_options(synchronize_session=False)
            ).all()
            messages = [message for message, _was_due in sorted(claimed, key=lambda row: (row[1], row[0].id))]
        else:
            _begin_immediate(session)
            messages = list(session.scalars(due.with_only_columns(OutboxMessage)))
            for message in messages:
                message.attempts += 1
                message.next_attempt_at = lease_until
        session.commit()
        session.expunge_all()
    return Claim(messages, lease_until, send_before)


def _begin_immediate(session: Session) -> None:
    """SQLite: take the write lock before reading, so that two workers cannot read the same due rows."""
    connection = session.connection()
    driver_connection = connection.connection.dbapi_connection
    if driver_connection is None:
        raise RuntimeError("the database connection was closed")
    if not driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def send_claimed(claim: Claim, now: datetime) -> DispatchReport:
    """Send claimed rows over one connection and record each result at once."""
    with db.engine.connect() as connection:
        # One database connection for the batch, each statement its own transaction: every result is one UPDATE
        # (atomic by itself), and a BEGIN, a COMMIT and a liveness check around each cost more than the UPDATE.
        return _send_claimed(claim, now, connection.execution_options(isolation_level="AUTOCOMMIT"))


def _send_claimed(claim: Claim, now: datetime, results: Connection) -> DispatchReport:
    report = DispatchReport()
    # Deferred rows (mail/deferred.py) are rendered here, the whole batch at once, in memory (each SELECT sees
    # what is committed when it runs, as in a transaction at READ COMMITTED).
    with Session(results) as reading:
        unrenderable = render_deferred(claim.messages, reading)
    for message in claim.messages:
        if message.id not in unrenderable and not message.text_body:  # sealed under a key no longer configured
            unrenderable[message.id] = "nothing to send: no configured SECRET_KEY opens the contents (mail/sealing.py)"
    pending = [message for message in claim.messages if message.id not in unrenderable]
    for message in claim.messages:
        if message.id in unrenderable:
            _record(message, PermanentFailure(unrenderable[message.id]), claim, now, report, results)
    sent = SentRecorder(claim, now, report, results)
    try:
        from_name, from_address = sender()
        envelope = envelope_sender()  # once per batch: parsing the setting per mail cost as much as its MIME
        connection = TimedConnection(mail_settings(), timeout=mail_timeout())
        with connection:
            while pending:
                if time.monotonic() > claim.send_before:
                    break
                message = pending.pop(0)
                outcome = send_message(connection, message, from_name, from_address, envelope)
                if outcome is None:
                    sent.add(message)
                    continue
                sent.flush()
                _record(message, outcome, claim, now, report, results)
                if isinstance(outcome, ConnectionBroken):
                    break
        sent.flush()
    except (OSError, smtplib.SMTPException) as error:
        sent.flush()
        # The connection could not be opened (or broke while quitting): a temporary failure for the rows not
        # tried yet; nothing is lost.
        reason = describe(error)
        log.warning("SMTP connection to %s failed: %s", current_app.config.get("MAIL_SERVER"), reason)
        while pending:
            _record(pending.pop(0), TemporaryFailure(reason), claim, now, report, results)
    for message in pending:
        _release(message, claim, now, results)
        report.released += 1
    return report


class SentRecorder:
    """Sent mails of a claim, recorded together (RECORD_SENT_EVERY, RECORD_SENT_SECONDS): one transaction each."""

    def __init__(
        self, claim: Claim, now: datetime, report: DispatchReport, connection: Connection | None = None
    ) -> None:
        self.claim, self.now, self.report, self.connection = claim, now, report, connection
        self.waiting: list[OutboxMessage] = []
        self.since = time.monotonic()

    def add(self, message: OutboxMessage) -> None:
        self.waiting.append(message)
        if len(self.waiting) >= RECORD_SENT_EVERY or time.monotonic() - self.since >= RECORD_SENT_SECONDS:
            self.flush()

    def flush(self) -> None:
        """SENT for the waiting rows that still carry this claim (status, attempts and lease unchanged)."""
        waiting, self.waiting, self.since = self.waiting, [], time.monotonic()
        if not waiting:
            return
        by_attempts: dict[int, list[int]] = {}
        for message in waiting:
            by_attempts.setdefault(message.attempts, []).append(message.id)
        recorded = 0
        with _writing(self.connection) as connection:
            for attempts, ids in by_attempts.items():
                claimed = _still_claimed(self.claim, ids, attempts)
                forgotten = OutboxMessage.kind.in_(FORGOTTEN_WHEN_DONE)
                # (Two statements on disjoint rows: each may commit by itself.)
                recorded += rows_matched(connection.execute(delete(OutboxMessage).where(*claimed, forgotten)))
                result = connection.execute(
                    update(OutboxMessage)
                    .where(*claimed, ~forgotten)
                    .values(
                        status=OutboxStatus.SENT,
                        sent_at=self.now,
                        last_error="",
                        # the links and notes in the contents leave the database with the sending
                        **(NO_CONTENTS if remove_contents_when_sent() else {}),
                    )
                )
                recorded += rows_matched(result)
        self.report.sent += len(waiting)
        if recorded < len(waiting):
            log.warning(
                "%d sent outbox rows were taken over by another worker before their result was recorded",
                len(waiting) - recorded,
            )


def backoff(attempts: int, base: timedelta = BACKOFF_BASE) -> timedelta:
    """Wait before the next try after `attempts` tries: 1, 2, 4 … minutes (capped), plus up to 25% jitter."""
    delay = min(base * 2 ** max(attempts - 1, 0), BACKOFF_CAP)
    return delay + delay * random.uniform(0, 0.25)


def _record(
    message: OutboxMessage,
    outcome: Exception | None,
    claim: Claim,
    now: datetime,
    report,
    connection: Connection | None = None,
) -> None:
    if outcome is None:
        values = {"status": OutboxStatus.SENT, "sent_at": now, "last_error": ""}
        if remove_contents_when_sent():
            values |= NO_CONTENTS  # the links and notes in it leave the database with the sending
        report.sent += 1
    elif isinstance(outcome, PermanentFailure) or message.attempts >= max_attempts():
        values = {"status": OutboxStatus.FAILED, "last_error": str(outcome)}
        report.failed += 1
    else:
        values = {"next_attempt_at": now + backoff(message.attempts, backoff_base()), "last_error": str(outcome)}
        report.retried += 1
    if message.kind in FORGOTTEN_WHEN_DONE and values.get("status") in (OutboxStatus.SENT, OutboxStatus.FAILED):
        if not _delete_claimed(message, claim, connection):
            log.warning("outbox row %s was taken over by another worker before it was deleted", message.id)
        return
    if not _update_claimed(message, claim, connection, **values):
        log.warning("outbox row %s was taken over by another worker before its result was recorded", message.id)


def _release(message: OutboxMessage, claim: Claim, now: datetime, connection: Connection | None = None) -> None:
    """Give a claimed row back untried: due at once, and the claim does not count as an attempt."""
    _update_claimed(message, claim, connection, next_attempt_at=now, attempts=OutboxMessage.attempts - 1)


def _still_claimed(claim: Claim, ids: list[int], attempts: int) -> tuple:
    """Where-clauses of the rows `ids` while this worker's claim on them stands (status, attempts and lease
    unchanged): a result is written only then, so a row another worker took over is left to it."""
    return (
        OutboxMessage.id.in_(ids),
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.attempts == attempts,
        OutboxMessage.next_attempt_at == claim.lease_until,
    )


@contextmanager
def _writing(connection: Connection | None) -> Iterator[Connection]:
    """`connection` (the batch's, each statement committed by itself), or a transaction of its own."""
    if connection is not None:
        yield connection
        return
    with db.engine.begin() as own:
        yield own


def _update_claimed(message: OutboxMessage, claim: Claim, connection: Connection | None = None, **values) -> bool:
    """Write the result only while this worker's claim stands (status, attempts and lease unchanged)."""
    with _writing(connection) as writing:
        result = writing.execute(
            update(OutboxMessage).where(*_still_claimed(claim, [message.id], message.attempts)).values(**values)
        )
        return rows_matched(result) == 1


def _delete_claimed(message: OutboxMessage, claim: Claim, connection: Connection | None = None) -> bool:
    """Delete a row of FORGOTTEN_WHEN_DONE this worker is done with, while its claim stands."""
    with _writing(connection) as writing:
        result = writing.execute(delete(OutboxMessage).where(*_still_claimed(claim, [message.id], message.attempts)))
        return rows_matched(result) == 1


def backoff_base() -> timedelta:
    """The wait after the first failed try (MAIL_BACKOFF_SECONDS); it doubles with every further try."""
    return timedelta(seconds=float(current_app.config["MAIL_BACKOFF_SECONDS"]))


def max_attempts() -> int:
    return int(current_app.config["MAIL_MAX_ATTEMPTS"])


def lease_seconds() -> float:
    """Long enough to send a whole batch; never shorter than a few timeouts."""
    configured = float(current_app.config["MAIL_LEASE_SECONDS"])
    return max(configured, 6 * mail_timeout())
