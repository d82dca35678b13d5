"""The SMTP conversation of the dispatcher: a connection with a timeout (and pipelining where the server offers
it), and the server's replies read as temporary or permanent failures (RFC 5321 §4.2.1: 4xx transient, 5xx
permanent). `dispatch` decides what a failure means for the outbox row.
"""

from __future__ import annotations

import re
import smtplib
import ssl

import flask_mail
from flask import current_app

from ..extensions import mail
from .models import OutboxMessage
from .outbox import message_id_domain
from .rendering import mime_bytes, one_line


class TemporaryFailure(Exception):
    """Try again later (4xx, connection trouble)."""


class PermanentFailure(Exception):
    """Never try again (5xx, invalid message)."""


class ConnectionBroken(TemporaryFailure):
    """The SMTP connection is gone: the other rows of the batch are released, not tried."""


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


def mail_timeout() -> float:
    return float(current_app.config["MAIL_TIMEOUT"])


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
        context = ssl.create_default_context() if settings.use_ssl or settings.use_tls else None
        local_hostname = current_app.config.get("MAIL_EHLO_HOSTNAME") or message_id_domain()
        host: smtplib.SMTP
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
        """Send a message we built ourselves (see the module docstring for why not flask_mail.Message).

        Where the server offers PIPELINING (RFC 2920), MAIL, RCPT and DATA go in one write and their replies
        are read together: two round trips per mail instead of four. The errors are smtplib.sendmail's."""
        host = self.host
        assert host is not None
        host.ehlo_or_helo_if_needed()
        if not host.has_extn("pipelining") or not (from_address.isascii() and to_address.isascii()):
            host.sendmail(from_address, [to_address], data)
            return
        size = f" SIZE={len(data)}" if host.has_extn("size") else ""
        host.send(
            f"MAIL FROM:{smtplib.quoteaddr(from_address)}{size}\r\nRCPT TO:{smtplib.quoteaddr(to_address)}\r\nDATA\r\n"
        )
        mail_reply, rcpt_reply, data_reply = host.getreply(), host.getreply(), host.getreply()
        if mail_reply[0] != 250:
            self._abandon(mail_reply[0], data_reply[0])
            raise smtplib.SMTPSenderRefused(*mail_reply, from_address)
        if rcpt_reply[0] not in (250, 251):
            self._abandon(rcpt_reply[0], data_reply[0])
            raise smtplib.SMTPRecipientsRefused({to_address: rcpt_reply})
        if data_reply[0] != 354:
            self._abandon(data_reply[0], data_reply[0])
            raise smtplib.SMTPDataError(*data_reply)
        body = re.sub(rb"(?m)^\.", b"..", data)  # dot-stuffing, as smtplib.SMTP.data does
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        host.send(body + b".\r\n")
        code, reply = host.getreply()
        if code != 250:
            self._abandon(code, code)
            raise smtplib.SMTPDataError(code, reply)

    def _abandon(self, code: int, data_code: int) -> None:
        """After a refusal: 421 closes the connection (as smtplib does); else RSET, sending a lone dot first when
        the server did accept DATA."""
        assert self.host is not None
        if code == 421:
            self.host.close()
            return
        if data_code == 354:
            self.host.send(b".\r\n")
            self.host.getreply()
        self.host.rset()


def send_message(
    connection: TimedConnection, message: OutboxMessage, from_name: str, from_address: str, envelope: str
) -> Exception | None:
    """Send one outbox row over `connection`: None when the server took it, else the failure (TemporaryFailure,
    PermanentFailure, or ConnectionBroken when the connection is no longer usable), classified by its SMTP reply
    code (RFC 5321 §4.2.1: 4xx temporary, 5xx permanent; 421 closes the connection)."""
    try:
        data = mime_bytes(message, from_name, from_address)
    except (ValueError, TypeError, UnicodeError, IndexError) as error:
        return PermanentFailure(f"invalid message: {error}")
    try:
        connection.send_bytes(envelope, message.to_address, data)
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
