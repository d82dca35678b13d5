"""News for organisers: the account's choice (off / immediate / daily) and language, and the news items

Revision ID: 0022_m17_news
Revises: 0010_l_person_search_key
Create Date: 2026-11-30

"""

import sqlalchemy as sa
from alembic import op

revision = "0022_m17_news"
down_revision = "0010_l_person_search_key"
branch_labels = None
depends_on = None

#: 0011's calendar_version triggers on organiser: SQLite loses them when a batch operation rebuilds the table
#: (dropping a column does; adding one does not).
ORGANISER_TRIGGERS = ("DELETE", "UPDATE OF id, name, email")
BUMP = (
    "INSERT INTO calendar_version (id, version) SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM calendar_version); "
    "UPDATE calendar_version SET version = version + 1 WHERE id = 1;"
)


def _drop_organiser_triggers():
    if op.get_bind().dialect.name == "sqlite":
        for number, _kind in enumerate(ORGANISER_TRIGGERS):
            op.execute(f"DROP TRIGGER IF EXISTS calendar_version_organiser_changes_{number}")


def _restore_organiser_triggers():
    if op.get_bind().dialect.name != "sqlite":
        return
    _drop_organiser_triggers()
    for number, kind in enumerate(ORGANISER_TRIGGERS):
        op.execute(
            f"CREATE TRIGGER calendar_version_organiser_changes_{number} AFTER {kind} ON organiser BEGIN {BUMP} END"
        )


def upgrade():
    with op.batch_alter_table("organiser", schema=None) as batch_op:
        batch_op.add_column(sa.Column("news_delivery", sa.String(length=20), nullable=False, server_default="off"))
        batch_op.add_column(sa.Column("locale", sa.String(length=5), nullable=False, server_default="nl"))
    _restore_organiser_triggers()

    op.create_table(
        "news_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organiser_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("mailed_at", sa.DateTime(), nullable=True),
        sa.Column("claim", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["organiser_id"], ["organiser.id"], name=op.f("fk_news_item_organiser_id_organiser"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name=op.f("fk_news_item_event_id_event"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_news_item_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_news_item")),
    )
    with op.batch_alter_table("news_item", schema=None) as batch_op:
        batch_op.create_index("ix_news_item_unmailed", ["organiser_id", "mailed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_news_item_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_news_item_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_news_item_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_news_item_claim"), ["claim"], unique=False)


def downgrade():
    with op.batch_alter_table("news_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_news_item_claim"))
        batch_op.drop_index(batch_op.f("ix_news_item_created_at"))
        batch_op.drop_index(batch_op.f("ix_news_item_person_id"))
        batch_op.drop_index(batch_op.f("ix_news_item_event_id"))
        batch_op.drop_index("ix_news_item_unmailed")
    op.drop_table("news_item")
    _drop_organiser_triggers()
    with op.batch_alter_table("organiser", schema=None) as batch_op:
        batch_op.drop_column("locale")
        batch_op.drop_column("news_delivery")
    _restore_organiser_triggers()
