"""Asking attendees the follow-up questions: the mail the morning after, and at most one reminder.

Who is asked: everyone marked present, or, where nobody recorded attendance, everyone who said yes (the same rule
as reach). Both steps run from `flask jobs` and the worker (organiser/jobs.py) and are idempotent: a request row is
inserted once per invitation (a unique key; a second worker's insert does nothing), the reminder is claimed with a
guarded UPDATE, and each mail is queued in the outbox in the same transaction as its claim. Flush, never commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, not_, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from ..auth.models import reply_to_of
from ..events.models import Event, EventStatus
from ..extensions import db, rows_matched, utcnow
from ..invitations.links import rsvp_token
from ..invitations.models import Invitation, InvitationState
from ..mail.outbox import OutboxKind, queue_mail
from ..mail.rendering import render_mail
from ..people.models import Person
from ..web import absolute_url
from .models import MAX_OPEN_DAYS, FollowupRequest, FollowupSettings
from .settings import closes_at, default_settings, is_open, texts_of


def present_clause():
    """Invitations whose person was at the event: checked in where attendance was recorded, else said yes."""
    other = aliased(Invitation)
    recorded = exists().where(other.event_id == Invitation.event_id, other.attended.is_not(None))
    return or_(
        and_(recorded, Invitation.attended.is_(True)),
        and_(not_(recorded), Invitation.state == InvitationState.YES),
    )


def _recent_events(now: datetime) -> list[tuple[Event, FollowupSettings]]:
    """Held events that ended recently enough for their questions to be open, with their settings."""
    events = db.session.scalars(
        db.select(Event)
        .where(
            Event.status == EventStatus.PUBLISHED,
            Event.ends_at <= now,
            Event.ends_at > now - timedelta(days=MAX_OPEN_DAYS + 2),
        )
        .order_by(Event.ends_at, Event.id)
    ).all()
    stored = {
        s.event_id: s
        for s in db.session.scalars(
            db.select(FollowupSettings).where(FollowupSettings.event_id.in_([e.id for e in events]))
        )
    }
    return [(event, stored.get(event.id) or default_settings(event.id)) for event in events]


def _claim_request(invitation: Invitation, now: datetime) -> bool:
    """Record that `invitation` is asked, unless another worker did first (the insert then does nothing)."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    inserted = db.session.scalar(
        insert(FollowupRequest)
        .values(invitation_id=invitation.id, event_id=invitation.event_id, asked_at=now)
        .on_conflict_do_nothing(index_elements=[FollowupRequest.invitation_id])
        .returning(FollowupRequest.id)
    )
    return inserted is not None


def ask_attendees(now: datetime | None = None) -> int:
    """Send the follow-up questions to every attendee of a recent event whose questions are open and who was not
    asked yet. Returns how many were asked."""
    now = now or utcnow()
    asked = 0
    for event, settings in _recent_events(now):
        if not is_open(event, settings, now):
            continue
        invitations = db.session.scalars(
            db.select(Invitation)
            .join(Person, Invitation.person_id == Person.id)
            .where(
                Invitation.event_id == event.id,
                present_clause(),
                Invitation.token_hash.is_not(None),
                Person.deleted_at.is_(None),
                Person.email.is_not(None),
                not_(exists().where(FollowupRequest.invitation_id == Invitation.id)),
            )
            .order_by(Invitation.id)
        ).all()
        for invitation in invitations:
            if _claim_request(invitation, now):
                _queue(invitation, OutboxKind.FOLLOWUP, settings)
                asked += 1
    return asked


def remind_attendees(now: datetime | None = None) -> int:
    """One reminder to those asked FOLLOWUP_REMINDER_DAYS ago or longer who have not answered, while the questions
    are open. Returns how many were reminded."""
    now = now or utcnow()
    due = now - timedelta(days=int(current_app.config["FOLLOWUP_REMINDER_DAYS"]))
    requests = db.session.scalars(
        db.select(FollowupRequest)
        .join(Event, FollowupRequest.event_id == Event.id)
        .where(
            FollowupRequest.reminded_at.is_(None),
            FollowupRequest.answered_at.is_(None),
            FollowupRequest.asked_at <= due,
            Event.status == EventStatus.PUBLISHED,
            Event.ends_at > now - timedelta(days=MAX_OPEN_DAYS + 2),
        )
        .order_by(FollowupRequest.id)
    ).all()
    stored: dict[int, FollowupSettings] = {}
    reminded = 0
    for request in requests:
        event = request.event
        settings = stored.setdefault(event.id, db.session.get(FollowupSettings, event.id) or default_settings(event.id))
        if not is_open(event, settings, now):
            continue
        claimed = db.session.execute(
            update(FollowupRequest)
            .where(
                FollowupRequest.id == request.id,
                FollowupRequest.reminded_at.is_(None),
                FollowupRequest.answered_at.is_(None),
            )
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        if rows_matched(claimed) == 1:
            _queue(request.invitation, OutboxKind.FOLLOWUP_REMINDER, settings)
            reminded += 1
    return reminded


def followup_url(invitation: Invitation) -> str | None:
    """The absolute address of the invitee's follow-up page (behind their personal link), or None without a link."""
    token = rsvp_token(invitation)
    return absolute_url("followup.answer", token=token) if token else None


def _queue(invitation: Invitation, kind: OutboxKind, settings: FollowupSettings) -> None:
    """The follow-up mail (or its reminder) in the invitee's language, with the link to their questions."""
    person = invitation.person
    url = followup_url(invitation)
    if not person.email or person.deleted_at is not None or url is None:
        return
    event = invitation.event
    locale = person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    subject, text, html = render_mail(
        kind.value,
        locale,
        event=event,
        person=person,
        followup_url=url,
        texts=texts_of(settings),
        closes_at=closes_at(event, settings),
        contact=event.organiser,
    )
    queue_mail(
        kind=kind,
        to_address=person.email,
        to_name=person.name,
        subject=subject,
        text_body=text,
        html_body=html,
        event_id=event.id,
        invitation_id=invitation.id,
        reply_to=reply_to_of(event.organiser),
    )
