"""Outbox rows that record what must be sent (facts) instead of the rendered mail: the worker renders them

Revision ID: 0026_p12_outbox_facts
Revises: 0020_s16_open_signup
Create Date: 2026-11-30 11:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0026_p12_outbox_facts"
down_revision = "0020_s16_open_signup"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no batch): SQLite adds a nullable column without rebuilding the table.
    op.add_column("outbox_message", sa.Column("facts", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.drop_column("facts")
