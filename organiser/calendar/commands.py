"""Flask commands of the calendar domain."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask

from ..addresses import AddressRefused
from ..extensions import db
from ..people.models import Person
from .fragments import prune
from .links import issue_feed_token, personal_feed_url, send_feed_link


def register_commands(app: Flask) -> None:
    @app.cli.command("calendar-fragments-prune")
    @click.option("--days", default=90, show_default=True, help="Delete stored feed entries made longer ago.")
    def prune_command(days: int) -> None:
        """Delete old stored calendar feed entries (a feed that still shows one makes it again); from cron."""
        deleted = prune(timedelta(days=days))
        db.session.commit()
        click.echo(f"Deleted {deleted} stored feed entries.")

    @app.cli.command("feed-link")
    @click.argument("email")
    @click.option("--send", is_flag=True, help="Mail the link to the person instead of printing it.")
    def feed_link_command(email: str, send: bool) -> None:
        """Make a new personal calendar feed link for a person; their old link stops working (410 Gone)."""
        person = db.session.scalar(
            db.select(Person).where(Person.email == email.strip().lower(), Person.deleted_at.is_(None))
        )
        if person is None:
            raise click.ClickException(f"No person with email address {email}.")
        if send:
            try:
                send_feed_link(person)
            except AddressRefused as refusal:
                db.session.commit()  # the mark on the address
                raise click.ClickException(str(refusal)) from refusal
            db.session.commit()
            click.echo(f"A new calendar link is queued for {person.email}.")
            return
        url = personal_feed_url(issue_feed_token(person))
        db.session.commit()
        click.echo(url)
