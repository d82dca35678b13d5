"""In a real browser: the reach dashboard, checking people in, and forming teams, each page checked by axe-core."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import route
from tests.reach.test_dashboard import days_ago

pytestmark = pytest.mark.browser


def test_dashboard_attendance_and_teams(
    live_server,
    page,
    log_in,
    a11y,
    db,
    create_organiser,
    create_event,
    create_initiative,
    create_department,
    create_person,
    invite,
):
    organiser = create_organiser()
    koor = create_initiative("Havenkoor")
    held = create_event("Bruiscafé van vorige week", starts_at=days_ago(7), organiser=organiser, hosts=[koor])
    speurtocht = create_event(
        "Speurtocht door het Havenkwartier",
        format="speurtocht",
        organiser=organiser,
        forms_teams=True,
        hosts=[koor],
        capacity=40,
    )
    speurtocht.stops = route(
        (speurtocht.starts_at, speurtocht.starts_at + timedelta(minutes=30), "Start bij het Havenkoor",
         "Loods 7, Kadestraat", koor),
    )  # fmt: skip
    db.session.commit()
    for n, department in enumerate(["Vergunningen", "Financiën", "Beleid", "Vergunningen", "Financiën", "ICT"]):
        person = create_person(f"Collega {n}", department=create_department(department))
        invite(held, person, "yes")
        invite(speurtocht, person, "yes")
    for n in range(2):
        invite(speurtocht, create_person(f"Wijkmanager {n}", role="frontline", department="Wijkteams"), "yes")
    invite(speurtocht, create_person("Ria Zanger", kind="resident", initiatives=[koor]), "yes")
    create_person("Nooit Uitgenodigd", department="Publiekszaken")
    base = live_server["url"]

    log_in()

    page.get_by_role("link", name="Bereik").click()
    page.get_by_role("img", name="Uitgenodigde en bereikte collega's per afdeling").wait_for()
    a11y.check()
    assert page.locator("svg[role=img]").count() == 5

    page.goto(f"{base}/events/{held.id}/attendance")
    a11y.check()
    page.get_by_label("aanwezig: Collega 0").check()
    page.get_by_role("button", name="Aanwezigheid opslaan").click()
    page.get_by_text("De aanwezigheid is opgeslagen: 1 aanwezig.").wait_for()
    a11y.check()
    page.get_by_role("link", name="Afdruklijst om af te vinken").click()
    a11y.check()

    page.goto(f"{base}/events/{speurtocht.id}/teams")
    a11y.check()
    page.get_by_label("Aantal teams").fill("3")
    page.get_by_role("button", name="Teams indelen").click()
    page.get_by_text("De mensen zijn over 3 teams verdeeld.").wait_for()
    a11y.check()
    assert page.locator("li.team-card").count() == 3
    page.get_by_role("link", name="Teamlijst en routekaart afdrukken").click()
    a11y.check()
    assert page.locator("section.route-card").count() == 3
    assert len(a11y.checked) == 7
