"""calendar_version and calendar_fragment: cheap feed validators and each VEVENT made once per event version

calendar_version holds one counter, raised by triggers in the transaction of every change to what a feed shows
(events other than their seat counter, stops, hosts, the names of initiatives, neighbourhoods and organisers).
Triggers also catch bulk statements and changes made outside the app, and they run on every app server alike.
calendar_fragment keeps the bytes of a VEVENT under the digest of what is shown in it (content-addressed).

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

#: Every column of event a feed may show or select by: all but the seat counter, which answers change.
EVENT_COLUMNS = (
    "id, title, format, description, starts_at, ends_at, location, latitude, longitude, neighbourhood_id, owner, "
    "status, capacity, rsvp_deadline, max_plus_ones, forms_teams, min_office_share, reminder_days_before_deadline, "
    "sequence, organiser_id, created_at, updated_at, published_at, cancelled_at"
)
#: (trigger name, the events that fire it)
TRIGGERS = (
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


def upgrade():
    op.create_table(
        "calendar_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_version")),
    )
    op.create_table(
        "calendar_fragment",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_calendar_fragment")),
    )
    op.create_index(op.f("ix_calendar_fragment_created_at"), "calendar_fragment", ["created_at"])
    op.execute("INSERT INTO calendar_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION calendar_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            + BUMP
            + " RETURN NULL; END $$"
        )
        for name, when in TRIGGERS:
            op.execute(
                f"CREATE TRIGGER calendar_version_{name} AFTER {when} "
                "FOR EACH STATEMENT EXECUTE FUNCTION calendar_version_bump()"
            )
    else:
        for name, when in TRIGGERS:
            # SQLite: one trigger per kind of statement (no OR), row by row.
            table = when.rsplit(" ON ", 1)[1]
            for number, kind in enumerate(when.rsplit(" ON ", 1)[0].split(" OR ")):
                op.execute(
                    f"CREATE TRIGGER calendar_version_{name}_{number} AFTER {kind} ON {table} BEGIN {BUMP} END"
                )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, when in TRIGGERS:
            op.execute(f"DROP TRIGGER calendar_version_{name} ON {when.rsplit(' ON ', 1)[1]}")
        op.execute("DROP FUNCTION calendar_version_bump()")
    else:
        for name, when in TRIGGERS:
            for number, _kind in enumerate(when.rsplit(" ON ", 1)[0].split(" OR ")):
                op.execute(f"DROP TRIGGER calendar_version_{name}_{number}")
    op.drop_index(op.f("ix_calendar_fragment_created_at"), table_name="calendar_fragment")
    op.drop_table("calendar_fragment")
    op.drop_table("calendar_version")
