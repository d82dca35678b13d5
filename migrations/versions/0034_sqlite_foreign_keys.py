"""SQLite: the rows a foreign key's ON DELETE would have changed, changed now (from here on the app's SQLite
connections enforce foreign keys, organiser/extensions.py; before, SQLite ignored them)

Until now SQLite left its foreign keys unenforced, so deleting a row did not do what the schema says to the rows
that refer to it: an outbox message kept the id of its deleted invitation (ON DELETE SET NULL), and SQLite gives a
new row the largest id plus one, so the id of a deleted latest invitation came back with the next one made. This
repairs both kinds of row, as far as they can be told apart:

1. Rows that refer to an invitation by an id it got after them (the tables that refer to invitations: outbox and
   inbox messages, follow-up requests and answers): a row about another event than the invitation's, or made more
   than REUSED_AFTER_SECONDS before the invitation, belonged to an earlier invitation with the same id; it gets that
   key's ON DELETE action. A reuse within that minute, of the same event cannot be told from a row of the
   invitation itself and is left (a request that makes an invitation and its mail stamps them up to a second
   apart; a deletion and a new invitation within a minute is rarer than that).
2. Rows that refer to a row that is gone (`PRAGMA foreign_key_check`): ON DELETE CASCADE deletes them, SET NULL
   empties the reference, again until none is left (a deleted row can leave others without their row), as
   PostgreSQL did when the row went. A key without an ON DELETE action (a neighbourhood or department must not be
   deleted while used; PostgreSQL refuses) is emptied where its columns may be empty (an event's neighbourhood:
   copying the event would refuse the missing one), else left as it is and named in a warning.

PostgreSQL: nothing to do. Downgrade: nothing to undo (the rows changed referred to nothing, or to the wrong row).

Revision ID: 0034_sqlite_foreign_keys
Revises: 0033_q12_feed_changes_told
Create Date: 2026-12-01

"""

import logging

from alembic import op

revision = "0034_sqlite_foreign_keys"
down_revision = "0033_q12_feed_changes_told"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

#: Each pass handles the rows that refer to a missing row; a cascade can orphan rows further down, one level a pass.
MOST_PASSES = 20

#: A row made this long before the invitation it names was made for an earlier invitation with the same id.
REUSED_AFTER_SECONDS = 60

#: (table, when its row was made or None, the key's ON DELETE action) for every key on invitation.id.
REFERS_TO_INVITATION = (
    ("outbox_message", "created_at", "SET NULL"),
    ("inbox_message", "received_at", "SET NULL"),
    ("followup_request", "asked_at", "CASCADE"),
    ("followup_answer", None, "SET NULL"),
)


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    for table, made, action in REFERS_TO_INVITATION:
        _act_on_reused(connection, table, made, action)
    left: dict[str, int] = {}
    for _pass in range(MOST_PASSES):
        changed, left = _act_on_orphans(connection)
        if not changed:
            break
    else:
        log.warning("foreign keys: still rows without their row after %d passes", MOST_PASSES)
    for table, count in sorted(left.items()):
        log.warning(
            "%s: %d rows refer to a row that is gone with a key that must not be empty; left as they are", table, count
        )


def _act_on_reused(connection, table: str, made: str | None, action: str) -> None:
    stale = [f'("{table}".event_id IS NOT NULL AND "{table}".event_id != invitation.event_id)']
    if made is not None:
        stale.append(
            f'julianday("{table}".{made}) < julianday(invitation.created_at) - {REUSED_AFTER_SECONDS} / 86400.0'
        )
    reused = (
        f'EXISTS (SELECT 1 FROM invitation WHERE invitation.id = "{table}".invitation_id AND ({" OR ".join(stale)}))'
    )
    _act(connection, table, action, ["invitation_id"], reused)


def _act_on_orphans(connection) -> tuple[int, dict[str, int]]:
    """One pass over `PRAGMA foreign_key_check`: (rows changed, {table: rows left as they are})."""
    changed, left = 0, {}
    keys: dict[str, dict[int, tuple[str, list[str]]]] = {}
    for table, rowid, _parent, key_id in connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall():
        if table not in keys:
            keys[table] = _foreign_keys(connection, table)
        action, columns = keys[table][key_id]
        if rowid is None or action not in ("CASCADE", "SET NULL"):
            left[table] = left.get(table, 0) + 1
            continue
        _act(connection, table, action, columns, "rowid = ?", (rowid,))
        changed += 1
    return changed, left


def _act(connection, table: str, action: str, columns: list[str], where: str, parameters: tuple = ()) -> None:
    """What ON DELETE `action` does to the rows of `table` matching `where`: CASCADE deletes them, SET NULL
    empties `columns`. Names come from this module and the schema itself, never from data."""
    if action == "CASCADE":
        sql = f'DELETE FROM "{table}" WHERE {where}'  # noqa: S608 (see the docstring)
    else:
        emptied = ", ".join(f'"{column}" = NULL' for column in columns)
        sql = f'UPDATE "{table}" SET {emptied} WHERE {where}'  # noqa: S608 (likewise)
    connection.exec_driver_sql(sql, parameters)


def _foreign_keys(connection, table: str) -> dict[int, tuple[str, list[str]]]:
    """{key id: (the action on a missing row, the referring columns)} of the table (PRAGMA foreign_key_list): its
    ON DELETE action, and SET NULL for a key without one whose columns may all be empty."""
    may_be_empty = {
        name
        for _cid, name, _type, notnull, _default, _pk in connection.exec_driver_sql(f'PRAGMA table_info("{table}")')
        if not notnull
    }
    found: dict[int, tuple[str, list[str]]] = {}
    for key_id, _seq, _parent, column, _to, _on_update, on_delete, _match in connection.exec_driver_sql(
        f'PRAGMA foreign_key_list("{table}")'
    ).fetchall():
        action, columns = found.get(key_id, (on_delete.upper(), []))
        found[key_id] = (action, [*columns, column])
    return {
        key_id: (
            "SET NULL" if action not in ("CASCADE", "SET NULL") and may_be_empty >= set(columns) else action,
            columns,
        )
        for key_id, (action, columns) in found.items()
    }


def downgrade():
    pass
