"""Scheduled one-time reminders: before the RSVP deadline, and the day before the event."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update

from ..events.models import Event, EventStatus
from ..extensions import db, rows_matched, utcnow
from ..i18n import to_local
from ..mail.outbox import OutboxKind
from . import notices
from .models import Invitation, InvitationState


def _claim_once(invitation: Invitation, column, now: datetime) -> bool:
    """Mark a one-time mail as sent, if no other worker did already."""
    result = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, column.is_(None))
        .values({column.key: now})
        .execution_options(synchronize_session=False)
    )
    return rows_matched(result) == 1


def days_ahead(event: Event, now: datetime) -> int:
    """Calendar days (local time) from now to the event's start: 0 for later today, 1 for tomorrow."""
    return (to_local(event.starts_at).date() - to_local(now).date()).days


def _remind_once(invitations, column, kind: OutboxKind, now: datetime) -> int:
    """Queue a one-time reminder of `kind` to each invitation whose `column` no other worker claimed first."""
    count = 0
    for invitation in invitations:
        if _claim_once(invitation, column, now):
            notices.queue_reminder(invitation, kind, days_ahead(invitation.event, now))
            count += 1
    return count


def send_deadline_reminders(now: datetime | None = None) -> int:
    """Remind those who did not answer, the event's set number of days before its deadline. Once each."""
    now = now or utcnow()
    candidates = db.session.scalars(
        db.select(Invitation)
        .join(Event, Invitation.event_id == Event.id)
        .where(
            Invitation.state == InvitationState.INVITED,
            Invitation.reminder_sent_at.is_(None),
            Event.status != EventStatus.CANCELLED,
            Event.rsvp_deadline.is_not(None),
            Event.rsvp_deadline > now,
        )
    ).all()
    due = [
        i for i in candidates if now >= i.event.rsvp_deadline - timedelta(days=i.event.reminder_days_before_deadline)
    ]
    return _remind_once(due, Invitation.reminder_sent_at, OutboxKind.REMINDER, now)


def send_day_before_reminders(now: datetime | None = None) -> int:
    """Remind everyone who said yes, within a day before the event (the mail says today or tomorrow). Once each."""
    now = now or utcnow()
    candidates = db.session.scalars(
        db.select(Invitation)
        .join(Event, Invitation.event_id == Event.id)
        .where(
            Invitation.state == InvitationState.YES,
            Invitation.day_before_sent_at.is_(None),
            Event.status != EventStatus.CANCELLED,
            Event.starts_at > now,
            Event.starts_at <= now + timedelta(days=1),
        )
    ).all()
    return _remind_once(candidates, Invitation.day_before_sent_at, OutboxKind.DAY_BEFORE, now)
