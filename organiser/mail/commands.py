"""`flask outbox …`: send due mail once (cron) or run as a worker next to the web servers."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ..extensions import db
from ..inbox.addresses import inbox_configured
from ..inbox.mailbox import InboxUnavailable, fetch_inbox
from ..shutdown import StopRequest
from .dispatch import dispatch_due
from .outbox import OutboxKind, queue_mail
from .rendering import render_mail

log = logging.getLogger(__name__)


#: The scheduled jobs the worker runs between dispatches, given by the app (mail imports no domain).
ScheduledJobs = Callable[[], Mapping[str, int]]


def register_commands(app: Flask, scheduled_jobs: ScheduledJobs) -> None:
    """`flask outbox …`; the worker also runs `scheduled_jobs` (organiser.jobs.run_scheduled_jobs)."""
    app.extensions["outbox_scheduled_jobs"] = scheduled_jobs
    app.cli.add_command(outbox)


#: An AppGroup: its commands run inside the application context.
outbox = AppGroup("outbox", help="The mail outbox: send due mail, or run the dispatcher as a worker.")


@outbox.command("send")
@click.option("--batch-size", type=int, default=None, help="At most this many mails (default MAIL_BATCH_SIZE).")
@click.option("--all", "drain", is_flag=True, help="Keep sending batches until nothing is due.")
def send_command(batch_size: int | None, drain: bool) -> None:
    """Send one batch of due mail over one SMTP connection and print what happened."""
    while True:
        report = dispatch_due(batch_size=batch_size)
        click.echo(f"Outbox: {report}.")
        # Only sent and kept rows are off the queue: retried or released ones would make this loop forever.
        if not drain or not (report.sent or report.kept or report.failed):
            return


@outbox.command("check")
@click.option("--to", "to_address", required=True, help="Send a test message to this address.")
def check_command(to_address: str) -> None:
    """Queue a test message, to check the SMTP settings (the worker or `flask outbox send` sends it)."""
    server = current_app.config.get("MAIL_SERVER") or "—"
    subject, text, html = render_mail("smtp_check", current_app.config["BABEL_DEFAULT_LOCALE"], server=server)
    try:
        message = queue_mail(
            kind=OutboxKind.SMTP_CHECK, to_address=to_address, subject=subject, text_body=text, html_body=html
        )
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Test message {message.message_id} queued for {message.to_address}.")


@outbox.command("work")
@click.option("--interval", type=float, default=5, show_default=True, help="Seconds between dispatches.")
@click.option(
    "--jobs-interval", type=float, default=60, show_default=True, help="Seconds between runs of scheduled jobs."
)
@click.option("--once", is_flag=True, help="One round (dispatch and scheduled jobs), then stop.")
def work_command(interval: float, jobs_interval: float, once: bool) -> None:
    """Dispatch due mail every few seconds and run the scheduled jobs every minute; stops on SIGTERM/SIGINT."""
    stop = StopRequest()
    restore = stop.on_signals()
    if not current_app.config.get("MAIL_SERVER"):
        click.echo("Outbox worker: no MAIL_SERVER set, mail is kept for the development mail page (/dev/mail).")
    click.echo(f"Outbox worker started (every {interval:g} s, scheduled jobs every {jobs_interval:g} s).")
    try:
        run_worker(
            stop,
            interval=interval,
            jobs_interval=jobs_interval,
            once=once,
            scheduled_jobs=current_app.extensions["outbox_scheduled_jobs"],
        )
    finally:
        restore()
        stop.close()
        # Hand the database connections back now, not when the interpreter gets round to it.
        db.session.remove()
        db.engine.dispose()
    if stop.signal_name:
        click.echo(f"Outbox worker: {stop.signal_name} received, stopped after the round it was in.")
    click.echo("Outbox worker stopped.")


def run_worker(
    stop: StopRequest | threading.Event,
    *,
    interval: float,
    jobs_interval: float,
    scheduled_jobs: ScheduledJobs,
    once: bool = False,
) -> None:
    """The worker loop: drain due mail, run the scheduled jobs and read the reply mailbox when their time has come,
    sleep, repeat. A stop asked for during a dispatch skips the jobs and the mailbox of that round."""
    next_jobs = next_inbox = 0.0
    while not stop.is_set():
        busy = False
        try:
            report = dispatch_due()
            if report.handled:
                click.echo(f"Outbox: {report}.")
            # A full batch means more may be waiting: go again at once instead of sleeping.
            busy = report.handled >= int(current_app.config["MAIL_BATCH_SIZE"])
        except Exception:
            log.exception("dispatching the outbox failed; trying again in %s s", interval)
        if time.monotonic() >= next_jobs and not stop.is_set():
            next_jobs = time.monotonic() + jobs_interval
            try:
                results = scheduled_jobs()
                db.session.commit()
                if any(results.values()):
                    click.echo(f"Scheduled jobs: {results}.")
            except Exception:
                db.session.rollback()
                log.exception("a scheduled job failed; trying again in %s s", jobs_interval)
            finally:
                db.session.remove()
        if time.monotonic() >= next_inbox and not stop.is_set():
            next_inbox = time.monotonic() + float(current_app.config.get("INBOX_INTERVAL") or 60)
            read_reply_mailbox(stop)
        if once:
            return
        if not busy:
            stop.wait(interval)


def read_reply_mailbox(stop: StopRequest | threading.Event) -> None:
    """One fetch of the reply mailbox (answers from calendar apps, bounces), when one is configured; the stop
    request is looked at between messages, so SIGTERM waits for at most the message being applied."""
    if not inbox_configured():
        return
    try:
        report = fetch_inbox(stop=stop)
        if report.handled:
            click.echo(f"Inbox: {report}.")
    except InboxUnavailable as error:
        log.warning("reading the reply mailbox failed (%s); trying again at the next interval", error)
    except Exception:
        log.exception("reading the reply mailbox failed; trying again at the next interval")
    finally:
        db.session.remove()
