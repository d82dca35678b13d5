"""Values posted or put in a query string by hand (a tampered form, a pasted link) on the invitation, team and
calendar routes: never a 500, a clear message, and nothing changed."""

from __future__ import annotations

import pytest

from organiser.invitations.models import Invitation, InvitationState
from organiser.teams.models import Team

HOSTILE_IDS = ["²", "99999999999999999999", "-1", "0", "1.5", "\x00", ""]


def listed(db, event, person) -> Invitation:
    invitation = Invitation(event=event, person=person)
    db.session.add(invitation)
    db.session.commit()
    return invitation


@pytest.mark.parametrize("hostile", HOSTILE_IDS)
def test_send_refuses_a_tampered_choice_and_sends_nothing(
    logged_in, db, create_event, organiser, create_person, hostile
):
    """`invitation=²` or a number over 64 bits was a 500; now the page says so and nobody is invited,
    not even the colleague ticked next to it."""
    event = create_event(organiser=organiser)
    invitation = listed(db, event, create_person())
    response = logged_in.post(f"/events/{event.id}/send", {"invitation": [str(invitation.id), hostile]})
    assert response.status_code == 302
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Er is niets verstuurd: de keuze klopt niet (meer)." in page
    assert db.session.get(Invitation, invitation.id).state == InvitationState.LISTED


@pytest.mark.parametrize("hostile", ["²", "99999999999999999999"])
def test_send_with_only_a_hostile_choice_says_so(logged_in, db, create_event, organiser, create_person, hostile):
    event = create_event(organiser=organiser)
    invitation = listed(db, event, create_person())
    response = logged_in.post(f"/events/{event.id}/send", {"invitation": hostile})
    assert response.status_code == 302
    assert "Er is niets verstuurd" in logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.get(Invitation, invitation.id).state == InvitationState.LISTED


def test_send_of_a_valid_choice_still_sends(logged_in, db, create_event, organiser, create_person):
    event = create_event(organiser=organiser)
    invitation = listed(db, event, create_person())
    response = logged_in.post(f"/events/{event.id}/send", {"invitation": str(invitation.id)})
    assert response.headers["Location"].endswith(f"/events/{event.id}/answers")
    assert db.session.get(Invitation, invitation.id).state == InvitationState.INVITED


@pytest.fixture
def team(db, create_event, organiser):
    event = create_event(organiser=organiser, format="speurtocht", forms_teams=True)
    team = Team(event=event, number=1, name="Team 1", locked=True)
    db.session.add(team)
    db.session.commit()
    return team


@pytest.mark.parametrize("hostile", ["2", "", "ja", "\x00", "1\x00"])
def test_lock_refuses_anything_but_lock_or_unlock(logged_in, db, team, hostile):
    """`locked` was read by hand: anything but "1" silently unlocked the team."""
    response = logged_in.post(f"/events/{team.event_id}/teams/{team.id}/lock", {"locked": hostile})
    assert response.status_code == 302
    assert "Er is niets veranderd" in logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.get(Team, team.id).locked is True


def test_lock_and_unlock_still_work(logged_in, db, team):
    logged_in.post(f"/events/{team.event_id}/teams/{team.id}/lock", {"locked": "0"})
    assert db.session.get(Team, team.id).locked is False
    logged_in.post(f"/events/{team.event_id}/teams/{team.id}/lock", {"locked": "1"})
    assert db.session.get(Team, team.id).locked is True


@pytest.mark.parametrize("hostile", HOSTILE_IDS)
def test_move_and_guide_refuse_strange_ids_with_a_message(logged_in, db, team, create_person, hostile):
    event_id = team.event_id
    person = create_person()
    member = Invitation(
        event_id=event_id, person=person, state=InvitationState.YES, team=team, sent_at=team.event.created_at
    )
    db.session.add(member)
    db.session.commit()
    for url, data in (
        (f"/events/{event_id}/teams/move", {"invitation_id": hostile, "team_id": str(team.id)}),
        (f"/events/{event_id}/teams/move", {"invitation_id": str(member.id), "team_id": hostile}),
        (f"/events/{event_id}/teams/guide", {"invitation_id": hostile}),
    ):
        response = logged_in.post(url, data)
        assert response.status_code == 302, (url, data)
        assert "Er is niets veranderd" in logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.get(Invitation, member.id).is_guide is False


@pytest.mark.parametrize("query", ["?wijk=%00", "?format=%00", "?wijk=a%00b&format=bruiscafe", "?wijk=" + "x" * 5000])
def test_public_feed_filters_with_strange_values_are_not_found(client, query):
    """A NUL in ?wijk= reached PostgreSQL (a 500 there); now refused in every URL before any view (400)."""
    assert client.get(f"/calendar/public.ics{query}").status_code == (400 if "%00" in query else 404)
