"""Series (reeksen) of events: series and series_occurrence (issue 17, copies and series)

An event's membership is a row of its own (series_occurrence) rather than a column on event: altering the event
table in batch mode would rebuild it on SQLite and lose 0011's feed-version triggers.

Revision ID: 0021_c17_series
Revises: 0022_m17_news
Create Date: 2026-11-30

"""

import sqlalchemy as sa
from alembic import op

revision = "0021_c17_series"
down_revision = "0022_m17_news"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("frequency", sa.String(length=20), nullable=False),
        sa.Column("interval", sa.Integer(), nullable=False),
        sa.Column("week_of_month", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series")),
    )
    op.create_table(
        "series_occurrence",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_series_occurrence_event_id_event"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["series_id"], ["series.id"], name=op.f("fk_series_occurrence_series_id_series"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_series_occurrence")),
    )
    with op.batch_alter_table("series_occurrence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_series_occurrence_series_id"), ["series_id"], unique=False)


def downgrade():
    with op.batch_alter_table("series_occurrence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_series_occurrence_series_id"))
    op.drop_table("series_occurrence")
    op.drop_table("series")
