"""colleague_queue: every colleague who may be suggested, in the order of their department's queue, kept by triggers
on person and person_participation; person_participation.previous_taken_part_at, for the few whose latest yes
lies ahead

The suggestions page ranked every colleague on every request (two sorts and window functions over all of them:
~90 ms at 20,000 staff on PostgreSQL, ~170 ms on SQLite). With the queue in one index it reads the first n of each
department's queue and the few whose latest event lies ahead (invitations/suggestions.py).

Revision ID: 0031_q12_colleague_queue
Revises: 0030_lead_forget_stored_links
Create Date: 2026-11-30

"""

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0031_q12_colleague_queue"
down_revision = "0030_lead_forget_stored_links"
branch_labels = None
depends_on = None


def _participation():
    """Migration 0029, whose triggers this one gives a new statement (their names, events and conditions stay)."""
    path = Path(__file__).with_name("0029_q12_person_participation.py")
    spec = importlib.util.spec_from_file_location("migration_0029", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_0029 = _participation()

#: The end of the latest event taken part in before the latest one (ended or not) — what the suggestions count
#: as the last time while the latest lies ahead.
PREVIOUS_TAKEN_PART = (
    "(SELECT max(e.ends_at) FROM invitation i JOIN event e ON e.id = i.event_id "  # noqa: S608 (constants)
    "WHERE i.person_id = p.id AND e.status <> 'cancelled' "
    "AND (i.attended IS TRUE OR (i.attended IS NULL AND i.state = 'yes')) "
    f"AND e.ends_at < {_0029.LAST_TAKEN_PART})"
)


def recompute(ids: str, emptied: str | None = None) -> str:
    """0029's statements, with previous_taken_part_at."""
    people = f"FROM person p WHERE p.id IN ({ids}) AND p.deleted_at IS NULL"
    return (
        "INSERT INTO person_participation (person_id, last_taken_part_at, previous_taken_part_at, declined_last_two) "  # noqa: S608 (constants)
        f"SELECT p.id, {_0029.LAST_TAKEN_PART}, {PREVIOUS_TAKEN_PART}, {_0029.DECLINED_LAST_TWO} {people} "
        "ON CONFLICT (person_id) DO UPDATE SET last_taken_part_at = excluded.last_taken_part_at, "
        "previous_taken_part_at = excluded.previous_taken_part_at, declined_last_two = excluded.declined_last_two; "
        f"DELETE FROM person_participation WHERE person_id IN ({emptied or ids}) "  # noqa: S608 (constants)
        "AND last_taken_part_at IS NULL AND NOT declined_last_two;"
    )


def queue_rows(which: str) -> str:
    """The statement that puts in the queue the people of the condition `which` (on `p`, a person) who may be
    suggested: active staff, not erased, with a contact role, not declining their last two invitations."""
    return (
        "INSERT INTO colleague_queue "  # noqa: S608 (constants)
        "(person_id, department_key, contact_role, took_part, last_taken_part_at, previous_taken_part_at, sort_name) "
        "SELECT p.id, coalesce(p.department_id, 0), p.contact_role, pp.last_taken_part_at IS NOT NULL, "
        "pp.last_taken_part_at, pp.previous_taken_part_at, lower(p.name) "
        "FROM person p LEFT JOIN person_participation pp ON pp.person_id = p.id "
        f"WHERE ({which}) AND p.kind = 'staff' AND p.active IS TRUE AND p.deleted_at IS NULL "
        "AND p.contact_role IS NOT NULL AND pp.declined_last_two IS NOT TRUE"
    )


def enqueue(person: str) -> str:
    """The statements that make the queue's row of one person (`NEW.id`, say) again."""
    return f"DELETE FROM colleague_queue WHERE person_id = {person}; {queue_rows(f'p.id = {person}')};"  # noqa: S608


#: A new latest or previous time of someone whose place is otherwise unchanged (an answer, a check-in): the row
#: is changed in place.
MOVED = (
    "UPDATE colleague_queue SET took_part = NEW.last_taken_part_at IS NOT NULL, "
    "last_taken_part_at = NEW.last_taken_part_at, previous_taken_part_at = NEW.previous_taken_part_at "
    "WHERE person_id = NEW.person_id;"
)

#: (trigger name, statement, condition, what it runs), for `colleague_queue_<name>`.
QUEUE_TRIGGERS = (
    ("person_insert", "INSERT ON person", "", enqueue("NEW.id")),
    (
        "person_update",
        "UPDATE OF name, kind, active, deleted_at, contact_role, department_id ON person",
        " OR ".join(
            f"NEW.{column} {{ne}} OLD.{column}"
            for column in ("name", "kind", "active", "deleted_at", "contact_role", "department_id")
        ),
        enqueue("NEW.id"),
    ),
    ("participation_insert", "INSERT ON person_participation", "", enqueue("NEW.person_id")),
    (
        "participation_declined",
        "UPDATE OF declined_last_two ON person_participation",
        "NEW.declined_last_two <> OLD.declined_last_two",
        enqueue("NEW.person_id"),
    ),
    (
        "participation_moved",
        "UPDATE OF last_taken_part_at, previous_taken_part_at ON person_participation",
        "NEW.declined_last_two = OLD.declined_last_two AND (NEW.last_taken_part_at {ne} OLD.last_taken_part_at "
        "OR NEW.previous_taken_part_at {ne} OLD.previous_taken_part_at)",
        MOVED,
    ),
    ("participation_delete", "DELETE ON person_participation", "", enqueue("OLD.person_id")),
)


def _create_trigger(prefix: str, name: str, when: str, condition: str, body: str, postgresql: bool) -> None:
    """A row trigger `<prefix>_<name>` running `body` after `when` (if `condition`); on PostgreSQL its function
    of the same name is made or replaced."""
    if postgresql:
        row = "OLD" if when.startswith("DELETE") else "NEW"
        op.execute(
            f"CREATE OR REPLACE FUNCTION {prefix}_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{body} RETURN {row}; END $$"
        )
        op.execute(f"DROP TRIGGER IF EXISTS {prefix}_{name} ON {when.rsplit(' ON ', 1)[1]}")
        op.execute(
            f"CREATE TRIGGER {prefix}_{name} AFTER {when} FOR EACH ROW "
            + (f"WHEN ({condition}) " if condition else "")
            + f"EXECUTE FUNCTION {prefix}_{name}()"
        )
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {prefix}_{name}")
        op.execute(
            f"CREATE TRIGGER {prefix}_{name} AFTER {when} FOR EACH ROW "
            + (f"WHEN {condition} " if condition else "")
            + f"BEGIN {body} END"
        )


def _participation_triggers(statement, postgresql: bool) -> None:
    """0029's triggers on invitation and event, each running `statement(ids, emptied)`."""
    ne = "IS DISTINCT FROM" if postgresql else "IS NOT"
    for name, when, condition, ids in _0029.TRIGGERS:
        emptied = "NEW.person_id" if name == "invitation_sent" else None
        body = statement(ids, emptied)
        _create_trigger("person_participation", name, when, condition.format(ne=ne), body, postgresql)


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    ne = "IS DISTINCT FROM" if postgresql else "IS NOT"
    op.add_column("person_participation", sa.Column("previous_taken_part_at", sa.DateTime(), nullable=True))
    _participation_triggers(recompute, postgresql)
    # Names compared code point by code point, as Python compares them (invitations/suggestions.py).
    sort_name = sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql")
    op.create_table(
        "colleague_queue",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("department_key", sa.Integer(), nullable=False),
        sa.Column("contact_role", sa.String(length=20), nullable=False),
        sa.Column("took_part", sa.Boolean(), nullable=False),
        sa.Column("last_taken_part_at", sa.DateTime(), nullable=True),
        sa.Column("previous_taken_part_at", sa.DateTime(), nullable=True),
        sa.Column("sort_name", sort_name, nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_colleague_queue_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_colleague_queue")),
    )
    op.create_index(
        "ix_colleague_queue_turn",
        "colleague_queue",
        ["department_key", "contact_role", "took_part", "last_taken_part_at", "sort_name", "person_id"],
    )
    # The few whose latest event lies ahead, and the fewer whose one before lies ahead too, are now found in the
    # queue, by its own indexes.
    op.create_index(op.f("ix_colleague_queue_last_taken_part_at"), "colleague_queue", ["last_taken_part_at"])
    op.create_index(op.f("ix_colleague_queue_previous_taken_part_at"), "colleague_queue", ["previous_taken_part_at"])
    op.drop_index(op.f("ix_person_participation_last_taken_part_at"), table_name="person_participation")
    # The summary of everyone invited so far, with the new column; then every colleague's place in the queue,
    # which the triggers keep from here on.
    for statement in recompute("SELECT person_id FROM invitation").split("; "):
        op.execute(statement)
    op.execute(queue_rows("TRUE"))
    for name, when, condition, body in QUEUE_TRIGGERS:
        _create_trigger("colleague_queue", name, when, condition.format(ne=ne), body, postgresql)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, when, _condition, _body in QUEUE_TRIGGERS:
        if postgresql:
            op.execute(f"DROP TRIGGER colleague_queue_{name} ON {when.rsplit(' ON ', 1)[1]}")
            op.execute(f"DROP FUNCTION colleague_queue_{name}()")
        else:
            op.execute(f"DROP TRIGGER colleague_queue_{name}")
    op.drop_index("ix_colleague_queue_turn", table_name="colleague_queue")
    op.drop_index(op.f("ix_colleague_queue_last_taken_part_at"), table_name="colleague_queue")
    op.drop_index(op.f("ix_colleague_queue_previous_taken_part_at"), table_name="colleague_queue")
    op.create_index(
        op.f("ix_person_participation_last_taken_part_at"), "person_participation", ["last_taken_part_at"]
    )
    op.drop_table("colleague_queue")
    _participation_triggers(_0029.recompute, postgresql)
    # Not through a batch (a copy of the table): SQLite's ALTER TABLE drops it in place (3.35 and later).
    op.execute("ALTER TABLE person_participation DROP COLUMN previous_taken_part_at")
