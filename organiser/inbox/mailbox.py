"""Fetching the reply mailbox over IMAP (imap-tools), from the worker and from `flask inbox fetch`.

Per message: read it, apply it in one transaction (see recording.py), commit, and only then remove it from the
mailbox (or move it to INBOX_DONE_FOLDER). A message whose handling failed stays in the mailbox, flagged, for a
person to look at; flagged messages are not fetched again. When the IMAP server goes away mid-batch, the
messages already applied are committed and are recognised by their Message-ID when they are fetched again;
when the database goes away, the message being applied is rolled back and stays in the mailbox.
"""

from __future__ import annotations

import contextlib
import imaplib
import json
import logging
import re
import ssl
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from imap_tools import AND, BaseMailBox, MailBox, MailBoxUnencrypted, MailMessageFlags
from imap_tools.errors import MailboxLoginError, UnexpectedCommandStatusError
from sqlalchemy.exc import InterfaceError, OperationalError

from ..extensions import db, utcnow
from ..shutdown import StopRequest
from .addresses import inbox_configured  # noqa: F401 (re-exported for the domains)
from .messages import read_message
from .recording import DatabaseUnavailable, apply_message, earlier_outcome, record_failure

log = logging.getLogger(__name__)

#: Scope of an Exchange Online IMAP token obtained with the client-credentials flow.
EXCHANGE_SCOPE = "https://outlook.office365.com/.default"


class InboxUnavailable(Exception):
    """The mailbox or the database could not be reached; nothing was lost, the next fetch tries again."""


@dataclass(frozen=True)
class MailboxSettings:
    """Where the reply mailbox is, from ORGANISER_INBOX_URL (imap:// or imaps://user:password@host:port/MAILBOX)."""

    secure: bool
    host: str
    port: int
    username: str
    password: str
    folder: str


def mailbox_settings(url: str) -> MailboxSettings:
    """Read an inbox URL; user name and password may be percent-encoded (an @ in a user name as %40).

    :raise ValueError: not an imap:// or imaps:// URL with a host and a user name.
    """
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
        raise ValueError("ORGANISER_INBOX_URL must look like imaps://user:password@host:port/MAILBOX")
    secure = parts.scheme == "imaps"
    return MailboxSettings(
        secure=secure,
        host=parts.hostname,
        port=parts.port or (993 if secure else 143),
        username=urllib.parse.unquote(parts.username),
        password=urllib.parse.unquote(parts.password or ""),
        folder=urllib.parse.unquote(parts.path.lstrip("/")) or "INBOX",
    )


@dataclass
class FetchReport:
    """What one fetch did."""

    applied: int = 0
    #: Fetched again after being applied (the removal had not happened): removed now.
    duplicates: int = 0
    #: Handling failed: recorded, left in the mailbox flagged.
    failed: int = 0
    #: Not looked at (asked to stop, or the rest of the mailbox beyond the batch).
    left: int = 0

    @property
    def handled(self) -> int:
        return self.applied + self.duplicates + self.failed

    def __str__(self) -> str:
        return f"applied {self.applied}, already done {self.duplicates}, failed {self.failed}, left {self.left}"


def fetch_inbox(
    *, batch_size: int | None = None, now: datetime | None = None, stop: StopRequest | threading.Event | None = None
) -> FetchReport:
    """Apply up to `batch_size` messages from the reply mailbox, oldest first; commits per message.

    `stop` (set by the worker's signal handler) is looked at between messages, so a stop request waits for at
    most one message. :raise InboxUnavailable: the mailbox or the database went away (nothing is lost).
    """
    report = FetchReport()
    url = current_app.config.get("INBOX_URL")
    if not url:
        return report
    settings = mailbox_settings(url)
    batch_size = batch_size or int(current_app.config.get("INBOX_BATCH_SIZE") or 50)
    try:
        box = open_mailbox(settings)
        try:
            uids = box.uids(AND(flagged=False))
            report.left = max(len(uids) - batch_size, 0)
            uids = uids[:batch_size]
            for index, (uid, raw) in enumerate(fetch_raw(box, uids)):
                if stop is not None and stop.is_set():
                    report.left += len(uids) - index
                    break
                _apply_one(box, uid, raw, now or utcnow(), report)
        finally:
            _close(box)
    except DatabaseUnavailable as error:
        raise InboxUnavailable(f"database: {error}") from error
    except (OperationalError, InterfaceError) as error:
        raise InboxUnavailable(f"database: {error.orig}") from error
    except Exception as error:
        if _from_imap(error):
            where = f"{settings.host}:{settings.port}"
            raise InboxUnavailable(f"mailbox {where}: {type(error).__name__}: {error}") from error
        raise
    return report


#: The UID in a FETCH response's data item ("12 (UID 34 BODY[] {567}").
_FETCH_UID = re.compile(rb"\bUID (\d+)")


