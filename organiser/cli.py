"""Flask commands: organiser accounts and demo data (mail and scheduling commands live with their domains)."""

from __future__ import annotations

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
    def demo_data_command(quiet: bool) -> None:
        """Load demo data (idempotent: running it again adds nothing twice)."""
        created = load_demo()
        db.session.commit()
        if not quiet:
            click.echo("Demo data loaded." if created else "Demo data was already there.")
            click.echo(f"Log in as {DEMO_EMAIL} with password {DEMO_PASSWORD}.")

    @app.cli.command("jobs")
    def jobs_command() -> None:
        """Run the scheduled jobs once: reminders and purging personal data (for cron)."""
        for name, count in run_scheduled_jobs().items():
            click.echo(f"{name}: {count}")

    # Each domain's commands, in one explicit list: a broken import fails loudly instead of dropping a command.
    calendar_commands.register_commands(app)
    mail_commands.register_commands(app, scheduled_jobs=run_scheduled_jobs)
    inbox_commands.register_commands(app)
