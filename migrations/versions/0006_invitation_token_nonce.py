"""Invitation.token_nonce: derive the personal RSVP token so later mails can repeat the link

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-28

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_nonce", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_column("token_nonce")
