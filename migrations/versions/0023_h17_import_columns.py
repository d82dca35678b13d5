"""Imports of real HR files: what was read (encoding, sheet, separator), the column mapping, the default kind and
role, sync mode, when an import was applied; the remembered meaning of column headers (import_column_choice)

Revision ID: 0023_h17_import_columns
Revises: 0021_c17_series
Create Date: 2026-11-30

"""

import sqlalchemy as sa
from alembic import op

revision = "0023_h17_import_columns"
down_revision = "0021_c17_series"
branch_labels = None
depends_on = None


def _kind():
    return sa.Enum(
        "staff", "resident", name="import_default_kind", native_enum=False, create_constraint=True, length=20
    )


def _role():
    return sa.Enum(
        "frontline", "office", name="import_default_role", native_enum=False, create_constraint=True, length=20
    )


def upgrade():
    op.create_table(
        "import_column_choice",
        sa.Column("header_key", sa.String(length=100), nullable=False),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("header_key", name=op.f("pk_import_column_choice")),
    )
    with op.batch_alter_table("person_import", schema=None) as batch_op:
        batch_op.add_column(sa.Column("encoding", sa.String(length=40), nullable=False, server_default="utf-8"))
        batch_op.add_column(sa.Column("sheet", sa.String(length=100), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("delimiter", sa.String(length=1), nullable=False, server_default=";"))
        batch_op.add_column(sa.Column("columns", sa.Text(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("default_kind", _kind(), nullable=False, server_default="staff"))
        batch_op.add_column(sa.Column("default_role", _role(), nullable=False, server_default="office"))
        batch_op.add_column(sa.Column("sync_scope", sa.String(length=12), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("applied_at", sa.DateTime(), nullable=True))
    # The server defaults fill the uploads waiting for their preview; the app sets every value itself.


def downgrade():
    with op.batch_alter_table("person_import", schema=None) as batch_op:
        # Named CHECK constraints of the enum columns: SQLite's table copy would keep them without their columns.
        batch_op.drop_constraint(batch_op.f("ck_person_import_import_default_kind"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_person_import_import_default_role"), type_="check")
        for column in (
            "applied_at",
            "sync_scope",
            "default_role",
            "default_kind",
            "columns",
            "delimiter",
            "sheet",
            "encoding",
        ):
            batch_op.drop_column(column)
    op.drop_table("import_column_choice")
