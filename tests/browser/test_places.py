"""In a real browser: add a wijk and an initiative from the menu, each page checked by axe-core."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_add_a_wijk_and_an_initiative(
    live_server, page, a11y, log_in, create_organiser, create_initiative, create_event
):
    create_organiser()
    create_event("Bruiscafé bij de imkers", hosts=[create_initiative("Stadsimkers")])

    log_in()

    page.get_by_role("link", name="Initiatieven").click()
    page.get_by_role("link", name="Bruiscafé bij de imkers").wait_for()
    a11y.check()

    page.get_by_role("link", name="Wijken beheren").click()
    a11y.check()
    page.get_by_label("Naam van de wijk").fill("Café-buurt Zuid")
    page.get_by_role("button", name="Wijk toevoegen").click()
    page.get_by_text("De wijk Café-buurt Zuid is toegevoegd.").wait_for()
    assert page.get_by_role("cell", name="cafe-buurt-zuid").is_visible()
    a11y.check()

    page.get_by_role("link", name="Bewonersinitiatieven").click()
    page.get_by_role("link", name="Initiatief toevoegen").click()
    page.get_by_role("button", name="Opslaan").click()  # empty: the messages must be accessible too
    page.get_by_text("Controleer het formulier").wait_for()
    a11y.check()
    page.get_by_label("Naam van het initiatief").fill("Repair Café Zuid")
    page.get_by_label("Wijk", exact=True).select_option(label="Café-buurt Zuid")
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_text("Het initiatief Repair Café Zuid is toegevoegd.").wait_for()
    assert page.get_by_role("heading", name="Café-buurt Zuid").is_visible()
    a11y.check()
