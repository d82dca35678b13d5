"""The order of the waiting list, after the rule the organiser picked for the event (Event.waiting_rule, issue 16).

- arrival: whoever joined the waiting list first (waiting_since, set under the event's lock) goes first.
- mix: whoever brings the event closer to its mix target goes first: office-bound colleagues who never took part
  in an encounter, then other office-bound colleagues, then anyone else who never took part, then the rest; within
  each group, in order of arrival. "Took part" is the rule of the suggestions (invitations/suggestions.py): present,
  or a yes to an earlier event that has ended and nobody recorded otherwise.

Promotion (answers.promote_from_waiting_list), the place told on the RSVP page and the answers page all read the
line from here, so what the invitee and the organiser are told is what happens.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, case, exists, func, or_
from sqlalchemy.orm import aliased

from ..events.models import Event, EventStatus, WaitingRule
from ..extensions import db, utcnow
from ..people.models import ContactRole, Person
from .models import Invitation, InvitationState


def _took_part_before(now: datetime):
    """SQL: the invitation's person took part in an encounter that has ended."""
    past, past_event = aliased(Invitation), aliased(Event)
    return exists().where(
        past.person_id == Invitation.person_id,
        past.event_id == past_event.id,
        past_event.ends_at < now,
        past_event.status != EventStatus.CANCELLED,
        or_(past.attended.is_(True), and_(past.attended.is_(None), past.state == InvitationState.YES)),
    )


def _priority(now: datetime):
    """SQL: the group of the mix rule, 0 first."""
    office = Person.contact_role == ContactRole.OFFICE
    never = ~_took_part_before(now)
    return case((and_(office, never), 0), (office, 1), (never, 2), else_=3)


def waiting_line(event: Event, now: datetime | None = None) -> list[Invitation]:
    """Everyone on the event's waiting list, first in line first."""
    query = (
        db.select(Invitation)
        .join(Person, Person.id == Invitation.person_id)
        .where(Invitation.event_id == event.id, Invitation.state == InvitationState.WAITING)
    )
    if event.waiting_rule == WaitingRule.MIX:
        query = query.order_by(_priority(now or utcnow()))
    return list(db.session.scalars(query.order_by(Invitation.waiting_since, Invitation.id)))


def place_in_line(invitation: Invitation, now: datetime | None = None) -> int:
    """1-based place of a waiting invitation in its event's line (after the rule of the event)."""
    if invitation.event.waiting_rule != WaitingRule.MIX:  # by arrival: a count, not the whole line
        ahead = db.session.scalar(
            db.select(db.func.count())
            .select_from(Invitation)
            .where(
                Invitation.event_id == invitation.event_id,
                Invitation.state == InvitationState.WAITING,
                or_(
                    Invitation.waiting_since < invitation.waiting_since,
                    and_(Invitation.waiting_since == invitation.waiting_since, Invitation.id < invitation.id),
                ),
            )
        )
        return int(ahead or 0) + 1
    line = [waiting.id for waiting in waiting_line(invitation.event, now)]
    return line.index(invitation.id) + 1 if invitation.id in line else len(line) + 1


def joining_line(invitation: Invitation) -> tuple[int, datetime]:
    """How many wait now (others), and the moment this answer joins the line: now, but always after whoever
    joined before it. Read under the event's lock, so the order of waiting_since is the order in which answers
    got the lock, also when the app servers' clocks differ a little; and the place told stays true (nobody can
    join ahead of them afterwards)."""
    waiting, last = db.session.execute(
        db.select(func.count(), func.max(Invitation.waiting_since)).where(
            Invitation.event_id == invitation.event_id,
            Invitation.state == InvitationState.WAITING,
            Invitation.id != invitation.id,
        )
    ).one()
    moment = datetime.now(UTC)
    if last is not None and last.replace(tzinfo=UTC) >= moment:
        moment = last.replace(tzinfo=UTC) + timedelta(microseconds=1)
    return int(waiting or 0), moment
