"""The demo shows a filled-in dashboard and teams for the demo speurtocht, however often it is loaded."""

from __future__ import annotations

from sqlalchemy import func

from organiser.events.models import Event
from organiser.invitations.models import Invitation, InvitationState
from organiser.people.models import Person
from organiser.teams.models import Team
from tests.reach.test_dashboard import tables_of


def counts(db):
    return {
        m.__name__: db.session.scalar(db.select(func.count()).select_from(m)) for m in (Event, Invitation, Person, Team)
    }


def test_demo_fills_the_dashboard_and_forms_teams(app, db, client):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    first = counts(db)
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    assert counts(db) == first  # idempotent

    # Seats always equal the yes answers and their plus-ones.
    for event in db.session.scalars(db.select(Event)):
        yes = db.session.scalars(
            db.select(Invitation).where(Invitation.event_id == event.id, Invitation.state == InvitationState.YES)
        ).all()
        assert event.seats_taken == sum(1 + i.plus_ones for i in yes), event.title
        assert all(i.sent_at is not None for i in yes)

    speurtocht = db.session.scalar(db.select(Event).where(Event.title == "Speurtocht door het Havenkwartier"))
    teams = db.session.scalars(db.select(Team).where(Team.event_id == speurtocht.id).order_by(Team.number)).all()
    assert len(teams) >= 2
    assert all(t.guide is not None for t in teams)
    yes = db.session.scalars(
        db.select(Invitation).where(Invitation.event_id == speurtocht.id, Invitation.state == InvitationState.YES)
    ).all()
    assert len(yes) >= 8 and all(i.team_id is not None for i in yes)

    client.login("demo@organiser.example", "demo-organiser")
    page = client.get("/reach").get_data(as_text=True)
    tables = tables_of(page)
    assert int(tables["table-summary"][1][1]) > 0
    assert len(tables["table-first-timers"]) > 3
    standings = [row[1] for row in tables["table-departments"][1:]]
    assert "Bereikt" in standings and "Niet uitgenodigd" in standings
    assert any(int(row[1]) > 0 for row in tables["table-initiatives"][1:])
    page = client.get(f"/events/{speurtocht.id}/teams").get_data(as_text=True)
    assert page.count('<li class="team-card') == len(teams)
    assert "Gids" in client.get(f"/events/{speurtocht.id}/teams/print").get_data(as_text=True)
