"""feed_state: when each calendar feed last changed (Last-Modified shared by every app server, never going back)

Revision ID: 0010_feed_state
Revises: 0011_calendar_fragments
Create Date: 2026-11-30

"""

import sqlalchemy as sa
from alembic import op

revision = "0010_feed_state"
down_revision = "0011_calendar_fragments"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "feed_state",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("etag", sa.String(length=64), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_feed_state")),
    )


def downgrade():
    op.drop_table("feed_state")
