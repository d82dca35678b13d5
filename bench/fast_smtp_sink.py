"""A fast local SMTP sink for the dispatch benchmark: asyncio, PIPELINING, each message one file.

deploy/smtp_sink.py (aiosmtpd) accepts only about 100–130 messages a second on 2 cores, less than a worker
should send; this one takes several thousand, so that the benchmark measures the worker. It keeps what the
benchmark counts and checks (one `<pid>-<n>.eml` file per accepted message, whole files only) and nothing
else: no authentication, no TLS, no size limits. Loopback only.

    python -m bench.fast_smtp_sink --port 8025 --directory /tmp/mail
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
from pathlib import Path

EHLO = b"250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"


class Sink:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.counter = itertools.count(1)

    def store(self, content: bytes) -> None:
        name = f"{os.getpid()}-{next(self.counter):06d}"
        partial = self.directory / f".{name}.part"
        partial.write_bytes(content)
        partial.rename(self.directory / f"{name}.eml")

    async def session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 sink ESMTP\r\n")
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    writer.write(EHLO if verb == b"EHLO" else b"250 sink\r\n")
                elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                    writer.write(b"250 OK\r\n")
                elif verb == b"DATA":
                    writer.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    await writer.drain()
                    data = await reader.readuntil(b"\r\n.\r\n")
                    content = data[:-5].replace(b"\r\n..", b"\r\n.")  # undo dot-stuffing
                    if content.startswith(b".."):
                        content = content[1:]
                    self.store(content + b"\r\n")
                    writer.write(b"250 Message accepted for delivery\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 Bye\r\n")
                    await writer.drain()
                    break
                else:
                    writer.write(b"502 Command not implemented\r\n")
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


async def serve(host: str, port: int, directory: Path) -> None:
    server = await asyncio.start_server(Sink(directory).session, host, port, limit=64 * 1024 * 1024)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"fast SMTP sink on {host}:{port}, writing to {directory}", flush=True)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--directory", type=Path, required=True)
    args = parser.parse_args(argv)
    args.directory.mkdir(parents=True, exist_ok=True)
    asyncio.run(serve(args.host, args.port, args.directory))


if __name__ == "__main__":
    main()
