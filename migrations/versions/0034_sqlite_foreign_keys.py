"""SQLite: the rows a foreign key's ON DELETE would have changed, changed now (from here on the app's SQLite
connections enforce foreign keys, organiser/extensions.py; before, SQLite ignored them)

Until now SQLite left its foreign keys unenforced, so deleting a row did not do what the schema says to the rows
that refer to it: an outbox message kept the id of its deleted invitation (ON DELETE SET NULL), which SQLite then
gave to the next invitation made. This applies each such action now, as PostgreSQL did when the row went:
`PRAGMA foreign_key_check` lists the rows that refer to a missing row; ON DELETE CASCADE deletes them, SET NULL
empties the reference, again until none is left (a deleted row can leave others without their row). A reference
without an ON DELETE action (a neighbourhood or department that must not be deleted while used) is left as it is
and named in a warning: PostgreSQL would have refused that deletion, so there is nothing to repeat.
PostgreSQL: nothing to do. Downgrade: nothing to undo (the rows changed referred to nothing).

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


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    left: dict[str, int] = {}
    for _pass in range(MOST_PASSES):
        changed = 0
        left = {}
        keys: dict[str, dict[int, tuple[str, list[str]]]] = {}
        for table, rowid, _parent, key_id in connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall():
            if table not in keys:
                keys[table] = _foreign_keys(connection, table)
            action, columns = keys[table][key_id]
            if rowid is None or action not in ("CASCADE", "SET NULL"):
                left[table] = left.get(table, 0) + 1
                continue
            if action == "CASCADE":
                sql = f'DELETE FROM "{table}" WHERE rowid = ?'  # noqa: S608 (names from the schema itself)
            else:
                emptied = ", ".join(f'"{column}" = NULL' for column in columns)
                sql = f'UPDATE "{table}" SET {emptied} WHERE rowid = ?'  # noqa: S608 (likewise)
            connection.exec_driver_sql(sql, (rowid,))
            changed += 1
        if not changed:
            break
    for table, count in sorted(left.items()):
        log.warning(
            "%s: %d rows refer to a row that is gone and have no ON DELETE action; left as they are", table, count
        )


def _foreign_keys(connection, table: str) -> dict[int, tuple[str, list[str]]]:
    """{key id: (ON DELETE action, the referring columns)} of the table (PRAGMA foreign_key_list)."""
    found: dict[int, tuple[str, list[str]]] = {}
    for key_id, _seq, _parent, column, _to, _on_update, on_delete, _match in connection.exec_driver_sql(
        f'PRAGMA foreign_key_list("{table}")'
    ).fetchall():
        action, columns = found.get(key_id, (on_delete.upper(), []))
        found[key_id] = (action, [*columns, column])
    return found


def downgrade():
    pass
