"""Feeds of stored entries: event.feed_version, calendar_version, calendar_fragment (triggers keep them)

Triggers, in the transaction of every change to what a calendar shows (they also catch bulk statements and
changes made outside the app, on every app server alike):
- calendar_version (one counter) rises with every change to what a feed shows: events (all columns but the seat
  counter), their stops and hosts, the names of initiatives, neighbourhoods and organisers;
- event.feed_version becomes that counter's new value when the event is made and with every change to its shown
  columns, stops, hosts, or the names of those initiatives: never the same pair (id, feed_version) for two
  contents, even where SQLite gives a deleted event's id again.
calendar_fragment keeps the bytes of a VEVENT under (event, feed_version, variant): the variant is the digest of
how the feed shows the event (language, base URL, link, answer lines, output version).

Revision ID: 0011_calendar_fragments
Revises: 0006
Create Date: 2026-11-30

"""

import sqlalchemy as sa
from alembic import op

revision = "0011_calendar_fragments"
down_revision = "0006"
branch_labels = None
depends_on = None

#: Every column of event a feed may show or select by: all but the seat counter (answers) and feed_version.
EVENT_COLUMNS = (
    "id, title, format, description, starts_at, ends_at, location, latitude, longitude, neighbourhood_id, owner, "
    "status, capacity, rsvp_deadline, max_plus_ones, forms_teams, min_office_share, reminder_days_before_deadline, "
    "sequence, organiser_id, created_at, updated_at, published_at, cancelled_at"
)
#: calendar_version: (trigger name, the statements that fire it)
VERSION_TRIGGERS = (
    ("event_changes", "INSERT OR DELETE ON event"),
    ("event_shown_changes", f"UPDATE OF {EVENT_COLUMNS} ON event"),
    ("stop_changes", "INSERT OR DELETE OR UPDATE ON stop"),
    ("event_host_changes", "INSERT OR DELETE OR UPDATE ON event_host"),
    ("initiative_changes", "DELETE OR UPDATE OF id, name ON initiative"),
    ("neighbourhood_changes", "DELETE OR UPDATE OF id, name, slug ON neighbourhood"),
    ("organiser_changes", "DELETE OR UPDATE OF id, name, email ON organiser"),
)
BUMP = (
    "INSERT INTO calendar_version (id, version) SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM calendar_version); "
    "UPDATE calendar_version SET version = version + 1 WHERE id = 1;"
)
#: event.feed_version, row by row: (trigger name, statement, the events whose version rises; NEW/OLD of the row)
EVENT_TRIGGERS = (
    ("stop_insert", "INSERT ON stop", "NEW.event_id"),
    ("stop_update", "UPDATE ON stop", "NEW.event_id, OLD.event_id"),
    ("stop_delete", "DELETE ON stop", "OLD.event_id"),
    ("host_insert", "INSERT ON event_host", "NEW.event_id"),
    ("host_update", "UPDATE ON event_host", "NEW.event_id, OLD.event_id"),
    ("host_delete", "DELETE ON event_host", "OLD.event_id"),
    (
        "initiative_rename",
        "UPDATE OF name ON initiative",
        "SELECT event_id FROM event_host WHERE initiative_id = NEW.id "
        "UNION SELECT event_id FROM stop WHERE initiative_id = NEW.id",
    ),
)


CURRENT = "(SELECT version FROM calendar_version WHERE id = 1)"


def _raise_events(ids: str) -> str:
    return f"{BUMP} UPDATE event SET feed_version = {CURRENT} WHERE id IN ({ids});"


def upgrade():
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feed_version", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "calendar_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_version")),
    )
    op.create_table(
        "calendar_fragment",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("event_version", sa.Integer(), nullable=False),
        sa.Column("variant", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_calendar_fragment_event_id_event"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", "event_version", "variant", name=op.f("pk_calendar_fragment")),
    )
    op.create_index(op.f("ix_calendar_fragment_created_at"), "calendar_fragment", ["created_at"])
    op.execute("INSERT INTO calendar_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION calendar_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            + BUMP
            + " RETURN NULL; END $$"
        )
        for name, when in VERSION_TRIGGERS:
            op.execute(
                f"CREATE TRIGGER calendar_version_{name} AFTER {when} "
                "FOR EACH STATEMENT EXECUTE FUNCTION calendar_version_bump()"
            )
        op.execute(
            "CREATE FUNCTION event_feed_version_own() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{BUMP} NEW.feed_version := {CURRENT}; RETURN NEW; END $$"
        )
        op.execute(
            f"CREATE TRIGGER event_feed_version_own BEFORE INSERT OR UPDATE OF {EVENT_COLUMNS} ON event "
            "FOR EACH ROW EXECUTE FUNCTION event_feed_version_own()"
        )
        for name, when, ids in EVENT_TRIGGERS:
            row = "OLD" if when.startswith("DELETE") else "NEW"
            op.execute(
                f"CREATE FUNCTION event_feed_version_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"{_raise_events(ids)} RETURN {row}; END $$"
            )
            op.execute(
                f"CREATE TRIGGER event_feed_version_{name} AFTER {when} "
                f"FOR EACH ROW EXECUTE FUNCTION event_feed_version_{name}()"
            )
    else:
        for name, when in VERSION_TRIGGERS:
            # SQLite: one trigger per kind of statement (no OR), row by row.
            kinds, table = when.rsplit(" ON ", 1)
            for number, kind in enumerate(kinds.split(" OR ")):
                op.execute(f"CREATE TRIGGER calendar_version_{name}_{number} AFTER {kind} ON {table} BEGIN {BUMP} END")
        # Setting feed_version alone fires none of these again (it is in no column list).
        for number, kind in enumerate(("INSERT", f"UPDATE OF {EVENT_COLUMNS}")):
            op.execute(
                f"CREATE TRIGGER event_feed_version_own_{number} AFTER {kind} ON event "
                f"BEGIN {_raise_events('NEW.id')} END"
            )
        for name, when, ids in EVENT_TRIGGERS:
            op.execute(f"CREATE TRIGGER event_feed_version_{name} AFTER {when} BEGIN {_raise_events(ids)} END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, when in VERSION_TRIGGERS:
            op.execute(f"DROP TRIGGER calendar_version_{name} ON {when.rsplit(' ON ', 1)[1]}")
        op.execute("DROP FUNCTION calendar_version_bump()")
        op.execute("DROP TRIGGER event_feed_version_own ON event")
        op.execute("DROP FUNCTION event_feed_version_own()")
        for name, when, _ids in EVENT_TRIGGERS:
            op.execute(f"DROP TRIGGER event_feed_version_{name} ON {when.rsplit(' ON ', 1)[1]}")
            op.execute(f"DROP FUNCTION event_feed_version_{name}()")
    else:
        for name, when in VERSION_TRIGGERS:
            for number, _kind in enumerate(when.rsplit(" ON ", 1)[0].split(" OR ")):
                op.execute(f"DROP TRIGGER calendar_version_{name}_{number}")
        op.execute("DROP TRIGGER event_feed_version_own_0")
        op.execute("DROP TRIGGER event_feed_version_own_1")
        for name, _when, _ids in EVENT_TRIGGERS:
            op.execute(f"DROP TRIGGER event_feed_version_{name}")
    op.drop_index(op.f("ix_calendar_fragment_created_at"), table_name="calendar_fragment")
    op.drop_table("calendar_fragment")
    op.drop_table("calendar_version")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("feed_version")
