"""personal_feed_version: a counter per person, raised by triggers with every change to their invitations that a
personal feed shows; feed_state.inputs and feed_state.valid_until: what a stored ETag was computed for

A personal feed's 304 then needs one lookup (token hash, person, this counter, the calendar_version counter and the
feed's stored state) instead of reading every invitation of the person (issue 12). The triggers fire in the
transaction of the change, also for bulk statements and changes made outside the app, on every app server alike:
on PostgreSQL once per statement (transition tables: a send of 1,000 invitations raises each person once), on
SQLite row by row.

Revision ID: 0028_f12_personal_feed_version
Revises: 0028_i15_seal_outbox
Create Date: 2026-11-30

"""

import sqlalchemy as sa
from alembic import op

revision = "0028_f12_personal_feed_version"
down_revision = "0028_i15_seal_outbox"
branch_labels = None
depends_on = None

#: The columns of invitation a personal feed shows or selects by (as feeds.personal_feed_validator reads them).
SHOWN = ("person_id", "event_id", "state", "sent_at", "answered_at", "waiting_since", "token_nonce", "token_hash")
RAISE = "ON CONFLICT (person_id) DO UPDATE SET version = personal_feed_version.version + 1"


def _changed(new: str, old: str, differs: str = "IS DISTINCT FROM") -> str:
    return " OR ".join(f"{new}.{column} {differs} {old}.{column}" for column in SHOWN)


def upgrade():
    op.create_table(
        "personal_feed_version",
        # No foreign key: the trigger of an invitation deleted with its person (ON DELETE CASCADE) writes here.
        sa.Column("person_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_personal_feed_version")),
    )
    with op.batch_alter_table("feed_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inputs", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("valid_until", sa.DateTime(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        changed = (
            "SELECT n.person_id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE "
            + _changed("n", "o")
            + " UNION SELECT o.person_id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.person_id <> o.person_id"
        )
        for kind, tables, people in (
            ("insert", "NEW TABLE AS new_rows", "SELECT person_id FROM new_rows"),
            ("delete", "OLD TABLE AS old_rows", "SELECT person_id FROM old_rows"),
            ("update", "NEW TABLE AS new_rows OLD TABLE AS old_rows", changed),
        ):
            op.execute(
                f"CREATE FUNCTION personal_feed_version_{kind}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "INSERT INTO personal_feed_version (person_id, version) "
                f"SELECT DISTINCT person_id, 1 FROM ({people}) AS changed {RAISE}; RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE TRIGGER personal_feed_version_{kind} AFTER {kind.upper()} ON invitation "
                f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION personal_feed_version_{kind}()"
            )
    else:
        upsert = "INSERT INTO personal_feed_version (person_id, version) SELECT {row}.person_id, 1 WHERE {when} " + RAISE
        op.execute(
            "CREATE TRIGGER personal_feed_version_insert AFTER INSERT ON invitation BEGIN "
            + upsert.format(row="NEW", when="1")
            + "; END"
        )
        op.execute(
            "CREATE TRIGGER personal_feed_version_delete AFTER DELETE ON invitation BEGIN "
            + upsert.format(row="OLD", when="1")
            + "; END"
        )
        op.execute(
            f"CREATE TRIGGER personal_feed_version_update AFTER UPDATE OF {', '.join(SHOWN)} ON invitation "
            f"WHEN {_changed('NEW', 'OLD', 'IS NOT')} BEGIN "
            + upsert.format(row="NEW", when="1")
            + "; "
            + upsert.format(row="OLD", when="OLD.person_id <> NEW.person_id")
            + "; END"
        )


def downgrade():
    for kind in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER personal_feed_version_{kind}" + (" ON invitation" if _pg() else ""))
        if _pg():
            op.execute(f"DROP FUNCTION personal_feed_version_{kind}()")
    with op.batch_alter_table("feed_state", schema=None) as batch_op:
        batch_op.drop_column("valid_until")
        batch_op.drop_column("inputs")
    op.drop_table("personal_feed_version")


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"
