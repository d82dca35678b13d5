"""person_participation: per person, the latest event they took part in and whether they declined their last two
invitations, kept by triggers on invitation and event (and filled here for the data there is)

The suggestions page read every colleague's past invitations on every request (two aggregates over all
invitations); it now reads one row per person. Triggers recompute a person's row in the transaction of every
change to their invitations or to the events they were invited to, bulk statements included.

Revision ID: 0029_q12_person_participation
Revises: 0028_f12_personal_feed_version
Create Date: 2026-11-30

"""

import sqlalchemy as sa
from alembic import op

revision = "0029_q12_person_participation"
down_revision = "0028_f12_personal_feed_version"
branch_labels = None
depends_on = None

#: Took part (invitations/suggestions.py): checked in as present, or said yes and nobody recorded otherwise, in
#: an event that was not cancelled. Whether the event has ended is decided when reading.
LAST_TAKEN_PART = (
    "(SELECT max(e.ends_at) FROM invitation i JOIN event e ON e.id = i.event_id "
    "WHERE i.person_id = p.id AND e.status <> 'cancelled' "
    "AND (i.attended IS TRUE OR (i.attended IS NULL AND i.state = 'yes')))"
)
#: The two most recent invitations that were sent (by the event's start, then the invitation's id), both declined.
DECLINED_LAST_TWO = (
    "(SELECT count(*) = 2 AND sum(CASE WHEN last_two.state = 'no' THEN 1 ELSE 0 END) = 2 FROM "
    "(SELECT i.state FROM invitation i JOIN event e ON e.id = i.event_id "
    "WHERE i.person_id = p.id AND i.state <> 'listed' ORDER BY e.starts_at DESC, i.id DESC LIMIT 2) last_two)"
)


def recompute(ids: str, emptied: str | None = None) -> str:
    """The statements that recompute the rows of the people whose ids the query `ids` gives (a person erased or
    no longer there, as in the cascade of its deletion, gets none; `emptied`: where to look for rows left with
    nothing to say, if not among `ids`)."""
    people = f"FROM person p WHERE p.id IN ({ids}) AND p.deleted_at IS NULL"
    return (
        "INSERT INTO person_participation (person_id, last_taken_part_at, declined_last_two) "  # noqa: S608 (constants)
        f"SELECT p.id, {LAST_TAKEN_PART}, {DECLINED_LAST_TWO} {people} "
        "ON CONFLICT (person_id) DO UPDATE SET last_taken_part_at = excluded.last_taken_part_at, "
        "declined_last_two = excluded.declined_last_two; "
        # Nothing to say (never took part, no two declines) is said by no row, as for the never invited.
        f"DELETE FROM person_participation WHERE person_id IN ({emptied or ids}) "  # noqa: S608 (constants)
        "AND last_taken_part_at IS NULL AND NOT declined_last_two;"
    )


#: (trigger name, statement, condition on the row or "", the people whose rows change; NEW/OLD of the row).
#: An invitation only on the guest list (not sent, no attendance) changes nothing: adding or removing 1,000 of
#: them, or sending them, costs no recomputation (sending can only end a run of two declines).
TRIGGERS = (
    ("invitation_insert", "INSERT ON invitation", "NEW.state <> 'listed' OR NEW.attended IS NOT NULL", "NEW.person_id"),
    (
        "invitation_update",
        "UPDATE OF state, attended, person_id, event_id ON invitation",
        "NEW.attended {ne} OLD.attended OR NEW.person_id {ne} OLD.person_id OR NEW.event_id {ne} OLD.event_id "
        "OR (NEW.state {ne} OLD.state AND NOT (OLD.state = 'listed' AND NEW.state = 'invited'))",
        "NEW.person_id, OLD.person_id",
    ),
    (
        "invitation_sent",
        "UPDATE OF state ON invitation",
        "OLD.state = 'listed' AND NEW.state = 'invited'",
        "SELECT person_id FROM person_participation WHERE person_id = NEW.person_id AND declined_last_two",
    ),
    ("invitation_delete", "DELETE ON invitation", "OLD.state <> 'listed' OR OLD.attended IS NOT NULL", "OLD.person_id"),
    (
        "event_update",
        "UPDATE OF status, starts_at, ends_at ON event",
        "NEW.status {ne} OLD.status OR NEW.starts_at {ne} OLD.starts_at OR NEW.ends_at {ne} OLD.ends_at",
        "SELECT person_id FROM invitation WHERE event_id = NEW.id",
    ),
    # Where deleting an event does not delete its invitations (SQLite without foreign keys enforced), they no
    # longer count: they belong to no event.
    ("event_delete", "DELETE ON event", "", "SELECT person_id FROM invitation WHERE event_id = OLD.id"),
)
#: The row goes with the person: when they are erased (the row of person stays, anonymised, for reach counts)
#: or deleted (also where SQLite does not enforce the foreign key's ON DELETE CASCADE).
#: (trigger name, statement, condition, the row: NEW/OLD)
FORGET = (
    ("person_erase", "UPDATE OF deleted_at ON person", "NEW.deleted_at IS NOT NULL", "NEW"),
    ("person_delete", "DELETE ON person", "", "OLD"),
)


def _create_trigger(name: str, when: str, condition: str, body: str, postgresql: bool) -> None:
    """A row trigger `person_participation_<name>` running the statement `body` after `when` (if `condition`)."""
    if postgresql:
        row = "OLD" if when.startswith("DELETE") else "NEW"
        op.execute(
            f"CREATE FUNCTION person_participation_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{body} RETURN {row}; END $$"
        )
        op.execute(
            f"CREATE TRIGGER person_participation_{name} AFTER {when} FOR EACH ROW "
            + (f"WHEN ({condition}) " if condition else "")
            + f"EXECUTE FUNCTION person_participation_{name}()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER person_participation_{name} AFTER {when} FOR EACH ROW "
            + (f"WHEN {condition} " if condition else "")
            + f"BEGIN {body} END"
        )


def upgrade():
    op.create_table(
        "person_participation",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("last_taken_part_at", sa.DateTime(), nullable=True),
        sa.Column("declined_last_two", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_person_participation_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_person_participation")),
    )
    # The few whose latest yes lies ahead are found by this index (the suggestions look at their invitations).
    op.create_index(
        op.f("ix_person_participation_last_taken_part_at"), "person_participation", ["last_taken_part_at"]
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    ne = "IS DISTINCT FROM" if postgresql else "IS NOT"
    for name, when, condition, ids in TRIGGERS:
        emptied = "NEW.person_id" if name == "invitation_sent" else None
        _create_trigger(name, when, condition.format(ne=ne), recompute(ids, emptied), postgresql)
    for name, when, condition, row in FORGET:
        forget = f"DELETE FROM person_participation WHERE person_id = {row}.id;"  # noqa: S608 (constants)
        _create_trigger(name, when, condition, forget, postgresql)
    # The people invited so far.
    for statement in recompute("SELECT person_id FROM invitation").split("; "):
        op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, when, _condition, _ids in (*TRIGGERS, *FORGET):
        if postgresql:
            op.execute(f"DROP TRIGGER person_participation_{name} ON {when.rsplit(' ON ', 1)[1]}")
            op.execute(f"DROP FUNCTION person_participation_{name}()")
        else:
            op.execute(f"DROP TRIGGER person_participation_{name}")
    op.drop_index(op.f("ix_person_participation_last_taken_part_at"), table_name="person_participation")
    op.drop_table("person_participation")
