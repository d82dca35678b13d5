"""Open sign-up for public encounters (issue 16): the event's sign-up settings, seats held for the invited, the
waiting-list rule; Invitation.signed_up_at; the signup table (sign-ups not confirmed yet)

Revision ID: 0020_s16_open_signup
Revises: 0025_f18_followup
Create Date: 2026-11-30

"""

import sqlalchemy as sa
from alembic import op

revision = "0020_s16_open_signup"
down_revision = "0025_f18_followup"
branch_labels = None
depends_on = None

#: New event columns. Added one by one with ALTER TABLE (no table rebuild on SQLite, which would drop the
#: feed_version triggers of 0011); none of them is in those triggers' column lists: a feed shows none of them.
EVENT_COLUMNS = (
    sa.Column("signup_open", sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column("signup_seats", sa.Integer(), server_default="0", nullable=False),
    sa.Column("signup_seats_taken", sa.Integer(), server_default="0", nullable=False),
    sa.Column("signup_until", sa.DateTime(), nullable=True),
    sa.Column("held_seats", sa.Integer(), server_default="0", nullable=False),
    sa.Column("contact", sa.String(length=300), server_default="", nullable=False),
    sa.Column("waiting_rule", sa.String(length=20), server_default="arrival", nullable=False),
)


def upgrade():
    for column in EVENT_COLUMNS:
        op.add_column("event", column)
    op.add_column("invitation", sa.Column("signed_up_at", sa.DateTime(), nullable=True))
    op.create_table(
        "signup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("resident", "staff", "other", name="signup_kind", native_enum=False, create_constraint=True, length=20),
            nullable=False,
        ),
        sa.Column("initiative_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column(
            "contact_role",
            sa.Enum(
                "frontline", "office", name="signup_contact_role", native_enum=False, create_constraint=True, length=20
            ),
            nullable=True,
        ),
        sa.Column("plus_ones", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("plus_ones >= 0", name=op.f("ck_signup_plus_ones_not_negative")),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"], name=op.f("fk_signup_department_id_department"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name=op.f("fk_signup_event_id_event"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["initiative_id"], ["initiative.id"], name=op.f("fk_signup_initiative_id_initiative"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signup")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_signup_token_hash")),
    )
    op.create_index(op.f("ix_signup_created_at"), "signup", ["created_at"], unique=False)
    op.create_index(op.f("ix_signup_email"), "signup", ["email"], unique=False)
    op.create_index(op.f("ix_signup_event_id"), "signup", ["event_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_signup_event_id"), table_name="signup")
    op.drop_index(op.f("ix_signup_email"), table_name="signup")
    op.drop_index(op.f("ix_signup_created_at"), table_name="signup")
    op.drop_table("signup")
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): no rebuild of event, so its triggers stay.
    op.drop_column("invitation", "signed_up_at")
    for column in reversed(EVENT_COLUMNS):
        op.drop_column("event", column.name)
