"""`flask inbox fetch`: read the reply mailbox once (the outbox worker reads it every INBOX_INTERVAL seconds)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup


def register_commands(app: Flask) -> None:
    app.cli.add_command(inbox)


#: An AppGroup: its commands run inside the application context.
inbox = AppGroup("inbox", help="The reply mailbox: answers from calendar apps, bounces, automatic replies.")


@inbox.command("fetch")
@click.option("--batch-size", type=int, default=None, help="At most this many messages (default INBOX_BATCH_SIZE).")
def fetch_command(batch_size: int | None) -> None:
    """Apply the messages waiting in the reply mailbox once, and print what happened."""
    from .mailbox import InboxUnavailable, fetch_inbox

    if not current_app.config.get("INBOX_URL"):
        raise click.ClickException("No reply mailbox: set ORGANISER_INBOX_URL (and ORGANISER_REPLY_ADDRESS).")
    try:
        report = fetch_inbox(batch_size=batch_size)
    except (InboxUnavailable, ValueError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Inbox: {report}.")
