"""Person.deactivated_at: when someone was set inactive, for the retention of people who left (issue 15)

Revision ID: 0010_person_deactivated_at
Revises: 0013_inbox
Create Date: 2026-11-30

"""

import sqlalchemy as sa
from alembic import op

revision = "0010_person_deactivated_at"
down_revision = "0013_inbox"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deactivated_at", sa.DateTime(), nullable=True))
    # People inactive already: their last change is the best estimate of when they were set inactive.
    op.execute("UPDATE person SET deactivated_at = updated_at WHERE active = false AND deleted_at IS NULL")


def downgrade():
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("deactivated_at")