def fetch_raw(box, uids: list[str]) -> list[tuple[str, bytes]]:
    """(UID, raw message) of each of `uids` still in the mailbox, in their order, in one UID FETCH, without
    marking them seen.

    Read from imaplib's response directly: each message is a (data item, literal) pair carrying its UID. The
    response may also hold unsolicited "* n FETCH (FLAGS …)" items, which a server sends when another session
    (another worker removing a message it applied) changes a flag (RFC 3501 §7.4.2, §7.4.1); imap-tools' bulk
    fetch pairs the items two by two, so one such item shifted the pairs and made up a message without body or
    UID, applied as a message of its own. Here such items are skipped, as is anything for a UID not asked for."""
    if not uids:
        return []
    typ, data = box.client.uid("FETCH", ",".join(uids), "(UID BODY.PEEK[])")
    if typ != "OK":
        raise UnexpectedCommandStatusError(command_result=(typ, data), expected="OK")
    wanted = set(uids)
    found: dict[str, bytes] = {}
    for item in data or ():
        if not isinstance(item, tuple) or len(item) < 2:
            continue  # ")" closing a message, or an unsolicited flags update
        match = _FETCH_UID.search(item[0])
        uid = match.group(1).decode() if match else None
        if uid in wanted and uid not in found:
            found[uid] = item[1]
    return [(uid, found[uid]) for uid in uids if uid in found]


def _apply_one(box, uid: str, raw: bytes, now: datetime, report: FetchReport) -> None:
    incoming = read_message(raw)
    earlier = earlier_outcome(incoming.key)
    db.session.rollback()  # end the read; the apply below starts with its insert (see recording.py)
    if earlier is not None:
        report.duplicates += 1
        if earlier == "error":
            box.flag(uid, MailMessageFlags.FLAGGED, True)
        else:
            _remove(box, uid)
        return
    try:
        row = apply_message(incoming, now)
        db.session.commit()
    except DatabaseUnavailable:
        raise
    except Exception as error:  # noqa: BLE001 - one bad message must not stop the others
        record_failure(incoming, now, error)
        db.session.commit()
        box.flag(uid, MailMessageFlags.FLAGGED, True)
        report.failed += 1
        return
    if row is None:
        report.duplicates += 1
    else:
        report.applied += 1
    _remove(box, uid)


def _close(box) -> None:
    """Log out, and close the socket whatever the server (or the lack of one) says."""
    try:
        box.logout()
    except (OSError, imaplib.IMAP4.error, UnexpectedCommandStatusError):
        pass
    finally:
        with contextlib.suppress(OSError):
            box.client.shutdown()


def _remove(box, uid: str) -> None:
    """Out of the mailbox once applied: moved to INBOX_DONE_FOLDER when set, else deleted."""
    folder = current_app.config.get("INBOX_DONE_FOLDER")
    if folder:
        box.move(uid, folder)
    else:
        box.delete(uid)


def _from_imap(error: BaseException) -> bool:
    return isinstance(
        error, OSError | ssl.SSLError | imaplib.IMAP4.error | MailboxLoginError | UnexpectedCommandStatusError
    )


def open_mailbox(settings: MailboxSettings):
    """A logged-in imap-tools mailbox with the folder selected: TLS for imaps://, STARTTLS on imap:// when the
    server offers it; a password, or an OAuth2 token when INBOX_OAUTH2_CLIENT_ID is set (Exchange Online)."""
    timeout = float(current_app.config.get("INBOX_TIMEOUT") or 30)
    context = ssl.create_default_context()
    box: BaseMailBox
    if settings.secure:
        box = MailBox(settings.host, settings.port, timeout=timeout, ssl_context=context)
    else:
        box = MailBoxUnencrypted(settings.host, settings.port, timeout=timeout)
        if "STARTTLS" in box.client.capabilities:
            box.client.starttls(context)
    try:
        if current_app.config.get("INBOX_OAUTH2_CLIENT_ID"):
            box.xoauth2(settings.username, oauth2_access_token(timeout), settings.folder)
        else:
            box.login(settings.username, settings.password, settings.folder)
    except BaseException:
        box.client.shutdown()
        raise
    return box


def oauth2_access_token(timeout: float) -> str:
    """An access token by the OAuth2 client-credentials flow (Microsoft Entra ID for Exchange Online).

    Settings: INBOX_OAUTH2_TOKEN_URL (https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token),
    INBOX_OAUTH2_CLIENT_ID, INBOX_OAUTH2_CLIENT_SECRET, INBOX_OAUTH2_SCOPE (default Exchange Online's).
    """
    config = current_app.config
    body = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": config["INBOX_OAUTH2_CLIENT_ID"],
            "client_secret": config.get("INBOX_OAUTH2_CLIENT_SECRET") or "",
            "scope": config.get("INBOX_OAUTH2_SCOPE") or EXCHANGE_SCOPE,
        }
    ).encode()
    url = config.get("INBOX_OAUTH2_TOKEN_URL") or ""
    parts = urllib.parse.urlsplit(url)
    loopback = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "::1", "localhost")
    if parts.scheme != "https" and not loopback:  # the client secret travels in the request
        raise ValueError("INBOX_OAUTH2_TOKEN_URL must be an https:// URL")
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 (scheme checked above)
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        token = json.load(response).get("access_token")
    if not token:
        raise OSError("the token endpoint gave no access_token")
    return str(token)
