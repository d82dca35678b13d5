"""Checking people in: on screen with checkboxes (POST with CSRF), and on a printable list."""

from __future__ import annotations

import re
from datetime import date

import pytest

from organiser.events.models import EventStatus
from organiser.invitations.models import Invitation
from tests.reach.test_dashboard import days_ago, tables_of


@pytest.fixture
def held_event(organiser, create_event, create_department, create_person, invite):
    """An event of yesterday with two yes answers, one waiting and one no."""
    department = create_department("Vergunningen")
    event = create_event(
        "Bruiscafé van gisteren", starts_at=days_ago(1), organiser=organiser, capacity=3, max_plus_ones=1
    )  # full with Anna (and her guest) and Bram: Cas waits
    people = {
        "anna": create_person("Anna de Vries", department=department),
        "bram": create_person("Bram Bakker", department=department),
        "cas": create_person("Cas Wachter", department=department),
        "dina": create_person("Dina Nee", department=department),
    }
    invitations = {
        "anna": invite(event, people["anna"], plus_ones=1, state="yes"),
        "bram": invite(event, people["bram"], state="yes"),
        "cas": invite(event, people["cas"], state="waiting"),
        "dina": invite(event, people["dina"], state="no"),
    }
    return event, invitations


def attended(db, invitation) -> bool | None:
    return db.session.get(Invitation, invitation.id).attended


def test_the_list_shows_yes_and_waiting_separately(logged_in, held_event):
    event, _ = held_event
    page = logged_in.get(f"/events/{event.id}/attendance").get_data(as_text=True)
    expected, waiting = page.split("Op de wachtlijst")
    assert "Anna de Vries" in expected and "Bram Bakker" in expected and "Cas Wachter" not in expected
    assert "Cas Wachter" in waiting
    assert "Dina Nee" not in page
    assert "De aanwezigheid is nog niet vastgelegd." in page
    assert 'name="csrf_token"' in page
    assert 'aanwezig<span class="visually-hidden">: Anna de Vries</span></label>' in page


def test_recording_attendance_through_the_form(logged_in, db, held_event):
    event, invitations = held_event
    response = logged_in.post(f"/events/{event.id}/attendance", {"present": [invitations["anna"].id]})
    assert response.status_code == 302
    assert attended(db, invitations["anna"]) is True
    assert attended(db, invitations["bram"]) is False  # unticked once recorded
    assert attended(db, invitations["cas"]) is False
    assert attended(db, invitations["dina"]) is None  # said no: not on the list
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "De aanwezigheid is opgeslagen: 1 aanwezig." in page
    assert "De aanwezigheid is vastgelegd: 1 aanwezig." in page
    # The dashboard now counts only Anna for this event.
    rows = tables_of(logged_in.get("/reach").get_data(as_text=True))["table-first-timers"]
    assert rows[1][0] == "Bruiscafé van gisteren" and rows[1][3] == "1"
    # Ticking again replaces the earlier record.
    logged_in.post(f"/events/{event.id}/attendance", {"present": [invitations["bram"].id, invitations["cas"].id]})
    assert [attended(db, invitations[k]) for k in ("anna", "bram", "cas")] == [False, True, True]


def test_clearing_brings_back_the_yes_answers(logged_in, db, held_event):
    event, invitations = held_event
    logged_in.post(f"/events/{event.id}/attendance", {"present": [], "nobody_came": "y"})
    assert tables_of(logged_in.get("/reach").get_data(as_text=True))["table-first-timers"][1][0] == (
        "Geen gegevens in deze periode."
    )
    logged_in.post(f"/events/{event.id}/attendance/clear", {"confirm": "y"})
    assert attended(db, invitations["anna"]) is None and attended(db, invitations["bram"]) is None
    rows = tables_of(logged_in.get("/reach").get_data(as_text=True))["table-first-timers"]
    assert rows[1][3] == "2"


def test_tampered_ids_are_refused(logged_in, db, held_event):
    event, invitations = held_event
    response = logged_in.post(f"/events/{event.id}/attendance", {"present": [invitations["dina"].id]})
    assert response.status_code == 400  # the form is shown again, with its error
    assert attended(db, invitations["dina"]) is None and attended(db, invitations["anna"]) is None


