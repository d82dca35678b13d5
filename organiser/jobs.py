"""Scheduled work (reminders, purging personal data), run by the outbox worker and by cron.

Each job is idempotent: running it twice, or on two machines at once, sends nothing twice.
"""

from __future__ import annotations

from datetime import datetime

from .extensions import utcnow


def run_scheduled_jobs(now: datetime | None = None) -> dict[str, int]:
    """Run every scheduled job once; returns how much each did (for logs)."""
    now = now or utcnow()
    results: dict[str, int] = {}
    return results
