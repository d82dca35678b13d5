"""Reminders: the scheduled one-time ones (before the RSVP deadline, the day before the event), and the
organiser's "Stuur nu een herinnering" to everyone who has not answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, update

from ..events.models import Event, EventStatus
from ..extensions import db, rows_matched, utcnow
from ..i18n import to_local
from ..mail.outbox import OutboxKind
from . import notices
from .guest_list import mailable_invitations
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


@dataclass(frozen=True)
class ReminderRound:
    """What "Stuur nu een herinnering" did: reminders queued, and those skipped for a recent reminder."""

    queued: int
    recently_reminded: int


def unanswered(event: Event) -> list[Invitation]:
    """Everyone invited to the event who has not answered and can get mail (an address, still active)."""
    return list(db.session.scalars(mailable_invitations(event, InvitationState.INVITED)))


def can_remind(event: Event, now: datetime | None = None) -> bool:
    """Reminding makes sense while an answer can still be given: not cancelled, not begun, deadline not passed."""
    now = now or utcnow()
    if event.status != EventStatus.PUBLISHED or event.starts_at <= now:
        return False
    return event.rsvp_deadline is None or now < event.rsvp_deadline


def send_reminders_now(event: Event, now: datetime | None = None) -> ReminderRound:
    """Queue a reminder to everyone invited who has not answered, except whoever got one (this one, or the
    scheduled one before the deadline) less than REMINDER_AGAIN_AFTER_HOURS ago.

    Each invitation is claimed with a guarded UPDATE of `reminder_sent_at`, so a double click or two organisers
    at once send one reminder each; the claim also stands for the scheduled deadline reminder (sent once, and
    not again after this one). The caller checks `can_remind` first.
    """
    now = now or utcnow()
    since = now - timedelta(hours=float(current_app.config["REMINDER_AGAIN_AFTER_HOURS"]))
    queued = skipped = 0
    for invitation in unanswered(event):
        result = db.session.execute(
            update(Invitation)
            .where(
                Invitation.id == invitation.id,
                Invitation.state == InvitationState.INVITED,
                or_(Invitation.reminder_sent_at.is_(None), Invitation.reminder_sent_at < since),
            )
            .values(reminder_sent_at=now)
            .execution_options(synchronize_session=False)
        )
        if rows_matched(result) != 1:
            skipped += 1
            continue
        notices.queue_reminder(invitation, OutboxKind.REMINDER, days_ahead(event, now))
        queued += 1
    return ReminderRound(queued, skipped)
