"""No overbooking, ever: many invitees answer yes at the same moment for a few seats."""

from __future__ import annotations

import threading

from organiser.events.models import Event
from organiser.invitations import services
from organiser.invitations.models import Invitation, InvitationState
from organiser.people.models import ContactRole, Department, Person, PersonKind

SEATS = 5
INVITEES = 20


def test_concurrent_yes_answers_never_overbook(app, db, create_event):
    event = create_event(capacity=SEATS, max_plus_ones=1)
    department = Department(name="Financiën")
    for i in range(INVITEES):
        person = Person(
            name=f"P{i}",
            email=f"p{i}@gemeente.example",
            kind=PersonKind.STAFF,
            department=department,
            contact_role=ContactRole.OFFICE,
        )
        db.session.add(Invitation(event=event, person=person))
    db.session.flush()
    services.send_invitations(event)
    db.session.commit()
    ids = db.session.scalars(db.select(Invitation.id).where(Invitation.event_id == event.id)).all()
    start = threading.Barrier(len(ids))
    errors: list[BaseException] = []

    def answer_yes(invitation_id: int, plus_ones: int) -> None:
        try:
            with app.app_context():
                start.wait()
                invitation = db.session.get(Invitation, invitation_id)
                services.record_answer(invitation, "yes", plus_ones)
                db.session.commit()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=answer_yes, args=(i, n % 2)) for n, i in enumerate(ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors

    db.session.expire_all()
    invitations = db.session.scalars(db.select(Invitation).where(Invitation.event_id == event.id)).all()
    taken = sum(1 + i.plus_ones for i in invitations if i.state == InvitationState.YES)
    event = db.session.get(Event, event.id)
    assert taken == event.seats_taken <= SEATS
    assert taken >= SEATS - 1  # full, but for a seat too small for a pair
    waiting = [i for i in invitations if i.state == InvitationState.WAITING]
    assert len(waiting) + sum(1 for i in invitations if i.state == InvitationState.YES) == INVITEES
    # The waiting list has distinct, gap-free places.
    positions = sorted(services.waiting_position(i) for i in waiting)
    assert positions == list(range(1, len(waiting) + 1))


def test_concurrent_cancellations_promote_each_waiting_person_once(app, db, create_event):
    event = create_event(capacity=3, max_plus_ones=0)
    department = Department(name="Beleid")
    for i in range(8):
        person = Person(
            name=f"Q{i}",
            email=f"q{i}@gemeente.example",
            kind=PersonKind.STAFF,
            department=department,
            contact_role=ContactRole.OFFICE,
        )
        db.session.add(Invitation(event=event, person=person))
    db.session.flush()
    services.send_invitations(event)
    invitations = db.session.scalars(db.select(Invitation).order_by(Invitation.id)).all()
    for invitation in invitations:
        services.record_answer(invitation, "yes")
    db.session.commit()
    seated = [i.id for i in invitations if i.state == InvitationState.YES]
    assert len(seated) == 3
    start = threading.Barrier(3)
    errors = []

    def cancel(invitation_id):
        try:
            with app.app_context():
                start.wait()
                services.record_answer(db.session.get(Invitation, invitation_id), "no")
                db.session.commit()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=cancel, args=(i,)) for i in seated]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    db.session.expire_all()
    states = [db.session.get(Invitation, i.id).state for i in invitations]
    assert states.count(InvitationState.YES) == 3 and states.count(InvitationState.NO) == 3
    assert db.session.get(Event, event.id).seats_taken == 3
    # First come, first served: the three who waited longest were promoted.
    assert states[3:6] == [InvitationState.YES] * 3 and states[6:] == [InvitationState.WAITING] * 2
