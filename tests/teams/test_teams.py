"""Forming mixed teams, moving and locking, late answers and cancellations, and the pages around them."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from flask_babel import force_locale

from organiser.invitations.models import Invitation
from organiser.qr import qr_svg
from organiser.teams import balance, formation, membership
from organiser.teams.models import Team
from organiser.teams.views import live_route_url
from tests.factories import route


@pytest.fixture
def speurtocht(db, organiser, create_event, create_initiative, create_neighbourhood):
    """A speurtocht hosted by two initiatives, with a route of two stops."""
    hood = create_neighbourhood("Havenkwartier")
    koor = create_initiative("Havenkoor", hood)
    bus = create_initiative("Wijkbus Havenkwartier", hood)
    event = create_event(
        "Speurtocht door het Havenkwartier",
        format="speurtocht",
        hours=3,
        organiser=organiser,
        forms_teams=True,
        hosts=[koor, bus],
        capacity=60,
    )
    start = event.starts_at
    event.stops = route(
        (start, start + timedelta(minutes=30), "Start bij het Havenkoor", "Loods 7, Kadestraat", koor),
        (start + timedelta(minutes=45), start + timedelta(minutes=90), "Opdracht bij de wijkbus", "Kadestraat 30", bus),
    )
    db.session.commit()
    return {"event": event, "koor": koor, "bus": bus, "other": create_initiative("Taalcafé Rijnbuurt", hood)}


@pytest.fixture
def add_people(speurtocht, create_department, create_person, invite):
    """Factory: yes answers for the speurtocht, given as (name, kind, department or initiative key)."""

    def factory(people):
        invitations = []
        for name, kind, where in people:
            if kind == "resident":
                person = create_person(name, kind="resident", initiatives=[speurtocht[where]])
            else:
                person = create_person(name, role=kind, department=create_department(where))
            invitations.append(invite(speurtocht["event"], person, state="yes"))
        return invitations

    return factory


MIXED = [
    ("Willem Jansen", "frontline", "Wijkteams"),
    ("Wendy Smit", "frontline", "Wijkteams"),
    ("Gert Makelaar", "frontline", "Gebiedsmakelaars"),
    ("Ria Zanger", "resident", "koor"),
    ("Bas Chauffeur", "resident", "bus"),
    ("Tara Taal", "resident", "other"),
    ("Anna de Vries", "office", "Vergunningen"),
    ("Bram Bakker", "office", "Vergunningen"),
    ("Chris Visser", "office", "Vergunningen"),
    ("Fatima El Amrani", "office", "Financiën"),
    ("Frits Geld", "office", "Financiën"),
    ("Femke Boek", "office", "Financiën"),
    ("Bea Beleid", "office", "Beleid"),
    ("Bob Beleid", "office", "Beleid"),
    ("Ivo Computer", "office", "ICT"),
]


def snapshot(db, event) -> dict[int, tuple[int | None, bool]]:
    db.session.expire_all()
    rows = db.session.scalars(db.select(Invitation).where(Invitation.event_id == event.id))
    return {i.id: (i.team_id, i.is_guide) for i in rows}


def check_invariants(teams, invitations, host_ids):
    """Everyone in exactly one team; one eligible guide per team where candidates suffice; office spread."""
    placed = [m.id for t in teams for m in t.members]
    assert sorted(placed) == sorted(i.id for i in invitations)
    candidates = [i for i in invitations if balance.may_guide(i, host_ids)]
    for team in teams:
        guides = [m for m in team.members if m.is_guide]
        assert len(guides) <= 1
        assert all(balance.may_guide(g, host_ids) for g in guides)
    if len(candidates) >= len(teams):
        assert all(t.guide is not None for t in teams)
    office = [sum(1 for m in t.members if balance.kind_of(m.person) == "office") for t in teams]
    assert max(office) - min(office) <= 1
    # Departments with no more colleagues than teams are fully apart.
    by_department = defaultdict(list)
    for team in teams:
        for member in team.members:
            if member.person.department_id:
                by_department[member.person.department_id].append(team.id)
    for team_ids in by_department.values():
        if len(team_ids) <= len(teams):
            assert len(set(team_ids)) == len(team_ids), "colleagues of one department ended up together"


def test_three_mixed_teams(db, speurtocht, add_people):
    invitations = add_people(MIXED)
    event = speurtocht["event"]
    teams = formation.form_teams(event, 3)
    db.session.commit()
    assert [t.name for t in teams] == ["Team 1", "Team 2", "Team 3"]
    check_invariants(teams, invitations, balance.host_initiative_ids(event))
    # Tara's initiative does not host: she is no guide; residents are spread over the teams.
    guides = {t.guide.person.name for t in teams}
    assert "Tara Taal" not in guides
    residents = [sum(1 for m in t.members if m.person.kind == "resident") for t in teams]
    assert max(residents) - min(residents) <= 1
    assert sorted(len(t.members) for t in teams) == [5, 5, 5]


def test_team_sizes_are_evened_out(db, speurtocht, add_people):
    """Spreading each kind evenly alone would give 5, 3 and 4 people here; sizes are evened out afterwards."""
    people = [
        ("Marieke Bos", "frontline", "Wijkteams"),
        ("Youssef Amrani", "frontline", "Wijkteams"),
        ("Fleur Aydin", "resident", "koor"),
        ("Gerda Vos", "resident", "koor"),
        ("Henk Postma", "resident", "bus"),
    ] + [(f"Kantoor {n}", "office", f"Afdeling {n}") for n in range(7)]
    invitations = add_people(people)
    teams = formation.form_teams(speurtocht["event"], 3)
    assert sorted(len(t.members) for t in teams) == [4, 4, 4]
    check_invariants(teams, invitations, balance.host_initiative_ids(speurtocht["event"]))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_invariants_hold_for_other_mixes(db, speurtocht, add_people, seed):
    rng = random.Random(seed)
    departments = ["Vergunningen", "Financiën", "Beleid", "ICT", "Publiekszaken"]
    people = []
    for n in range(rng.randint(12, 30)):
        kind = rng.choice(["office", "office", "office", "frontline", "resident"])
        where = rng.choice(["koor", "bus", "other"]) if kind == "resident" else rng.choice(departments)
        people.append((f"Persoon {n}", kind, where))
    invitations = add_people(people)
    count = rng.randint(2, 5)
    teams = formation.form_teams(speurtocht["event"], count)
    assert len(teams) == count
    check_invariants(teams, invitations, balance.host_initiative_ids(speurtocht["event"]))


def test_too_few_guides_leaves_teams_without_and_says_so(logged_in, db, speurtocht, add_people):
    add_people([("Willem Jansen", "frontline", "Wijkteams")] + [(f"Kantoor {n}", "office", "ICT") for n in range(5)])
    event = speurtocht["event"]
    logged_in.post(f"/events/{event.id}/teams/form", {"count": "2"})
    teams = db.session.scalars(db.select(Team).order_by(Team.number)).all()
    assert [t.guide is not None for t in teams].count(True) == 1
    page = logged_in.get(f"/events/{event.id}/teams").get_data(as_text=True)
    assert "Zonder gids: Team 2" in page


def test_move_lock_and_reform_keeps_locked_teams(logged_in, db, speurtocht, add_people):
    invitations = add_people(MIXED)
    event = speurtocht["event"]
    response = logged_in.post(f"/events/{event.id}/teams/form", {"count": "3"})
    assert response.status_code == 302
    teams = db.session.scalars(db.select(Team).order_by(Team.number)).all()
    assert len(teams) == 3
    # Move an office colleague from team 1 to team 2.
    mover = next(m for m in teams[0].members if balance.kind_of(m.person) == "office")
    logged_in.post(f"/events/{event.id}/teams/move", {"invitation_id": mover.id, "team_id": teams[1].id})
    db.session.expire_all()
    assert db.session.get(Invitation, mover.id).team_id == teams[1].id
    # Lock team 2, then re-form: team 2 keeps exactly its members and guide.
    logged_in.post(f"/events/{event.id}/teams/{teams[1].id}/lock", {"locked": "1"})
    before = snapshot(db, event)
    locked_members = {i for i, (team_id, _) in before.items() if team_id == teams[1].id}
    assert mover.id in locked_members
    response = logged_in.post(f"/events/{event.id}/teams/form", {"count": "4"})  # not confirmed: nothing changes
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Er is niets veranderd. Opnieuw indelen verdeelt iedereen in de niet-vergrendelde teams opnieuw" in page
    assert snapshot(db, event) == before
    response = logged_in.post(f"/events/{event.id}/teams/form", {"count": "4", "start_over": "y"})
    page = logged_in.get(response.headers["Location"])
    assert "De mensen zijn over 4 teams verdeeld." in page.get_data(as_text=True)
    after = snapshot(db, event)
    assert {i for i, (team_id, _) in after.items() if team_id == teams[1].id} == locked_members
    assert {i: after[i] for i in locked_members} == {i: before[i] for i in locked_members}
    assert all(team_id is not None for team_id, _ in after.values())
    numbers = db.session.scalars(db.select(Team.number).order_by(Team.number)).all()
    assert numbers == [1, 2, 3, 4]
    # Nobody can be moved into or out of a locked team.
    other = next(i for i in invitations if after[i.id][0] != teams[1].id)
    response = logged_in.post(f"/events/{event.id}/teams/move", {"invitation_id": other.id, "team_id": teams[1].id})
    assert "Dit team is vergrendeld" in logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert snapshot(db, event) == after
    # Fewer teams than are locked cannot be asked for.
    response = logged_in.post(f"/events/{event.id}/teams/form", {"count": "1", "start_over": "y"})
    assert "Er is 1 vergrendeld team" in logged_in.get(response.headers["Location"]).get_data(as_text=True)
    # Unlocking lets the next re-forming use team 2's members again.
    logged_in.post(f"/events/{event.id}/teams/{teams[1].id}/lock", {"locked": "0"})
    assert db.session.get(Team, teams[1].id).locked is False


def test_moving_a_guide_finds_a_new_guide(db, speurtocht, add_people):
    add_people(MIXED)
    event = speurtocht["event"]
    host_ids = balance.host_initiative_ids(event)
    teams = formation.form_teams(event, 3)
    source = next(t for t in teams if sum(balance.may_guide(m, host_ids) for m in t.members) > 1)
    target = next(t for t in teams if t is not source)
    guide = source.guide
    membership.move_to_team(guide, target)
    assert guide.team is target and not guide.is_guide  # the target team already had a guide
    assert source.guide is not None and source.guide is not guide  # the old team found another among its members
    assert sum(m.is_guide for m in target.members) == 1


def test_place_in_team_moves_nobody_else(db, speurtocht, add_people, create_person, create_department, invite):
    add_people(MIXED)
    event = speurtocht["event"]
    formation.form_teams(event, 3)
    db.session.commit()
    before = snapshot(db, event)
    # Make team 3 the smallest: one of its members cancels.
    team3 = db.session.scalar(db.select(Team).where(Team.number == 3))
    leaving = next(m for m in team3.members if not m.is_guide)
    membership.remove_from_team(leaving)
    db.session.commit()
    late = invite(event, create_person("Laat Aangemeld", department=create_department("Vergunningen")), state="yes")
    team = membership.place_in_team(late)
    db.session.commit()
    assert team.number == 3
    after = snapshot(db, event)
    assert after[late.id] == (team3.id, False)
    unchanged = {k: v for k, v in after.items() if k not in (late.id, leaving.id)}
    assert unchanged == {k: v for k, v in before.items() if k not in (late.id, leaving.id)}
    assert after[leaving.id] == (None, False)
    # Placing again is a no-op.
    assert membership.place_in_team(db.session.get(Invitation, late.id)).id == team3.id


def test_place_in_team_only_flushes(db, speurtocht, add_people, create_person, invite):
    add_people(MIXED[:6])
    event = speurtocht["event"]
    formation.form_teams(event, 2)
    db.session.commit()
    late = invite(event, create_person("Laat Aangemeld"), state="yes")
    assert membership.place_in_team(late) is not None
    db.session.rollback()
    assert db.session.get(Invitation, late.id).team_id is None


def test_place_in_team_is_a_no_op_without_teams_or_yes(db, speurtocht, add_people, create_person, invite):
    [invitation] = add_people([("Anna de Vries", "office", "Vergunningen")])
    assert membership.place_in_team(invitation) is None and invitation.team_id is None
    formation.form_teams(speurtocht["event"], 1)
    maybe = invite(speurtocht["event"], create_person("Misschien Wel"), state="maybe")
    assert membership.place_in_team(maybe) is None


def test_late_guide_candidate_leads_a_team_without_guide(db, speurtocht, add_people, create_person, invite):
    add_people([(f"Kantoor {n}", "office", f"Afdeling {n}") for n in range(4)])
    event = speurtocht["event"]
    teams = formation.form_teams(event, 2)
    assert all(t.guide is None for t in teams)
    resident = invite(
        event, create_person("Ria Zanger", kind="resident", initiatives=[speurtocht["koor"]]), state="yes"
    )
    team = membership.place_in_team(resident)
    assert team.guide is resident and resident.is_guide


def test_all_teams_locked_leaves_a_late_answer_unplaced(db, speurtocht, add_people, create_person, invite):
    add_people(MIXED[:4])
    teams = formation.form_teams(speurtocht["event"], 2)
    for team in teams:
        membership.set_locked(team, True)
    late = invite(speurtocht["event"], create_person("Laat Aangemeld"), state="yes")
    assert membership.place_in_team(late) is None and late.team_id is None


def test_remove_the_guide_picks_a_new_one_within_the_team(db, speurtocht, add_people):
    add_people(MIXED)
    event = speurtocht["event"]
    teams = formation.form_teams(event, 2)  # five candidates for two teams: spare candidates in the teams
    db.session.commit()
    team = next(
        t for t in teams if sum(balance.may_guide(m, balance.host_initiative_ids(event)) for m in t.members) > 1
    )
    guide = team.guide
    before = snapshot(db, event)
    membership.remove_from_team(db.session.get(Invitation, guide.id))
    db.session.commit()
    after = snapshot(db, event)
    assert after[guide.id] == (None, False)
    new_guides = [i for i, (team_id, is_guide) in after.items() if team_id == team.id and is_guide]
    assert len(new_guides) == 1
    # Only the departing guide and their successor changed.
    changed = {i for i in before if before[i] != after[i]}
    assert changed == {guide.id, new_guides[0]}
    assert after[new_guides[0]][0] == before[new_guides[0]][0]  # the successor stayed in the team


def test_remove_someone_without_a_team_is_harmless(db, speurtocht, add_people):
    [invitation] = add_people([("Anna de Vries", "office", "Vergunningen")])
    membership.remove_from_team(invitation)
    assert invitation.team_id is None and invitation.is_guide is False


def test_team_summary_for_mails(db, speurtocht, add_people):
    add_people([("Willem Jansen", "frontline", "Wijkteams"), ("Anna de Vries", "office", "Vergunningen")])
    [team] = formation.form_teams(speurtocht["event"], 1)
    guide = team.guide
    member = next(m for m in team.members if not m.is_guide)
    assert member.team is team
    # Mail is written outside a request, in the invitee's language.
    with force_locale("nl"):
        assert team.summary_for(member) == "Team 1, gids: Willem Jansen"
        assert team.summary_for(guide) == "Team 1, u bent de gids"
        membership.remove_from_team(member)
        assert member.team is None


def test_set_guide_by_hand(logged_in, db, speurtocht, add_people):
    invitations = add_people(MIXED[:5])
    event = speurtocht["event"]
    formation.form_teams(event, 1)
    db.session.commit()
    office = next(i for i in invitations if i.person.name == "Willem Jansen")
    anna = add_people([("Anna de Vries", "office", "Vergunningen")])[0]
    membership.place_in_team(anna)
    db.session.commit()
    logged_in.post(f"/events/{event.id}/teams/guide", {"invitation_id": anna.id})
    db.session.expire_all()
    team = db.session.scalar(db.select(Team))
    assert team.guide.id == anna.id
    assert sum(m.is_guide for m in team.members) == 1
    assert office.id in {m.id for m in team.members}


def test_overview_explains_when_there_are_no_teams(logged_in, organiser, create_event, speurtocht):
    borrel = create_event("Netwerkborrel", format="netwerkborrel", organiser=organiser)
    page = logged_in.get(f"/events/{borrel.id}/teams").get_data(as_text=True)
    assert "Bij deze bijeenkomst worden geen teams gevormd." in page
    assert 'name="count"' not in page
    response = logged_in.post(f"/events/{borrel.id}/teams/form", {"count": "2"})
    assert "Bij deze bijeenkomst kunnen geen teams worden ingedeeld." in logged_in.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    page = logged_in.get(f"/events/{speurtocht['event'].id}/teams").get_data(as_text=True)
    assert "Er heeft nog niemand ja gezegd." in page


def test_overview_shows_teams_and_counts(logged_in, db, speurtocht, add_people):
    add_people(MIXED)
    event = speurtocht["event"]
    logged_in.post(f"/events/{event.id}/teams/form", {"count": "3"})
    page = logged_in.get(f"/events/{event.id}/teams").get_data(as_text=True)
    assert page.count('<li class="team-card') == 3
    assert "15 mensen komen. 5 van hen kunnen gids zijn" in page
    assert page.count(">Gids</span>") == 3
    assert "Personen (met introducés): 5 · kantoor: 3" in page
    assert "style=" not in page


def test_invalid_team_count_is_explained(logged_in, db, speurtocht, add_people):
    add_people(MIXED[:4])
    event = speurtocht["event"]
    for count, message in (("0", "Kies tussen 1 en 50 teams."), ("9", "te weinig voor het aantal nieuwe teams (9)")):
        response = logged_in.post(f"/events/{event.id}/teams/form", {"count": count})
        assert message in logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Team)) == 0


def test_print_cards_show_members_guide_and_route(logged_in, db, speurtocht, add_people):
    add_people(MIXED)
    event = speurtocht["event"]
    formation.form_teams(event, 3)
    db.session.commit()
    page = logged_in.get(f"/events/{event.id}/teams/print").get_data(as_text=True)
    assert page.count('class="route-card"') == 3
    assert page.count("Start bij het Havenkoor") == 3 and "Kadestraat 30" in page
    assert "14:00</time>–<time" in page and "14:30</time>" in page
    for name, _kind, _where in MIXED:
        assert name in page
    assert page.count("(gids)") == 3


def test_other_organisers_get_404(client, db, speurtocht, add_people, create_organiser):
    [invitation] = add_people([("Anna de Vries", "office", "Vergunningen")])
    event = speurtocht["event"]
    [team] = formation.form_teams(event, 1)
    db.session.commit()
    create_organiser("ander@example.org", "Andere Organisator")
    client.login("ander@example.org")
    assert client.get(f"/events/{event.id}/teams").status_code == 404
    assert client.get(f"/events/{event.id}/teams/print").status_code == 404
    assert client.post(f"/events/{event.id}/teams/form", {"count": "1"}).status_code == 404
    assert client.post(f"/events/{event.id}/teams/{team.id}/lock", {"locked": "1"}).status_code == 404
    assert client.post(f"/events/{event.id}/teams/guide", {"invitation_id": invitation.id}).status_code == 404
    assert db.session.get(Team, team.id).locked is False


def test_a_team_of_another_event_is_404(logged_in, db, organiser, speurtocht, add_people, create_event):
    [invitation] = add_people([("Anna de Vries", "office", "Vergunningen")])
    formation.form_teams(speurtocht["event"], 1)
    other = create_event("Andere speurtocht", format="speurtocht", organiser=organiser, forms_teams=True)
    foreign = Team(event_id=other.id, number=1, name="Team 1")
    db.session.add(foreign)
    db.session.commit()
    event = speurtocht["event"]
    response = logged_in.post(f"/events/{event.id}/teams/move", {"invitation_id": invitation.id, "team_id": foreign.id})
    assert response.status_code == 302  # not a choice of this event: the form is refused
    assert db.session.get(Invitation, invitation.id).team_id != foreign.id
    assert logged_in.post(f"/events/{event.id}/teams/{foreign.id}/lock", {"locked": "1"}).status_code == 404
    counts = Counter(db.session.scalars(db.select(Invitation.team_id)).all())
    assert foreign.id not in counts


def test_a_team_without_any_resident_is_warned_about(logged_in, db, speurtocht, add_people):
    add_people(MIXED)
    event = speurtocht["event"]
    logged_in.post(f"/events/{event.id}/teams/form", {"count": "3"})
    page = logged_in.get(f"/events/{event.id}/teams").get_data(as_text=True)
    assert "Zonder bewoner" not in page  # three residents over three teams
    teams = db.session.scalars(db.select(Team).where(Team.event_id == event.id).order_by(Team.number)).all()
    resident = next(m for m in teams[0].members if balance.kind_of(m.person) == "resident")
    logged_in.post(f"/events/{event.id}/teams/move", {"invitation_id": resident.id, "team_id": teams[1].id})
    page = logged_in.get(f"/events/{event.id}/teams").get_data(as_text=True)
    assert "Zonder bewoner: Team 1." in page


def test_a_route_card_per_team_with_the_stops_in_order_and_a_qr_code_to_the_live_route(
    logged_in, db, speurtocht, add_people, client, create_organiser
):
    add_people(MIXED[:6])
    event = speurtocht["event"]
    first, second = formation.form_teams(event, 2)
    db.session.commit()
    page = logged_in.get(f"/events/{event.id}/teams/{second.id}/card").get_data(as_text=True)
    assert f"Routekaart: {second.name}" in page and first.name not in page
    # The stops in route order, with their times, addresses and host initiatives.
    start, task = page.index("Start bij het Havenkoor"), page.index("Opdracht bij de wijkbus")
    assert start < task
    assert "14:00</time>–<time" in page and "Loods 7, Kadestraat" in page and "gastheer: Wijkbus Havenkwartier" in page
    members = [m.person.name for m in db.session.get(Team, second.id).members]
    assert members and all(name in page for name in members)
    # The QR code: the live route page (the public event page, at its route), as an SVG image. segno cannot
    # decode, so the served image is compared with the code of the expected URL (the payload the service encodes).
    live = f"http://organiser.test/events/{event.id}#route-heading"
    assert live_route_url(event) == live and live in page
    assert f'src="/events/{event.id}/route-qr.svg"' in page
    svg = logged_in.get(f"/events/{event.id}/route-qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.get_data(as_text=True) == qr_svg(live, title="QR-code naar de actuele route")
    assert svg.get_data(as_text=True).startswith("<svg") and "<path" in svg.get_data(as_text=True)
    # That page shows the route to anyone (a published event), so the team can scan it on the way.
    assert "Opdracht bij de wijkbus" in client.get(f"/events/{event.id}").get_data(as_text=True)
    # The card of all teams carries the code too; another event's team is not this event's card.
    assert logged_in.get(f"/events/{event.id}/teams/print").get_data(as_text=True).count("route-qr.svg") == 2
    assert logged_in.get(f"/events/{event.id}/teams/{second.id + 100}/card").status_code == 404
    create_organiser("ander@example.org", "Andere Organisator")
    client.login("ander@example.org")
    assert client.get(f"/events/{event.id}/teams/{second.id}/card").status_code == 404
    assert client.get(f"/events/{event.id}/route-qr.svg").status_code == 404
