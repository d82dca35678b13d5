"""Scheduled work (reminders, purging personal data), run by the outbox worker and by cron.

Each job is idempotent: running it twice, or on two machines at once, sends nothing twice.
"""

from __future__ import annotations

from datetime import datetime

from .extensions import db, utcnow


def run_scheduled_jobs(now: datetime | None = None) -> dict[str, int]:
    """Run every scheduled job once, each in its own transaction; returns how much each did."""
    from .auth.trail import purge_old_entries
    from .invitations import services as invitations

    now = now or utcnow()
    results: dict[str, int] = {}
    for name, job in (
        ("deadline_reminders", invitations.send_deadline_reminders),
        ("day_before_reminders", invitations.send_day_before_reminders),
        ("purged_personal_details", invitations.purge_personal_details),
        ("purged_trail_entries", purge_old_entries),
    ):
        try:
            results[name] = job(now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return results
