"""outbox_message.qr_url: a URL the HTML part shows as an inline QR code (the invitee's check-in pass)

Revision ID: 0024_d17_outbox_qr_url
Revises: 0023_h17_import_columns
Create Date: 2026-11-30

"""

import sqlalchemy as sa
from alembic import op

revision = "0024_d17_outbox_qr_url"
down_revision = "0023_h17_import_columns"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("qr_url", sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("qr_url")
