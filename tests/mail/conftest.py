"""A real SMTP server on loopback (aiosmtpd), and servers that misbehave on purpose."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RecordingHandler:
    """Accepts mail (or refuses it as told) and records every conversation."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        #: One entry per EHLO/HELO, i.e. per SMTP connection (smtplib greets once per connection).
        self.connections = 0
        #: The names clients gave in EHLO/HELO.
        self.greetings: list[str] = []
        #: Received messages, parsed.
        self.messages: list[email.message.EmailMessage] = []
        self.raw: list[bytes] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        #: Reply to RCPT TO, e.g. "550 5.1.1 Mailbox unavailable"; None accepts.
        self.rcpt_reply: str | None = None
        #: Replies to DATA used up one by one before accepting, e.g. ["451 4.3.0 Try again later"].
        self.data_replies: list[str] = []
        #: Offer PIPELINING (RFC 2920) in EHLO: the worker then sends MAIL, RCPT and DATA in one go.
        self.pipelining = True

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self.lock:
            self.connections += 1
            self.greetings.append(hostname)
        if self.pipelining:  # aiosmtpd reads pipelined commands one by one anyway
            responses = [*responses[:-1], "250-PIPELINING", responses[-1]]
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        session.host_name = hostname
        with self.lock:
            self.connections += 1
            self.greetings.append(hostname)
        return f"250 {server.hostname}"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.data_replies:
                return self.data_replies.pop(0)
            self.raw.append(envelope.content)
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    @property
    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]


class SMTPServer:
    """An aiosmtpd server on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.handler = RecordingHandler()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    """A running SMTP server on loopback; `smtp_server.handler` holds what it received."""
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def use_smtp(app):
    """Point the app at a server: use_smtp(port, timeout=…)."""

    def configure(port: int, timeout: float = 5) -> None:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=timeout)

    return configure


class SilentServer:
    """Accepts TCP connections and never says a word (a stuck mail server)."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        self.listener.settimeout(0.1)
        while not self.stopping.is_set():
            try:
                connection, _address = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(connection)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=2)
        for connection in self.accepted:
            connection.close()
        self.listener.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.stop()
