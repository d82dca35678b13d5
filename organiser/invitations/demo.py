"""Demo invitations: upcoming demo events have sent invitations with a mix of answers.

Two events are left alone on purpose: the wijksafari, so that a new user can build its guest list with
suggestions and send the invitations themselves, and the speurtocht, whose yes answers and teams come
from the reach demo.
"""

from __future__ import annotations

import random

from ..events.models import Event, EventStatus
from ..extensions import db, utcnow
from ..people.models import ContactRole, Person, PersonKind
from . import answers, sending
from .models import Invitation

#: Left for the new user (wijksafari) and for the teams demo (speurtocht).
LEFT_ALONE = ("wijksafari", "speurtocht")


def load_demo() -> bool:
    """Invite a mixed group to the other upcoming demo events that have no invitations yet, and answer some."""
    rng = random.Random(2026)  # the same demo every time
    staff = db.session.scalars(
        db.select(Person).where(Person.kind == PersonKind.STAFF, Person.active.is_(True)).order_by(Person.id)
    ).all()
    if not staff:
        return False
    created = False
    events = db.session.scalars(
        db.select(Event)
        .where(Event.status == EventStatus.PUBLISHED, Event.starts_at > utcnow(), Event.format.not_in(LEFT_ALONE))
        .order_by(Event.starts_at)
    ).all()
    for event in events:
        if db.session.scalar(db.select(Invitation.id).where(Invitation.event_id == event.id).limit(1)):
            continue
        if sending.why_not_send(event) is not None:  # e.g. its reply deadline passed since the demo was made
            continue
        office = [p for p in staff if p.contact_role == ContactRole.OFFICE]
        frontline = [p for p in staff if p.contact_role == ContactRole.FRONTLINE]
        residents = db.session.scalars(
            db.select(Person).where(Person.kind == PersonKind.RESIDENT, Person.active.is_(True)).order_by(Person.id)
        ).all()
        hosts = {i.id for i in event.hosts}
        guests = rng.sample(office, min(8, len(office))) + rng.sample(frontline, min(3, len(frontline)))
        guests += [r for r in residents if hosts & {i.id for i in r.initiatives}][:4]
        for person in guests:
            db.session.add(Invitation(event=event, person=person, reason="demo"))
        db.session.flush()
        sending.send_invitations(event)
        invitations = db.session.scalars(
            db.select(Invitation).where(Invitation.event_id == event.id).order_by(Invitation.id)
        ).all()
        for invitation in invitations:
            answer = rng.choice(["yes", "yes", "yes", "no", "maybe", None])
            if answer:
                plus = rng.choice([0, 0, 1]) if answer == "yes" else 0
                answers.record_answer(invitation, answer, min(plus, event.max_plus_ones), by_organiser=True)
        created = True
    return created
