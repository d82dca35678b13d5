"""In a real browser: log in, plan a wijksafari with two stops, publish it, find it on the agenda."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_plan_a_wijksafari_and_find_it_on_the_agenda(live_server, page, a11y, create_organiser, create_neighbourhood):
    create_organiser()
    create_neighbourhood("Oosterpark")
    base = live_server["url"]

    page.goto(f"{base}/agenda")
    a11y.check()
    page.get_by_role("link", name="Inloggen").click()
    a11y.check()
    page.get_by_label("E-mailadres").fill("organiser@example.org")
    page.get_by_label("Wachtwoord").fill("correct horse battery")
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{base}/events")
    a11y.check()

    page.get_by_role("link", name="Nieuwe bijeenkomst").click()
    a11y.check()
    page.get_by_role("link", name="Wijksafari").click()
    a11y.check()
    assert page.get_by_label("Aantal plaatsen").input_value() == "25"  # the format's default
    page.get_by_label("Titel").fill("Safari langs de moestuinen")
    page.get_by_label("Begint op").fill("2030-06-15T13:00")
    page.get_by_label("Eindigt op").fill("2030-06-15T16:00")
    page.get_by_label("Adres of verzamelpunt").fill("Wijkcentrum De Boog")
    page.get_by_label("Wijk").select_option(label="Oosterpark")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url("**/stops")
    a11y.check()

    for name, start, end in (("De moestuin", "13:00", "13:45"), ("Het repair café", "14:00", "14:30")):
        page.get_by_label("Naam van de halte").fill(name)
        page.get_by_label("Adres", exact=True).fill("Parkweg 12")
        page.get_by_label("Van", exact=True).fill(f"2030-06-15T{start}")
        page.get_by_label("Tot", exact=True).fill(f"2030-06-15T{end}")
        page.get_by_role("button", name="Halte toevoegen").click()
        page.get_by_text("De halte is toegevoegd.").wait_for()
    a11y.check()

    page.get_by_role("link", name="Terug naar de bijeenkomst").click()
    page.get_by_role("button", name="Publiceren in de agenda").click()
    page.get_by_text("De bijeenkomst staat nu in de agenda.").wait_for()
    a11y.check()

    page.get_by_role("link", name="Agenda", exact=True).click()
    page.get_by_role("link", name="Safari langs de moestuinen").click()
    a11y.check()
    timeline = page.locator("ol.timeline li")
    assert timeline.count() == 2
    assert "De moestuin" in timeline.nth(0).inner_text() and "13:00" in timeline.nth(0).inner_text()
    assert "zaterdag 15 juni 2030, 13:00–16:00" in page.content()
    assert len(a11y.checked) >= 8
