"""Stopping a long-running command (the outbox worker and what runs in its loop) on SIGTERM or SIGINT.

A signal handler runs between two bytecodes of whatever the main thread was doing, possibly inside another
handler. So the handler here takes no lock and does no I/O: it only records the signal in an attribute.
threading.Event.set() takes a lock (a second signal inside the first handler waited for it forever) and
click.echo writes to a buffered stream (a reentrant write raises). The loop waits with select() on a socket
that the interpreter's C-level handler writes the signal number to (signal.set_wakeup_fd), so it wakes at
once, and says what happened itself, outside the handler.
"""

from __future__ import annotations

import contextlib
import select
import signal
import socket
import threading
from collections.abc import Callable

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class StopRequest:
    """Whether the process was asked to stop, set safely from a signal handler; `wait` sleeps until it is."""

    def __init__(self) -> None:
        #: The number of the signal that asked to stop (an int: the handler builds nothing).
        self.signum: int | None = None
        self._asked = False
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)

    def is_set(self) -> bool:
        return self._asked or self.signum is not None

    @property
    def signal_name(self) -> str | None:
        return signal.Signals(self.signum).name if self.signum is not None else None

    def set(self) -> None:
        """Ask to stop from code (a test, another thread); not for signal handlers (it writes to a socket)."""
        self._asked = True
        with contextlib.suppress(OSError):  # a full or closed socket: the flag is what counts
            self._writer.send(b"\0")

    def wait(self, timeout: float | None) -> bool:
        """Sleep until asked to stop or `timeout` seconds have passed; True when asked to stop."""
        if not self.is_set():
            select.select([self._reader], [], [], timeout)
            self._drain()
        return self.is_set()

    def _drain(self) -> None:
        with contextlib.suppress(OSError):  # BlockingIOError: nothing (more) to read
            while self._reader.recv(512):
                pass

    def on_signals(self, signals=STOP_SIGNALS) -> Callable[[], None]:
        """Install the handlers (main thread only; elsewhere nothing happens); returns a function that puts the
        previous handlers back, or, once a signal asked to stop, ignores further ones: a stream of them must not
        kill the process half-way through its clean-up."""
        if threading.current_thread() is not threading.main_thread():
            return lambda: None

        def record(signum, frame) -> None:
            # Nothing else here: no lock, no I/O, no logging (see the module docstring).
            self.signum = signum

        previous = {sig: signal.signal(sig, record) for sig in signals}
        previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)

        def restore() -> None:
            signal.set_wakeup_fd(previous_fd)
            # Blocked while the handlers change. A signal that the C-level handler had caught but whose Python
            # handler had not run yet would otherwise find SIG_IGN in its place, and CPython then prints "Signal 15
            # ignored due to race condition" with a traceback (bpo-43406; seen in a burst of SIGTERMs). Blocking
            # runs the pending Python handlers first (pthread_sigmask checks for signals), and setting SIG_IGN
            # discards what arrives meanwhile (POSIX). SIG_IGN stays the kernel's: it holds through the
            # interpreter's finalisation, which puts Python-level handlers back to the default. The block is
            # this thread's: enough in the worker, which starts no other (tests/mail/test_stopping.py).
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, previous)
            try:
                for sig, handler in previous.items():
                    signal.signal(sig, signal.SIG_IGN if self.signum is not None else handler)
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)

        return restore

    def close(self) -> None:
        self._reader.close()
        self._writer.close()
