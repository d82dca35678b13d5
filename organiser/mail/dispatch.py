"""Dispatching the outbox safely: claim due rows, send them over one SMTP connection, record each result.

   flattened to one line.
2. A worker (`flask outbox work`, or `flask outbox send` from cron) calls `dispatch_due()`. It *claims*
   due rows in a short transaction of its own: on PostgreSQL with `SELECT … FOR UPDATE SKIP LOCKED`, on
   SQLite inside `BEGIN IMMEDIATE`. Claiming raises `attempts` and moves `next_attempt_at` into the future
   as a lease, then commits. Two workers therefore never hold the same row; a worker that dies mid-batch
   leaves its rows PENDING, and once the lease expires another worker sends them (same Message-ID).
3. The claimed rows go out over ONE SMTP connection per batch, with a socket timeout (MAIL_TIMEOUT). The
   result of each row is committed as soon as it is known, and only if the row still carries this worker's
   claim: SENT with `sent_at`; a temporary failure (4xx, refused connection, timeout, disconnect) back to
   PENDING with exponential backoff and jitter (1, 2, 4 … minutes, at most an hour), FAILED after
   MAIL_MAX_ATTEMPTS; a permanent refusal (5xx) FAILED with the server's reason in `last_error`. Without
   MAIL_SERVER (development) due rows become KEPT, for the development mail page.

Why not Flask-Mail's `Message` and `Mail.send`: Flask-Mail 0.10 opens SMTP without a timeout, gives every
message a Message-ID on the local host name, cannot put a `text/calendar; method=…` part inside the
multipart/alternative, and suppresses sending whenever TESTING is on. So the MIME is built with Python's
`email` package (see `build_mime`), and the connection is Flask-Mail's `Connection`, reading the same
MAIL_* settings through the `mail` extension, with `configure_host` overridden to pass the timeout
(`TimedConnection`). One thing no outbox can rule out: a connection that breaks after the server took the
message but before it said so makes the retry a second copy; it carries the same Message-ID, so mail
clients show it once.
"""

from __future__ import annotations

import logging
import random
import smtplib
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import flask_mail
from flask import current_app
from sqlalchemy import update
from sqlalchemy.orm import Session

from ..extensions import db, mail, utcnow
from .models import OutboxMessage, OutboxStatus
from .outbox import message_id_domain
from .rendering import build_mime, one_line, sender

log = logging.getLogger(__name__)

#: Backoff after the n-th failed attempt: 1, 2, 4 … minutes, never more than an hour.
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)


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


class TemporaryFailure(Exception):
    """Try again later (4xx, connection trouble)."""


class PermanentFailure(Exception):
    """Never try again (5xx, invalid message)."""


class ConnectionBroken(TemporaryFailure):
    """The SMTP connection is gone: the other rows of the batch are released, not tried."""


def dispatch_due(now: datetime | None = None, batch_size: int | None = None) -> DispatchReport:
    """Send one batch of due mail over one SMTP connection (or keep it, without MAIL_SERVER); commits."""
    now = now or utcnow()
    batch_size = batch_size or int(current_app.config["MAIL_BATCH_SIZE"])
    if not current_app.config.get("MAIL_SERVER"):
        return DispatchReport(kept=keep_due(now))
    if not anything_due(now):
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
    with Session(db.engine) as session, session.begin():
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
            .values(status=OutboxStatus.KEPT, last_error="")
        )
        return result.rowcount


def claim_due(now: datetime, batch_size: int) -> Claim:
    """Claim up to `batch_size` due rows in a short transaction of its own (a lease; see the module docstring)."""
    lease = lease_seconds()
    lease_until = now + timedelta(seconds=lease)
    send_before = time.monotonic() + lease - 4 * mail_timeout()
    with Session(db.engine, expire_on_commit=False) as session:
        if session.get_bind().dialect.name == "sqlite":
            _begin_immediate(session)
        due = (
            db.select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(batch_size)
            .with_for_update(skip_locked=True)
        )
        messages = list(session.scalars(due))
        for message in messages:
            message.attempts += 1
            message.next_attempt_at = lease_until
        session.commit()
        session.expunge_all()
    return Claim(messages, lease_until, send_before)


def _begin_immediate(session: Session) -> None:
    """SQLite: take the write lock before reading, so that two workers cannot read the same due rows."""
    connection = session.connection()
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def send_claimed(claim: Claim, now: datetime) -> DispatchReport:
    """Send claimed rows over one connection and record each result at once."""
    report = DispatchReport()
    pending = list(claim.messages)
    try:
        connection = TimedConnection(mail_settings(), timeout=mail_timeout())
        with connection:
            while pending:
                if time.monotonic() > claim.send_before:
                    break
                message = pending.pop(0)
                outcome = _send_one(connection, message)
                _record(message, outcome, claim, now, report)
                if isinstance(outcome, ConnectionBroken):
                    break
    except (OSError, smtplib.SMTPException) as error:
        # The connection could not be opened (or broke while quitting): a temporary failure for the rows not
        # tried yet; nothing is lost.
        reason = describe(error)
        log.warning("SMTP connection to %s failed: %s", current_app.config.get("MAIL_SERVER"), reason)
        while pending:
            _record(pending.pop(0), TemporaryFailure(reason), claim, now, report)
    for message in pending:
        _release(message, claim, now)
        report.released += 1
    return report


