"""Scheduled work (reminders, purging personal data), run by the outbox worker and by cron.

Each job is idempotent: running it twice, or on two machines at once, sends nothing twice.
"""

from __future__ import annotations

from datetime import datetime

from .auth import trail
from .extensions import db, utcnow
from .invitations import reminders, retention


def run_scheduled_jobs(now: datetime | None = None) -> dict[str, int]:
    """Run every scheduled job once, each in its own transaction; returns how much each did."""
    now = now or utcnow()
    results: dict[str, int] = {}
    for name, job in (
        ("deadline_reminders", reminders.send_deadline_reminders),
        ("day_before_reminders", reminders.send_day_before_reminders),
        ("purged_personal_details", retention.purge_personal_details),
        ("purged_trail_entries", trail.purge_old_entries),
    ):
        try:
            results[name] = job(now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return results
