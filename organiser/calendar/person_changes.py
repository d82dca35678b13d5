"""What a change to a person means for their calendar feed (a receiver of the people domain's signals)."""

from __future__ import annotations

from ..extensions import db, rows_matched, utcnow
from ..people.models import Person
from .models import FeedToken


def revoke_feeds_after_email_change(person: Person, old_email: str) -> int:
    """Receiver of person_email_changed: a feed link mailed to the old address stops working (410 Gone).
    The person can be sent a new one from their page."""
    result = db.session.execute(
        db.update(FeedToken)
        .where(FeedToken.person_id == person.id, FeedToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()
    return rows_matched(result)