def _send_one(connection: TimedConnection, message: OutboxMessage) -> Exception | None:
    """None when the server took the message, else the failure (temporary, permanent or connection broken)."""
    try:
        mime = build_mime(message)
        data = mime.as_bytes()
    except (ValueError, TypeError, UnicodeError, IndexError) as error:
        return PermanentFailure(f"invalid message: {error}")
    try:
        connection.send_bytes(sender()[1], message.to_address, data)
    except smtplib.SMTPRecipientsRefused as error:
        code, text = next(iter(error.recipients.values()), (0, b""))
        return classify(code, describe_reply(code, text))
    except smtplib.SMTPServerDisconnected as error:
        return ConnectionBroken(describe(error))
    except smtplib.SMTPNotSupportedError as error:
        return PermanentFailure(describe(error))
    except smtplib.SMTPResponseException as error:
        outcome = classify(error.smtp_code, describe(error))
        # 421: the server closes the connection.
        return ConnectionBroken(str(outcome)) if error.smtp_code == 421 else outcome
    except (OSError, smtplib.SMTPException) as error:
        return ConnectionBroken(describe(error))
    except (UnicodeError, ValueError) as error:
        # For instance a non-ASCII address and a server without SMTPUTF8.
        return PermanentFailure(describe(error))
    return None


def classify(code: int, reason: str) -> Exception:
    """5xx is permanent; 4xx (and anything unexpected) is worth another try."""
    if 500 <= code < 600:
        return PermanentFailure(reason)
    return TemporaryFailure(reason)


def describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return describe_reply(error.smtp_code, error.smtp_error)
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def describe_reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return one_line(f"{code} {text}")[:1000]


def backoff(attempts: int, base: timedelta = BACKOFF_BASE) -> timedelta:
    """Wait before the next try after `attempts` tries: 1, 2, 4 … minutes (capped), plus up to 25% jitter."""
    delay = min(base * 2 ** max(attempts - 1, 0), BACKOFF_CAP)
    return delay + delay * random.uniform(0, 0.25)


def _record(message: OutboxMessage, outcome: Exception | None, claim: Claim, now: datetime, report) -> None:
    if outcome is None:
        values = {"status": OutboxStatus.SENT, "sent_at": now, "last_error": ""}
        report.sent += 1
    elif isinstance(outcome, PermanentFailure) or message.attempts >= max_attempts():
        values = {"status": OutboxStatus.FAILED, "last_error": str(outcome)}
        report.failed += 1
    else:
        values = {"next_attempt_at": now + backoff(message.attempts, backoff_base()), "last_error": str(outcome)}
        report.retried += 1
    if not _update_claimed(message, claim, **values):
        log.warning("outbox row %s was taken over by another worker before its result was recorded", message.id)


def _release(message: OutboxMessage, claim: Claim, now: datetime) -> None:
    """Give a claimed row back untried: due at once, and the claim does not count as an attempt."""
    _update_claimed(message, claim, next_attempt_at=now, attempts=OutboxMessage.attempts - 1)


def _update_claimed(message: OutboxMessage, claim: Claim, **values) -> bool:
    """Write the result only while this worker's claim stands (status, attempts and lease unchanged)."""
    with Session(db.engine) as session, session.begin():
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message.id,
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.attempts == message.attempts,
                OutboxMessage.next_attempt_at == claim.lease_until,
            )
            .values(**values)
        )
        return result.rowcount == 1


def mail_timeout() -> float:
    return float(current_app.config["MAIL_TIMEOUT"])


def backoff_base() -> timedelta:
    """The wait after the first failed try (MAIL_BACKOFF_SECONDS); it doubles with every further try."""
    return timedelta(seconds=float(current_app.config["MAIL_BACKOFF_SECONDS"]))


def max_attempts() -> int:
    return int(current_app.config["MAIL_MAX_ATTEMPTS"])


def lease_seconds() -> float:
    """Long enough to send a whole batch; never shorter than a few timeouts."""
    configured = float(current_app.config["MAIL_LEASE_SECONDS"])
    return max(configured, 6 * mail_timeout())


def mail_settings():
    """Flask-Mail's view of the MAIL_* settings, read now (tests and the shell may change them after start)."""
    settings = mail.init_mail(current_app.config, current_app.debug)
    settings.suppress = False  # Flask-Mail suppresses when TESTING; we decide by MAIL_SERVER instead.
    return settings


class TimedConnection(flask_mail.Connection):
    """Flask-Mail's connection with a socket timeout (Flask-Mail 0.10 has none) and a quit that never hangs."""

    def __init__(self, settings, timeout: float) -> None:
        super().__init__(settings)
        self.timeout = timeout

    def configure_host(self) -> smtplib.SMTP:
        settings = self.mail
        # Verify the server's certificate (smtplib's default context does not), and name ourselves after our
        # own domain instead of socket.getfqdn(), which can block on DNS outside any timeout.
        context = ssl.create_default_context()
        local_hostname = current_app.config.get("MAIL_EHLO_HOSTNAME") or message_id_domain()
        if settings.use_ssl:
            host = smtplib.SMTP_SSL(
                settings.server, settings.port, local_hostname, timeout=self.timeout, context=context
            )
        else:
            host = smtplib.SMTP(settings.server, settings.port, local_hostname, timeout=self.timeout)
        try:
            host.set_debuglevel(int(settings.debug))
            if settings.use_tls:
                host.starttls(context=context)
            if settings.username and settings.password:
                host.login(settings.username, settings.password)
        except BaseException:
            host.close()
            raise
        return host

    def __exit__(self, exc_type, exc_value, tb) -> None:
        if self.host is None:
            return
        try:
            self.host.quit()
        except (OSError, smtplib.SMTPException):
            pass  # the mails are sent or recorded already; a failing QUIT changes nothing
        finally:
            self.host.close()
            self.host = None

    def send_bytes(self, from_address: str, to_address: str, data: bytes) -> None:
        """Send a message we built ourselves (see the module docstring for why not flask_mail.Message)."""
        assert self.host is not None
        self.host.sendmail(from_address, [to_address], data)
