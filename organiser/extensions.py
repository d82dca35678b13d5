"""Flask extensions, created unbound so that any module can import them without cycles."""

from __future__ import annotations

import enum
import sqlite3
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from flask_babel import Babel
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import CursorResult, DateTime, Engine, Enum, MetaData, Result, event
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment in time: stored as naive UTC (SQLite has no time zones), returned aware in UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a moment in time is expected")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """The current moment, aware, in UTC (a callable for column defaults)."""
    return datetime.now(UTC).replace(microsecond=0)


db = SQLAlchemy(model_class=Base)


@event.listens_for(Engine, "connect")
def enforce_foreign_keys_on_sqlite(dbapi_connection, _connection_record) -> None:
    """Every SQLite connection enforces foreign keys, as PostgreSQL always does: SQLite leaves them off unless
    each connection asks (https://sqlite.org/foreignkeys.html §2), and then ignores ON DELETE CASCADE / SET NULL.
    Without it a deleted invitation left its outbox rows pointing at its id, which SQLite gives to the next
    invitation made (a rowid above the largest is reused). Migrations turn it off again for their connection
    (migrations/env.py: Alembic's batch mode drops and re-creates tables)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()


if TYPE_CHECKING:
    # db.Model is made at run time (Base with Flask-SQLAlchemy's mixins), and a type checker cannot take an
    # attribute for a base class; to it the models' base is the typed declarative Base it is made from.
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
mail = Mail()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()


def render_migration_item(type_: str, obj, autogen_context):
    """Write UTCDateTime columns into migrations as plain DateTime, so migrations need no app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def string_enum(cls: type[enum.Enum], name: str) -> Enum:
    """An enum column stored as its values in a VARCHAR(20) with a CHECK constraint (no native enum type)."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda e: [m.value for m in e],
    )


def rows_matched(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched: Session.execute returns them as a CursorResult."""
    return cast(CursorResult[Any], result).rowcount
