"""Scheduled work (reminders, the organisers' news digests, and the retention policy's purges), run by the outbox
worker and by cron.

Each job is idempotent: running it twice, or on two machines at once, sends nothing twice and removes nothing
that was not due. The purges apply organiser/retention.py; each one is a step here, so `flask jobs` prints what
each removed.
"""

from __future__ import annotations

from datetime import datetime

from .auth import trail
from .extensions import db, utcnow
from .followup import asking as followup_asking
from .followup import privacy as followup_privacy
from .inbox.recording import purge_inbox_details
from .invitations import reminders
from .invitations import retention as invitation_retention
from .mail import retention as mail_retention
from .news import delivery as news_delivery
from .news import retention as news_retention
from .people import retention as people_retention


def run_scheduled_jobs(now: datetime | None = None) -> dict[str, int]:
    """Run every scheduled job once, each in its own transaction; returns how much each did."""
    now = now or utcnow()
    results: dict[str, int] = {}
    for name, job in (
        ("deadline_reminders", reminders.send_deadline_reminders),
        ("day_before_reminders", reminders.send_day_before_reminders),
        ("followup_questions", followup_asking.ask_attendees),
        ("followup_reminders", followup_asking.remind_attendees),
        ("news_mails", news_delivery.send_news_digests),
        ("purged_personal_details", invitation_retention.purge_personal_details),
        ("purged_inbox_details", purge_inbox_details),
        ("purged_trail_entries", trail.purge_old_entries),
        ("detached_old_answers", invitation_retention.detach_old_answers),
        ("detached_old_followup_answers", followup_privacy.purge_old_answers),
        ("removed_sent_mail_contents", mail_retention.remove_sent_contents),
        ("removed_unsent_mail_contents", mail_retention.remove_unsent_contents),
        ("deleted_old_mail_records", mail_retention.delete_old_records),
        ("anonymised_people_who_left", people_retention.anonymise_people_who_left),
        ("deleted_stale_imports", people_retention.delete_stale_imports),
        ("purged_old_news", news_retention.purge_old_news),
    ):
        try:
            results[name] = job(now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return results
