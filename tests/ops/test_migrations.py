"""Migrations with data in the tables, on SQLite and PostgreSQL: all the way down and up again, and each
revision down and up on its own with the demo data present (what an upgrade, or a rollback of one, does to a
live database)."""

from __future__ import annotations

import secrets

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from organiser.config import ROOT
from organiser.extensions import db
from tests.conftest import make_app


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """A database with nothing in it (not the suite's migrated template). On PostgreSQL a schema of its own,
    first on the search path: much cheaper to make and drop than a database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/migrations.sqlite3"
        return
    server = request.getfixturevalue("postgres_server_url")
    schema = f"organiser_migrations_{secrets.token_hex(4)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.engine.make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def revisions() -> list[tuple[str, str | None]]:
    """(revision, the one below it), from head down to the first."""
    script = ScriptDirectory(str(ROOT / "migrations"))
    return [(r.revision, r.down_revision) for r in script.walk_revisions()]


def counts() -> dict[str, int]:
    """Rows per table that exists now (alembic_version aside)."""
    inspector = sa.inspect(db.engine)
    names = [n for n in inspector.get_table_names() if n != "alembic_version"]
    with db.engine.connect() as connection:
        return {n: connection.execute(sa.text(f'SELECT count(*) FROM "{n}"')).scalar_one() for n in names}  # noqa: S608


def contents() -> tuple:
    """Some columns every revision has, to see that rows survive with what they held (not only their number)."""
    with db.engine.connect() as connection:
        if not sa.inspect(connection).has_table("invitation"):
            return ()
        return (
            connection.execute(sa.text("SELECT id, state, token_hash, note FROM invitation ORDER BY id")).all(),
            connection.execute(sa.text("SELECT id, email, name FROM person ORDER BY id")).all(),
            connection.execute(sa.text("SELECT id, message_id, status FROM outbox_message ORDER BY id")).all(),
        )


def current_revision() -> str | None:
    with db.engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def schema_matches_models() -> bool:
    """What `flask db check` checks: nothing left for autogenerate to write."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True})
        return compare_metadata(context, db.metadata) == []


#: Tables a revision creates with rows in them: the one counter row of calendar_version (0011), which the
#: database triggers raise.
SEEDED = {"calendar_version": 1}
#: Tables a revision creates and fills from the data there is: they come back as they were (0028: the per-person
#: summary of invitations that the suggestions read; 0031: the colleague queue made from it and from person).
DERIVED = {"person_participation", "colleague_queue"}


def keys_hold() -> bool:
    """SQLite: every row's foreign keys refer to a row that is there, and the app's connection enforces them again
    after migrating (migrations run with them off: migrations/env.py). PostgreSQL always enforces them."""
    if db.engine.dialect.name != "sqlite":
        return True
    with db.engine.connect() as connection:
        enforced = connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        return enforced and connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []


def test_down_to_nothing_and_up_again_with_the_demo_data(empty_database):
    from organiser.demo import load_demo

    app = make_app(empty_database)
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        loaded = counts()
        assert loaded["event"] and loaded["invitation"] and loaded["person"] and loaded["outbox_message"]
        db.session.remove()

        # All the way down with data in every table, and up again: an empty, complete schema that works.
        downgrade(revision="base")
        assert current_revision() is None and counts() == {}
        upgrade()
        assert current_revision() == revisions()[0][0] and schema_matches_models()
        load_demo()
        db.session.commit()
        assert counts() == loaded and keys_hold()
        db.session.remove()

        # Each revision down and up on its own, the data present: the tables that stay keep every row, and a
        # table the revision creates comes back empty. Then on down to the next revision.
        for revision, below in revisions():
            before, held = counts(), contents()
            downgrade(revision=below or "base")
            assert current_revision() == below
            left = counts()
            assert left == {name: before[name] for name in left}, revision
            assert contents() in (held, ()), revision
            upgrade(revision=revision)
            assert current_revision() == revision and keys_hold(), revision
            refilled = {name: before[name] for name in DERIVED & set(before)}
            assert counts() == {name: left.get(name, refilled.get(name, SEEDED.get(name, 0))) for name in before}, (
                revision
            )
            assert contents() == (held if left else ([], [], [])), revision
            downgrade(revision=below or "base")

        # And step by step up again to a schema the models agree with.
        for revision, _below in reversed(revisions()):
            upgrade(revision=revision)
        assert schema_matches_models()
        db.session.remove()
        db.engine.dispose()


def test_0028_seals_the_mail_already_in_the_outbox_and_opens_it_again_on_the_way_down(empty_database):
    """Mail written before sealing (plain text with a working link) is sealed by the upgrade (issue 15)."""
    from organiser.mail.models import OutboxMessage
    from organiser.mail.sealing import PREFIX

    app = make_app(empty_database)
    plain = "Beste Anna,\n\nUw link: https://organiser.test/rsvp/abc\n"
    raw = sa.text("SELECT text_body, html_body, ics FROM outbox_message")
    with app.app_context():
        upgrade(revision="0027_w_calendar_reply_sequence")
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO outbox_message (kind, to_address, to_name, subject, text_body, html_body, reply_to,"
                    " message_id, status, attempts, next_attempt_at, last_error, created_at)"
                    " VALUES ('new_link', 'anna@example.org', 'Anna', 'Link', :text, '', '', '<1@x>', 'pending', 0,"
                    " CURRENT_TIMESTAMP, '', CURRENT_TIMESTAMP)"
                ),
                {"text": plain},
            )
        upgrade(revision="0028_i15_seal_outbox")
        with db.engine.connect() as connection:
            text_body, html_body, ics = connection.execute(raw).one()
        assert text_body.startswith(PREFIX) and "/rsvp/abc" not in text_body and (html_body, ics) == ("", None)
        assert db.session.scalar(db.select(OutboxMessage.text_body)) == plain
        db.session.remove()
        downgrade(revision="0027_w_calendar_reply_sequence")
        with db.engine.connect() as connection:
            assert connection.execute(raw).one() == (plain, "", None)
        db.session.remove()
        db.engine.dispose()
