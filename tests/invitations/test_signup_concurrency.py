"""Open sign-up under concurrency (issue 16): sign-ups confirmed and invited colleagues answering at the same
moment never overbook the event, never take more than the seats open to sign-ups, and never take a seat held for
the invited; on SQLite and on PostgreSQL (several app servers are several connections, as these threads are)."""

from __future__ import annotations

from datetime import timedelta

from organiser.events.models import Event
from organiser.extensions import utcnow
from organiser.invitations import answers, signups
from organiser.invitations.models import Invitation, InvitationState, Signup
from tests.factories import at_once


def _confirm(db, token):
    return lambda: signups.confirm_signup(signups.find_signup(token))


def _yes(db, invitation_id):
    return lambda: answers.record_answer(db.session.get(Invitation, invitation_id), "yes")


def _seats(invitations) -> int:
    return sum(1 + i.plus_ones for i in invitations if i.state == InvitationState.YES)


def test_sign_ups_and_invited_at_once_never_overbook_nor_take_held_seats(app, db, create_event, invitees, sign_up):
    event = create_event(
        capacity=6, signup_open=True, signup_seats=5, held_seats=2, rsvp_deadline=utcnow() + timedelta(days=3)
    )
    tokens = [sign_up(event) for _ in range(10)]
    invited = [invitation.id for invitation in invitees(event, 6, department="Financiën")]
    # Ten sign-ups and an invited colleague at once; then the other invited colleagues at once.
    at_once(app, db, [_confirm(db, token) for token in tokens] + [_yes(db, invited[0])])
    at_once(app, db, [_yes(db, invitation_id) for invitation_id in invited[1:]])

    invitations = db.session.scalars(db.select(Invitation).where(Invitation.event_id == event.id)).all()
    signed_up = [i for i in invitations if i.signed_up]
    by_invitation = [i for i in invitations if not i.signed_up]
    event = db.session.get(Event, event.id)
    assert len(signed_up) == 10 and len(by_invitation) == 6
    assert _seats(invitations) == event.seats_taken == 6  # full, never over
    # Sign-ups: within their five seats, and never in the two held for the invited (so at most four).
    assert _seats(signed_up) == event.signup_seats_taken <= 4
    assert _seats(by_invitation) >= 2
    assert all(i.state in (InvitationState.YES, InvitationState.WAITING) for i in invitations)
    assert db.session.scalar(db.select(db.func.count()).select_from(Signup)) == 0
    positions = sorted(answers.waiting_position(i) for i in invitations if i.state == InvitationState.WAITING)
    assert positions == list(range(1, len(positions) + 1))


def test_concurrent_sign_ups_with_plus_ones_stay_within_the_sign_up_seats(app, db, create_event, sign_up):
    event = create_event(capacity=20, max_plus_ones=1, signup_open=True, signup_seats=5)
    tokens = [sign_up(event, plus_ones=n % 2) for n in range(12)]
    at_once(app, db, [_confirm(db, token) for token in tokens])

    invitations = db.session.scalars(db.select(Invitation).where(Invitation.event_id == event.id)).all()
    event = db.session.get(Event, event.id)
    assert len(invitations) == 12
    assert _seats(invitations) == event.signup_seats_taken == event.seats_taken
    assert 4 <= event.signup_seats_taken <= 5  # full but for a seat too small for a pair
