"""PostgreSQL: every change to a row a feed's validator reads notifies the channel organiser_feed_changes, so that
app servers may keep those rows in memory until told (organiser/calendar/told.py; issue 12: the personal feed's 304
without a round trip)

The rows are those of validators.find_personal_feed and known_public: the calendar_version and
personal_feed_version counters (raised by 0011's and 0028's triggers with every change a feed shows), feed_token
(a link replaced or removed) and person (language, deletion). feed_state is not among them: its ETag is a function
of the counters and settings it was computed for, so a row kept with an older one still gives the right answer.
Row triggers, so that a statement that changes nothing tells nothing; PostgreSQL sends one notification per
transaction however many rows call pg_notify with the same channel and payload. TRUNCATE tells too.
SQLite has no LISTEN: nothing to do there.

Revision ID: 0033_q12_feed_changes_told
Revises: 0032_q12_narrow_answer_trigger
Create Date: 2026-12-01

"""

from alembic import op

revision = "0033_q12_feed_changes_told"
down_revision = "0032_q12_narrow_answer_trigger"
branch_labels = None
depends_on = None

CHANNEL = "organiser_feed_changes"  # organiser.calendar.told.CHANNEL (a migration does not import the app)

#: (table, row events, WHEN condition or "")
TOLD = (
    ("calendar_version", "INSERT OR UPDATE OR DELETE", ""),
    ("personal_feed_version", "INSERT OR UPDATE OR DELETE", ""),
    ("feed_token", "INSERT OR UPDATE OR DELETE", ""),
    (
        "person",
        "UPDATE OF locale, deleted_at",
        "WHEN (OLD.locale IS DISTINCT FROM NEW.locale OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)",
    ),
    ("person", "DELETE", ""),
)


def _names(table: str, events: str) -> str:
    return f"feed_changes_told_{table}_{events.split()[0].lower()}"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION feed_changes_told() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"PERFORM pg_notify('{CHANNEL}', ''); RETURN NULL; END $$"
    )
    for table, events, when in TOLD:
        op.execute(
            f"CREATE TRIGGER {_names(table, events)} AFTER {events} ON {table} "
            f"FOR EACH ROW {when} EXECUTE FUNCTION feed_changes_told()"
        )
    for table in sorted({table for table, _events, _when in TOLD}):
        op.execute(
            f"CREATE TRIGGER feed_changes_told_{table}_truncate AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION feed_changes_told()"
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in sorted({table for table, _events, _when in TOLD}):
        op.execute(f"DROP TRIGGER feed_changes_told_{table}_truncate ON {table}")
    for table, events, _when in TOLD:
        op.execute(f"DROP TRIGGER {_names(table, events)} ON {table}")
    op.execute("DROP FUNCTION feed_changes_told()")
