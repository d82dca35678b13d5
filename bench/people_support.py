"""Throw-away databases for the people benchmarks: a SQLite file, and PostgreSQL where it is reachable."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from organiser import create_app
from organiser.config import normalise_database_url
from organiser.extensions import db

POSTGRES_URL = os.environ.get("ORGANISER_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _app(url: str) -> Flask:
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "CSV_MAX_ROWS": 20000})


@contextmanager
def sqlite_app() -> Iterator[Flask]:
    """An app on a migrated SQLite file in a temporary directory (file-based, as in production)."""
    with tempfile.TemporaryDirectory() as directory:
        app = _app(f"sqlite:///{directory}/bench.sqlite3")
        with app.app_context():
            upgrade()
            yield app
            db.session.remove()
            db.engine.dispose()


@contextmanager
def postgres_app() -> Iterator[Flask | None]:
    """An app on a fresh, migrated PostgreSQL database, or None when PostgreSQL is not reachable."""
    server = normalise_database_url(POSTGRES_URL)
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"organiser_bench_{secrets.token_hex(4)}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError:
        admin.dispose()
        yield None
        return
    url = sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        app = _app(url)
        with app.app_context():
            upgrade()
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class QueryCounter:
    """Counts the SQL statements sent to the database while active."""

    def __init__(self, engine):
        self.engine = engine
        self.count = 0

    def _record(self, *args):
        self.count += 1

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._record)
