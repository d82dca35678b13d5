"""Person.search_key: name and address folded (case and accents ignored), what the directory searches

Revision ID: 0010_l_person_search_key
Revises: 0014_team_accounts
Create Date: 2026-11-30

"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0010_l_person_search_key"
down_revision = "0014_team_accounts"
branch_labels = None
depends_on = None

# A copy of organiser.people.models.fold_for_search as it was when this migration was written: a migration must
# give the same result later, whatever the app's code becomes.
_UNDECOMPOSED = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"})


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_UNDECOMPOSED)


def upgrade():
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_key", sa.String(length=460), nullable=True))
    person = sa.table("person", sa.column("id", sa.Integer), sa.column("name"), sa.column("email"), sa.column("search_key"))
    connection = op.get_bind()
    rows = connection.execute(sa.select(person.c.id, person.c.name, person.c.email)).all()
    for row in rows:
        key = _fold(f"{row.name or ''} {row.email or ''}")[:460]
        connection.execute(person.update().where(person.c.id == row.id).values(search_key=key))
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.alter_column("search_key", existing_type=sa.String(length=460), nullable=False)


def downgrade():
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("search_key")
