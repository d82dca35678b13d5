"""A local SMTP sink (aiosmtpd): every message it accepts becomes one file in a directory.

Used by `deploy.local` as the mail server of the loopback production set-up, so that tests and benchmarks
can count what was delivered. `--delay` makes it a slow server (seconds per message between storing it and
saying 250), for the test that kills a worker in the middle of a conversation.

    python -m deploy.smtp_sink --port 8025 --directory /tmp/mail [--delay 0.2]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
from pathlib import Path

from aiosmtpd.controller import Controller

from organiser.shutdown import StopRequest


class DirectoryHandler:
    """Writes each accepted message to `<directory>/<pid>-<n>.eml` (whole files only: write, then rename)."""

    def __init__(self, directory: Path, delay: float = 0.0) -> None:
        self.directory = directory
        self.delay = delay
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        name = f"{os.getpid()}-{next(self.counter):06d}"
        partial = self.directory / f".{name}.part"
        partial.write_bytes(envelope.content)
        partial.rename(self.directory / f"{name}.eml")
        if self.delay:
            # The message is stored (delivered) before the client hears so, as with a real server: a client that
            # dies now never learns it was delivered, and sends it again.
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--directory", type=Path, required=True)
    parser.add_argument("--delay", type=float, default=0.0, help="Seconds between storing a message and saying 250.")
    args = parser.parse_args(argv)
    args.directory.mkdir(parents=True, exist_ok=True)
    controller = Controller(DirectoryHandler(args.directory, args.delay), hostname=args.host, port=args.port)
    controller.start()
    # Not threading.Event.set() in a handler: a second signal inside the first one waited for its lock forever.
    stop = StopRequest()
    stop.on_signals()
    print(f"SMTP sink on {args.host}:{args.port}, writing to {args.directory}", flush=True)
    while not stop.wait(None):
        pass
    controller.stop()


if __name__ == "__main__":
    main()