def test_without_csrf_nothing_changes(logged_in, db, held_event):
    event, invitations = held_event
    response = logged_in.post(f"/events/{event.id}/attendance", {"present": [invitations["anna"].id]}, csrf=False)
    assert response.status_code == 400
    assert attended(db, invitations["anna"]) is None


def test_check_in_opens_on_the_day_of_the_event(logged_in, db, organiser, create_event, create_person, invite):
    event = create_event("Volgende week", starts_at=days_ago(-7), organiser=organiser)
    invitation = invite(event, create_person("Anna de Vries"), state="yes")
    page = logged_in.get(f"/events/{event.id}/attendance").get_data(as_text=True)
    assert "U kunt de aanwezigheid vastleggen vanaf de dag van de bijeenkomst." in page
    logged_in.post(f"/events/{event.id}/attendance", {"present": [invitation.id]})
    assert attended(db, invitation) is None


def test_cancelled_event_has_nothing_to_record(logged_in, organiser, create_event, create_person, invite):
    event = create_event("Afgelast", starts_at=days_ago(2), organiser=organiser, status=EventStatus.CANCELLED)
    invite(event, create_person("Anna de Vries"), state="yes")
    page = logged_in.get(f"/events/{event.id}/attendance").get_data(as_text=True)
    assert "Deze bijeenkomst is afgelast" in page


def test_another_organiser_gets_404(client, db, held_event, create_organiser):
    event, invitations = held_event
    create_organiser("ander@example.org", "Andere Organisator")
    client.login("ander@example.org")
    assert client.get(f"/events/{event.id}/attendance").status_code == 404
    assert client.get(f"/events/{event.id}/attendance/print").status_code == 404
    assert client.post(f"/events/{event.id}/attendance", {"present": [invitations["anna"].id]}).status_code == 404
    assert client.post(f"/events/{event.id}/attendance/clear").status_code == 404
    assert attended(db, invitations["anna"]) is None


def test_anonymous_visitors_are_sent_to_login(client, held_event):
    event, _ = held_event
    assert client.get(f"/events/{event.id}/attendance").status_code == 302


def test_printable_list(logged_in, held_event):
    event, _ = held_event
    page = logged_in.get(f"/events/{event.id}/attendance/print").get_data(as_text=True)
    assert "Aanwezigheidslijst: Bruiscafé van gisteren" in page
    assert page.count('class="tick-box"') == 3
    assert "Anna de Vries" in page and "Cas Wachter" in page and "Dina Nee" not in page
    assert "style=" not in page


def test_event_page_links_to_attendance(logged_in, held_event):
    event, _ = held_event
    page = logged_in.get(f"/events/{event.id}").get_data(as_text=True)
    assert f'href="/events/{event.id}/attendance"' in page


def test_period_default_is_twelve_months(app):
    from organiser.reach.periods import default_period

    period = default_period(date(2028, 2, 29))
    assert (period.start.isoformat(), period.end.isoformat()) == ("2027-03-01", "2028-02-29")


def test_never_a_one_click_wipe(logged_in, db, held_event):
    """Saving with nobody ticked, or forgetting what was recorded, needs a confirmation; the tick column comes first
    (on a phone it is on screen without scrolling sideways)."""
    event, invitations = held_event
    page = logged_in.get(f"/events/{event.id}/attendance").get_data(as_text=True)
    headers = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', page.split("Komen (")[1])
    assert headers[0] == "Aanwezig"
    response = logged_in.post(f"/events/{event.id}/attendance", {"present": []})
    assert response.status_code == 400
    assert "U heeft niemand aangevinkt, dus er is niets opgeslagen." in response.get_data(as_text=True)
    assert attended(db, invitations["anna"]) is None and attended(db, invitations["bram"]) is None

    logged_in.post(f"/events/{event.id}/attendance", {"present": [invitations["anna"].id]})
    response = logged_in.post(f"/events/{event.id}/attendance/clear")
    assert "Er is niets gewist." in logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert attended(db, invitations["anna"]) is True
