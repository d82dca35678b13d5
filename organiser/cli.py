"""Flask commands: organiser accounts and demo data (mail and scheduling commands live with their domains)."""

from __future__ import annotations

import secrets

import click
from flask import Flask

from .auth.services import create_organiser
from .calendar import commands as calendar_commands
from .demo import load_demo
from .events.demo import DEMO_EMAIL, DEMO_PASSWORD
from .extensions import db
from .inbox import commands as inbox_commands
from .jobs import run_scheduled_jobs
from .mail import commands as mail_commands


def register_cli(app: Flask) -> None:
    @app.cli.command("create-organiser")
    @click.option("--email", prompt=True)
    @click.option("--name", prompt=True)
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--admin", is_flag=True, help="May manage every organiser's events.")
    def create_organiser_command(email: str, name: str, password: str, admin: bool) -> None:
        """Create an organiser account."""
        try:
            create_organiser(email, name, password, is_admin=admin)
        except ValueError as error:
            raise click.ClickException(str(error)) from error
        db.session.commit()
        click.echo(f"Organiser {email} created.")

    @app.cli.command("demo-data")
    @click.option("--quiet", is_flag=True)
    @click.option("--force", is_flag=True, help="Load demo data outside debug mode too (never with a known password).")
    def demo_data_command(quiet: bool, force: bool) -> None:
        """Load demo data (idempotent: running it again adds nothing twice). Only in debug mode, unless forced."""
        development = app.debug or app.testing
        if not development and not force:
            raise click.ClickException(
                "Demo data is for development (FLASK_DEBUG=1). It adds made-up people and events and sends them "
                "invitations. To load it into this database anyway, run: flask demo-data --force"
            )
        # Outside development the demo administrator never gets the password printed in the README.
        password = DEMO_PASSWORD if development else secrets.token_urlsafe(18)
        created, account_created = load_demo(password)
        db.session.commit()
        if not quiet:
            click.echo("Demo data loaded." if created else "Demo data was already there.")
            if development:
                click.echo(f"Log in as {DEMO_EMAIL} with password {DEMO_PASSWORD}.")
            elif account_created:
                click.echo(f"Log in as {DEMO_EMAIL} with this password, shown only now: {password}")

    @app.cli.command("jobs")
    def jobs_command() -> None:
        """Run the scheduled jobs once: reminders and purging personal data (for cron)."""
        for name, count in run_scheduled_jobs().items():
            click.echo(f"{name}: {count}")

    # Each domain's commands, in one explicit list: a broken import fails loudly instead of dropping a command.
    calendar_commands.register_commands(app)
    mail_commands.register_commands(app, scheduled_jobs=run_scheduled_jobs)
    inbox_commands.register_commands(app)
