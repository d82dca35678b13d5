"""No overbooking, ever: many invitees answer yes at the same moment for a few seats."""

from __future__ import annotations

from organiser.events.models import Event
from organiser.invitations import answers
from organiser.invitations.models import Invitation, InvitationState
from tests.factories import at_once

SEATS = 5
INVITEES = 20


def _event_with_invitees(create_event, invitees, n, capacity, max_plus_ones=0):
    event = create_event(capacity=capacity, max_plus_ones=max_plus_ones)
    return event, [invitation.id for invitation in invitees(event, n, department="Wonen")]


def _at_once(app, db, calls):
    """Run (invitation_id, answer[, plus_ones]) calls at once (factories.at_once); returns the outcomes by id."""

    def answering(invitation_id, answer, plus_ones=0):
        return lambda: answers.record_answer(db.session.get(Invitation, invitation_id), answer, plus_ones)

    outcomes = at_once(app, db, [answering(*call) for call in calls])
    return {call[0]: outcome for call, outcome in zip(calls, outcomes, strict=True)}


def test_concurrent_yes_answers_never_overbook(app, db, create_event, invitees):
    event = create_event(capacity=SEATS, max_plus_ones=1)
    invitations = invitees(event, INVITEES, department="Financiën")
    _at_once(app, db, [(invitation.id, "yes", n % 2) for n, invitation in enumerate(invitations)])

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


def test_concurrent_cancellations_promote_each_waiting_person_once(app, db, create_event, invitees):
    event = create_event(capacity=3, max_plus_ones=0)
    invitees(event, 8, department="Beleid")
    invitations = db.session.scalars(db.select(Invitation).order_by(Invitation.id)).all()
    for invitation in invitations:
        answers.record_answer(invitation, "yes")
    db.session.commit()
    seated = [i.id for i in invitations if i.state == InvitationState.YES]
    assert len(seated) == 3
    _at_once(app, db, [(invitation_id, "no") for invitation_id in seated])
    states = [db.session.get(Invitation, i.id).state for i in invitations]
    assert states.count(InvitationState.YES) == 3 and states.count(InvitationState.NO) == 3
    assert db.session.get(Event, event.id).seats_taken == 3
    # First come, first served: the three who waited longest were promoted.
    assert states[3:6] == [InvitationState.YES] * 3 and states[6:] == [InvitationState.WAITING] * 2


def test_concurrent_answers_are_told_their_true_place_on_the_waiting_list(app, db, create_event, invitees):
    """The place in the confirmation is the place stored: joining the waiting list is serialised per event, and
    waiting_since follows that order (it used to be the request's start time, so two people could both be told
    'place 3', and someone told 'place 1' could turn out second)."""
    event, ids = _event_with_invitees(create_event, invitees, 16, 2)
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


def test_waiting_invitee_answering_again_while_a_seat_frees_does_not_deadlock(
    app, db, create_event, invitees, monkeypatch
):
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

    event, (seated, waiting) = _event_with_invitees(create_event, invitees, 2, 2, max_plus_ones=1)
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
