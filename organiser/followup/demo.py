"""Demo data for the follow-up: answers to the questions after the demo's past events, so that the new-ties page
shows something. Idempotent: an event that has any follow-up is left alone."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import exists

from ..events.models import Event, EventStatus
from ..extensions import db, utcnow
from ..invitations.models import Invitation
from .answering import groups_present, respondent_of
from .asking import present_clause
from .models import FollowupAnswer, FollowupChoice, FollowupRequest
from .settings import opens_at

#: What demo answerers wrote, now and then.
REMARKS = [
    ("Samen een subsidieaanvraag bekijken", ""),
    ("Hun plannen voor de speeltuin", "Meer tijd bij elke halte"),
    ("", "Naambordjes zouden helpen"),
    ("Een vergunning voor het buurtfeest", ""),
]


def load_demo() -> bool:
    """Answers of about two in three attendees of every past demo event without a follow-up yet."""
    now = utcnow()
    events = db.session.scalars(
        db.select(Event)
        .where(
            Event.status == EventStatus.PUBLISHED,
            Event.ends_at < now,
            ~exists().where(FollowupRequest.event_id == Event.id),
            ~exists().where(FollowupAnswer.event_id == Event.id),
        )
        .order_by(Event.starts_at, Event.id)
    ).all()
    created = False
    for event in events:
        rng = random.Random(event.id)  # the same demo every time
        groups = groups_present(event)
        attendees = db.session.scalars(
            db.select(Invitation).where(Invitation.event_id == event.id, present_clause()).order_by(Invitation.id)
        ).all()
        asked_at = opens_at(event)
        for invitation in attendees:
            request = FollowupRequest(invitation=invitation, event_id=event.id, asked_at=asked_at)
            db.session.add(request)
            if rng.random() > 0.65:
                continue  # asked, no answer
            anonymous = rng.random() < 0.2
            role, department_id, initiative_id = respondent_of(invitation.person, groups)
            met = rng.random() < 0.75
            about, different = rng.choice(REMARKS) if not anonymous and rng.random() < 0.4 else ("", "")
            choices: list[FollowupChoice] = []
            if met and initiative_id is None and groups.initiatives:
                picked = rng.sample(groups.initiatives, min(len(groups.initiatives), rng.randint(1, 2)))
                choices = [FollowupChoice(initiative_id=i) for i, _name in picked]
            elif met and groups.departments:
                picked = rng.sample(groups.departments, min(len(groups.departments), rng.randint(1, 2)))
                choices = [FollowupChoice(department_id=i) for i, _name in picked]
            answered_at = asked_at + timedelta(hours=rng.randint(1, 72))
            db.session.add(
                FollowupAnswer(
                    event_id=event.id,
                    invitation_id=None if anonymous else invitation.id,
                    respondent_role=role,
                    respondent_department_id=department_id,
                    respondent_initiative_id=initiative_id,
                    met_someone=met,
                    keeps_in_touch=met and rng.random() < 0.6,
                    touch_about=about,
                    rating=rng.choice([3, 4, 4, 5, 5]),
                    do_differently=different,
                    answered_at=None if anonymous else answered_at,
                    choices=choices,
                )
            )
            request.answered_at = answered_at
            request.answered_anonymously = anonymous
            created = True
    db.session.flush()
    return created
