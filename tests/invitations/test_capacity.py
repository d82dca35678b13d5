"""Changing an event's capacity: more seats go to the waiting list at once; fewer never below the seats taken."""

from __future__ import annotations

from organiser.events.models import Event
from organiser.events.planning import lock_for_change
from organiser.invitations import answers
from organiser.invitations.models import Invitation, InvitationState
from organiser.mail.models import OutboxMessage
from tests.events.test_events import edit_form


def _full_event(db, create_event, invitees, organiser, waiting=3):
    event = create_event(organiser=organiser, capacity=2, max_plus_ones=1)
    invitations = invitees(event, 2 + waiting)
    for invitation in invitations:
        answers.record_answer(invitation, "yes")
    db.session.commit()
    return event, invitations


def test_more_seats_promote_the_waiting_list_in_order(logged_in, db, create_event, invitees, organiser):
    event, invitations = _full_event(db, create_event, invitees, organiser)
    assert [i.state for i in invitations[2:]] == [InvitationState.WAITING] * 3
    with logged_in.raw.application.test_request_context():
        form = edit_form(event, capacity="4")
    response = logged_in.post(f"/events/{event.id}/edit", form)
    assert response.status_code == 302
    states = [db.session.get(Invitation, i.id).state for i in invitations]
    assert states == [InvitationState.YES] * 4 + [InvitationState.WAITING]
    assert db.session.get(Event, event.id).seats_taken == 4
    promoted = db.session.scalars(db.select(OutboxMessage.invitation_id).where(OutboxMessage.kind == "promotion"))
    assert sorted(promoted) == [invitations[2].id, invitations[3].id]


def test_capacity_cannot_drop_below_the_seats_taken(logged_in, db, create_event, invitees, organiser):
    event, _invitations = _full_event(db, create_event, invitees, organiser, waiting=0)
    with logged_in.raw.application.test_request_context():
        form = edit_form(event, capacity="1")
    page = logged_in.post(f"/events/{event.id}/edit", form).get_data(as_text=True)
    assert "het aantal plaatsen kan niet lager zijn" in page
    assert db.session.get(Event, event.id).capacity == 2


def test_the_capacity_check_reads_the_seats_under_a_lock(app, db, create_event, invitees, organiser):
    """A stale copy of the event (seats taken meanwhile by an answer) is read again when locked for the change."""
    event, invitations = _full_event(db, create_event, invitees, organiser, waiting=0)
    stale = db.session.get(Event, event.id)
    db.session.execute(db.update(Event).where(Event.id == event.id).values(seats_taken=2, capacity=3))
    stale.seats_taken = 0  # what a form validated long ago would have seen
    lock_for_change(stale)
    assert (stale.seats_taken, stale.capacity) == (2, 3)
    db.session.rollback()
