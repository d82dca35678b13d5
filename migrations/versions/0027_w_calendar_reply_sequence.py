"""Invitation.calendar_reply_sequence: the SEQUENCE of the last calendar REPLY applied (replies are ordered by
SEQUENCE, then DTSTAMP: RFC 5546 §2.1.5)

Revision ID: 0027_w_calendar_reply_sequence
Revises: 0026_p12_outbox_facts
Create Date: 2026-11-30

"""

import sqlalchemy as sa
from alembic import op

revision = "0027_w_calendar_reply_sequence"
down_revision = "0026_p12_outbox_facts"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calendar_reply_sequence", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_column("calendar_reply_sequence")
