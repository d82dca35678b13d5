"""Demo data for teams: the demo speurtocht gets yes answers (when nobody answered yet) and mixed teams.

Idempotent: nothing is added twice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func

from ..events.models import Event
from ..extensions import db, utcnow
from ..invitations.models import Invitation, InvitationState
from ..people.models import ContactRole, Person, PersonKind
from .formation import form_teams
from .models import Team

SPEURTOCHT = "Speurtocht door het Havenkwartier"


def load_demo() -> bool:
    """Teams for the demo speurtocht, with yes answers of its own when nobody answered yet."""
    event = db.session.scalar(db.select(Event).where(Event.title == SPEURTOCHT))
    if event is None or not event.forms_teams:
        return False
    created = False
    yes = db.session.scalar(
        db.select(func.count())
        .select_from(Invitation)
        .where(Invitation.event_id == event.id, Invitation.state == InvitationState.YES)
    )
    if yes == 0:
        yes = _add_speurtocht_answers(event)
        created = yes > 0
    has_teams = db.session.scalar(db.select(Team.id).where(Team.event_id == event.id).limit(1)) is not None
    if yes >= 2 and not has_teams:
        form_teams(event, max(2, min(4, round(yes / 4))))
        created = True
    return created


def _add_speurtocht_answers(event: Event) -> int:
    """About twelve yes answers: office colleagues of different departments, frontline colleagues, residents."""
    invited = set(db.session.scalars(db.select(Invitation.person_id).where(Invitation.event_id == event.id)))
    host_ids = [h.id for h in event.hosts]
    people = db.session.scalars(
        db.select(Person).where(Person.active.is_(True), Person.deleted_at.is_(None)).order_by(Person.id)
    ).all()
    office: list[Person] = []
    frontline: list[Person] = []
    residents: list[Person] = []
    seen_departments: set[int | None] = set()
    for person in people:
        if person.id in invited:
            continue
        if person.kind == PersonKind.RESIDENT:
            if any(i.id in host_ids for i in person.initiatives) and len(residents) < 3:
                residents.append(person)
        elif person.contact_role == ContactRole.FRONTLINE and len(frontline) < 2:
            frontline.append(person)
        elif person.contact_role == ContactRole.OFFICE and person.department_id not in seen_departments:
            if len(office) < 7:
                office.append(person)
            seen_departments.add(person.department_id)
    # Too few departments: fill up with more office colleagues.
    for person in people:
        if len(office) >= 7:
            break
        if person.contact_role == ContactRole.OFFICE and person not in office and person.id not in invited:
            office.append(person)
    chosen = (office + frontline + residents)[: event.capacity - event.seats_taken]
    now = utcnow()
    for person in chosen:
        db.session.add(
            Invitation(
                event=event,
                person=person,
                state=InvitationState.YES,
                sent_at=now - timedelta(days=5),
                answered_at=now - timedelta(days=3),
                reason="Demo",
            )
        )
    event.seats_taken += len(chosen)
    db.session.flush()
    return len(chosen)
