"""Seal the contents already in the outbox (text, HTML, calendar part) under SECRET_KEY (issue 15; mail/sealing.py)

The columns keep their type (text); from now on the application writes them sealed. This seals what was written
before, so that no stored mail keeps a working link in the clear. Downgrade opens them again (same SECRET_KEY).

Revision ID: 0028_i15_seal_outbox
Revises: 0027_w_calendar_reply_sequence
Create Date: 2026-11-30

"""

import sqlalchemy as sa
from alembic import op

from organiser.mail.sealing import seal, unseal

revision = "0028_i15_seal_outbox"
down_revision = "0027_w_calendar_reply_sequence"
branch_labels = None
depends_on = None

_outbox = sa.table(
    "outbox_message",
    sa.column("id", sa.Integer),
    sa.column("text_body", sa.Text),
    sa.column("html_body", sa.Text),
    sa.column("ics", sa.Text),
)


def _rewrite(change) -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_outbox).where(
            (_outbox.c.text_body != "") | (_outbox.c.html_body != "") | _outbox.c.ics.is_not(None)
        )
    ).all()
    for row in rows:
        connection.execute(
            sa.update(_outbox)
            .where(_outbox.c.id == row.id)
            .values(text_body=change(row.text_body), html_body=change(row.html_body), ics=change(row.ics))
        )


def upgrade():
    _rewrite(seal)


def downgrade():
    _rewrite(unseal)
