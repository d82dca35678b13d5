"""Forget the stored feed entries: personal ones written before this release hold the invitee's personal link

Entries are now stored with a stand-in for the link's token (organiser/calendar/fragments.py, issue 15). The table
is a cache of what every feed shows: an entry deleted here is written again, without the link, the next time a
feed shows it. Nothing to do on the way down.

Revision ID: 0030_lead_forget_stored_links
Revises: 0029_q12_person_participation
Create Date: 2026-11-30

"""

from alembic import op

revision = "0030_lead_forget_stored_links"
down_revision = "0029_q12_person_participation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM calendar_fragment")


def downgrade() -> None:
    pass
