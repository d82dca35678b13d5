"""No overbooking, ever: many invitees answer yes at the same moment for a few seats."""

from __future__ import annotations

import threading

from organiser.events.models import Event
from organiser.invitations import answers, sending
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
    sending.send_invitations(event)
    db.session.commit()
    ids = db.session.scalars(db.select(Invitation.id).where(Invitation.event_id == event.id)).all()
    start = threading.Barrier(len(ids))
    errors: list[BaseException] = []

    def answer_yes(invitation_id: int, plus_ones: int) -> None:
        try:
            with app.app_context():
                start.wait()
                invitation = db.session.get(Invitation, invitation_id)
                answers.record_answer(invitation, "yes", plus_ones)
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
    positions = sorted(answers.waiting_position(i) for i in waiting)
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
    sending.send_invitations(event)
    invitations = db.session.scalars(db.select(Invitation).order_by(Invitation.id)).all()
    for invitation in invitations:
        answers.record_answer(invitation, "yes")
    db.session.commit()
    seated = [i.id for i in invitations if i.state == InvitationState.YES]
    assert len(seated) == 3
    start = threading.Barrier(3)
    errors = []

    def cancel(invitation_id):
        try:
            with app.app_context():
                start.wait()
                answers.record_answer(db.session.get(Invitation, invitation_id), "no")
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


def _event_with_invitees(db, create_event, n, capacity, prefix, max_plus_ones=0):
    event = create_event(capacity=capacity, max_plus_ones=max_plus_ones)
    department = db.session.scalar(db.select(Department).where(Department.name == "Wonen")) or Department(name="Wonen")
    for i in range(n):
        person = Person(
            name=f"{prefix}{i}",
            email=f"{prefix}{i}-{event.id}@gemeente.example",
            kind=PersonKind.STAFF,
            department=department,
            contact_role=ContactRole.OFFICE,
        )
        db.session.add(Invitation(event=event, person=person))
    db.session.flush()
    sending.send_invitations(event)
    db.session.commit()
    return event, db.session.scalars(
        db.select(Invitation.id).where(Invitation.event_id == event.id).order_by(Invitation.id)
    ).all()


def _at_once(app, db, calls):
    """Run (invitation_id, answer[, plus_ones]) calls in threads released together; returns the outcomes."""
    start = threading.Barrier(len(calls))
    outcomes, errors = {}, []

    def run(invitation_id, answer, plus_ones=0):
        try:
            with app.app_context():
                start.wait()
                outcome = answers.record_answer(db.session.get(Invitation, invitation_id), answer, plus_ones)
                db.session.commit()
                outcomes[invitation_id] = outcome
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    db.session.expire_all()
    return outcomes


def test_concurrent_answers_are_told_their_true_place_on_the_waiting_list(app, db, create_event):
    """The place in the confirmation is the place stored: joining the waiting list is serialised per event, and
    waiting_since follows that order (it used to be the request's start time, so two people could both be told
    'place 3', and someone told 'place 1' could turn out second)."""
    event, ids = _event_with_invitees(db, create_event, 16, 2, "W")
    outcomes = _at_once(app, db, [(i, "yes") for i in ids])
    waiting = db.session.scalars(
        db.select(Invitation)
        .where(Invitation.event_id == event.id, Invitation.state == InvitationState.WAITING)
        .order_by(Invitation.waiting_since, Invitation.id)
    ).all()
    assert len(waiting) == 14
    told = [outcomes[i.id].waiting_position for i in waiting]
    assert told == list(range(1, 15))
    assert len({i.waiting_since for i in waiting}) == 14  # no ties left to the id


def test_waiting_invitee_answering_again_while_a_seat_frees_does_not_deadlock(app, db, create_event, monkeypatch):
    """The first in line (waiting for two seats, one free) answers yes again without their guest while a
    decline frees a seat and promotes them. Both paths lock the event before any invitation, so neither waits
    for the other in a circle (PostgreSQL used to abort one with a deadlock). Pauses after the invitation claims
    make the bad interleaving happen every time."""
    import time

    claim = answers._claim_invitation

    def slow_claim(invitation, expected_state, *args, **kwargs):
        claimed = claim(invitation, expected_state, *args, **kwargs)
        # The waiting invitee pauses longest after claiming their row, so the decline frees the seat (locking the
        # event) and tries to promote them (their row) before they ask for the seat (the event).
        time.sleep(0.4 if expected_state == InvitationState.WAITING else 0.05)
        return claimed

    event, (seated, waiting) = _event_with_invitees(db, create_event, 2, 2, "D", max_plus_ones=1)
    answers.record_answer(db.session.get(Invitation, seated), "yes")
    answers.record_answer(db.session.get(Invitation, waiting), "yes", 1)  # two seats: does not fit, waits
    db.session.commit()
    assert db.session.get(Invitation, waiting).state == InvitationState.WAITING
    monkeypatch.setattr(answers, "_claim_invitation", slow_claim)
    _at_once(app, db, [(seated, "no"), (waiting, "yes", 0)])
    assert db.session.get(Invitation, seated).state == InvitationState.NO
    now_seated = db.session.get(Invitation, waiting)
    assert (now_seated.state, now_seated.plus_ones) == (InvitationState.YES, 0)
    assert db.session.get(Event, event.id).seats_taken == 1
