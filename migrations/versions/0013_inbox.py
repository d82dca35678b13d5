"""The reply mailbox (issue 13): processed messages, reply keys, answer sources, Reply-To, event UIDs, bounces

Revision ID: 0013_inbox
Revises: 0010_feed_state
Create Date: 2026-11-30

"""

from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

revision = "0013_inbox"
down_revision = "0010_feed_state"
branch_labels = None
depends_on = None


def _uid_host() -> str:
    """The host of BASE_URL now: existing events keep exactly the UID they were sent with until today."""
    try:
        from flask import current_app

        base_url = current_app.config["BASE_URL"]
    except (ImportError, RuntimeError, KeyError):
        base_url = ""
    return urlsplit(base_url).hostname or "organiser.invalid"


def upgrade():
    op.create_table(
        "inbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_key", sa.String(length=255), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "reply",
                "counter",
                "auto_reply",
                "bounce",
                "malformed",
                "other",
                name="inbox_message_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("sender", sa.String(length=254), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["invitation_id"], ["invitation.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_key"),
    )
    with op.batch_alter_table("inbox_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_message_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbox_message_invitation_id"), ["invitation_id"], unique=False)

    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_nonce", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("reply_key_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("answer_source", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("calendar_replied_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("calendar_sequence", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_unique_constraint(batch_op.f("uq_invitation_reply_key_hash"), ["reply_key_hash"])

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_to", sa.String(length=320), nullable=False, server_default=""))

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_bounced_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("email_problem", sa.String(length=300), nullable=False, server_default=""))

    # Not in batch mode: on SQLite that copies the table, which the feed-version triggers of 0011 do not survive.
    op.add_column("event", sa.Column("uid", sa.String(length=255), nullable=True))
    op.create_index(op.f("ix_event_uid"), "event", ["uid"], unique=True)
    # Existing events keep the UID their invitations and feeds carry today.
    host = _uid_host()
    op.execute(
        sa.text("UPDATE event SET uid = 'event-' || CAST(id AS VARCHAR(20)) || '@' || :host").bindparams(host=host)
    )


def downgrade():
    op.drop_index(op.f("ix_event_uid"), table_name="event")
    op.drop_column("event", "uid")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("reply_to")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("email_problem")
        batch_op.drop_column("email_bounced_at")
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_invitation_reply_key_hash"), type_="unique")
        batch_op.drop_column("calendar_sequence")
        batch_op.drop_column("calendar_replied_at")
        batch_op.drop_column("answer_source")
        batch_op.drop_column("reply_key_hash")
        batch_op.drop_column("reply_nonce")
    with op.batch_alter_table("inbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_message_invitation_id"))
        batch_op.drop_index(batch_op.f("ix_inbox_message_event_id"))
    op.drop_table("inbox_message")
