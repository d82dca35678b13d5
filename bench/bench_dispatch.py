"""Mail dispatch on its own, on SQLite and PostgreSQL: one outbox worker (`flask outbox send --all`, its
start-up subtracted) to a local SMTP sink, against the naive way (the same messages, one SMTP connection per
mail) and the limit (the same bytes from memory over one connection), rounds alternated and repeated.

The sink is bench/fast_smtp_sink.py (asyncio, PIPELINING, several thousand mails a second), as the aiosmtpd
sink of deploy/ takes only about 100–130 a second on 2 cores: it is measured too, as "aiosmtpd sink, limit".
The mails: 1,000 invitations (BENCH_SHORT: 60) recorded by the real send (`sending.send_invitations`): the outbox
holds their facts, and the worker renders each mail (text, HTML, iCalendar) when it sends it (issue 12), so the
figure includes the rendering.

    .venv/bin/python -m bench.bench_dispatch
"""

from __future__ import annotations

import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from . import harness as h
from .bench_pages import dispatch, mail_files, send_again

MAILS = h.scaled(1000, 60)
BASE_URL = "http://organiser.bench"
ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//organiser//NL\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
    "UID:event-{n}@organiser.bench\r\nDTSTAMP:20301201T120000Z\r\nDTSTART:20301215T130000Z\r\n"
    "DTEND:20301215T150000Z\r\nSUMMARY:Bruiscafé in de Buurtkamer\r\nLOCATION:Buurthuis De Boog\\, Vondelstraat 3\r\n"
    "DESCRIPTION:"
    + "Kom kennismaken met bewoners en collega's van de gemeente. " * 18
    + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def queue(url: str, secret_key: str, count: int) -> None:
    """`count` invitation mails as organiser records them: the real send (facts in the outbox, no rendered mail),
    so that the worker renders each one when it sends it (issue 12)."""
    from flask_migrate import upgrade

    from organiser import create_app
    from organiser.extensions import db

    from .load_support import seed_rsvp_event

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret_key, "BASE_URL": BASE_URL})
    with app.app_context():
        upgrade()
    seed_rsvp_event(app, count, count)
    with app.app_context():
        db.engine.dispose()


def queue_rendered(url: str, secret_key: str, count: int) -> None:
    """`count` mails rendered before they were queued (as every mail was before issue 12), for the start-up run."""
    from flask_migrate import upgrade

    from organiser import create_app
    from organiser.extensions import db
    from organiser.mail.outbox import OutboxKind, queue_mail

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret_key, "BASE_URL": BASE_URL})
    with app.app_context():
        upgrade()
        for n in range(count):
            queue_mail(
                kind=OutboxKind.INVITATION,
                to_address=f"bewoner{n}@gemeente.example",
                to_name=f"Ans de Vries-Çelik {n}",
                subject="Uitnodiging: Bruiscafé in de Buurtkamer op zaterdag 15 december",
                text_body="Beste Ans,\n\n" + "U bent van harte welkom bij het bruiscafé in uw wijk. " * 38,
                html_body="<p>" + "U bent van harte welkom bij het <strong>bruiscafé</strong> in uw wijk. " * 85,
                ics=ICS.replace("{n}", str(n)),
                ics_method="REQUEST",
            )
        db.session.commit()
        db.engine.dispose()


@contextmanager
def sink(module: str, directory: Path):
    port = h.free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", module, "--port", str(port), "--directory", str(directory)],
        cwd=h.ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        time.sleep(1.0)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def measure_database(label: str, url: str, tmp: Path) -> list[list[str]]:
    secret_key = secrets.token_hex(32)
    mail = {name: h.Spread() for name in ("worker", "naive", "limit", "aiosmtpd limit")}
    slow_dir, fast_dir = tmp / f"slow-{label}", tmp / f"fast-{label}"
    with sink("bench.fast_smtp_sink", fast_dir) as port, sink("deploy.smtp_sink", slow_dir) as slow_port:
        env = h.server_env(
            url,
            secret_key,
            BASE_URL,
            ORGANISER_MAIL_SERVER="127.0.0.1",
            ORGANISER_MAIL_PORT=str(port),
            ORGANISER_MAIL_DEFAULT_SENDER="Organiser <organiser@organiser.test>",
            ORGANISER_MAIL_MESSAGE_ID_DOMAIN="organiser.test",
        )
        queue_rendered(url, secret_key, 1)
        dispatch(env)  # migrated, connected once
        startup = statistics.median(dispatch(env) for _ in range(h.scaled(3, 1)))  # nothing due: start-up
        for _round in range(h.ROUNDS):
            queue(url, secret_key, MAILS)
            before = mail_files(fast_dir)
            seconds = dispatch(env)
            delivered = sorted(fast_dir / name for name in mail_files(fast_dir) - before)
            assert len(delivered) == MAILS, f"{len(delivered)} of {MAILS} mails delivered"
            mail["worker"].add(len(delivered) / max(seconds - startup, 1e-3))
            mail["naive"].add(len(delivered) / send_again(delivered, port, one_connection=False))
            mail["limit"].add(len(delivered) / send_again(delivered, port, one_connection=True))
            mail["aiosmtpd limit"].add(len(delivered) / send_again(delivered, slow_port, one_connection=True))
    return [
        ["outbox worker (`flask outbox send --all`, start-up subtracted)", label, mail["worker"].show("{:,.0f}", "/s")],
        ["naive: the same messages, one SMTP connection per mail", label, mail["naive"].show("{:,.0f}", "/s")],
        ["limit: the same bytes from memory over one connection", label, mail["limit"].show("{:,.0f}", "/s")],
        ["aiosmtpd sink (deploy/smtp_sink.py), limit", label, mail["aiosmtpd limit"].show("{:,.0f}", "/s")],
    ]


def main() -> None:
    began = time.monotonic()
    rows = []
    with tempfile.TemporaryDirectory(prefix="organiser-bench-") as tmp:
        for label, url in h.Databases(Path(tmp)):
            rows += measure_database(label, url, Path(tmp))
    print(f"{h.ROUNDS} rounds; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    h.print_table(
        f"Mail dispatch to a local SMTP sink ({MAILS:,} mails per round): mails per second, one worker",
        ["what", "database", "mails/s"],
        rows,
    )
    print(f"run took {time.monotonic() - began:.0f} s")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
