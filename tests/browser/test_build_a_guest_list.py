"""In a real browser: import colleagues from CSV, build a well-mixed guest list with suggestions, see the mix."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.browser

CSV = (
    "\ufeffnaam;e-mail;soort;afdeling;rol;initiatief\r\n"
    "Iris Import;iris@gemeente.example;collega;Archief;kantoor;\r\n"
    "Ivo Import;ivo.import@gemeente.example;collega;Archief;kantoor;\r\n"
)


def screenshot(page, name: str) -> None:
    """With SCREENSHOTS=<directory> set, keep a picture of the page (to look at the layout)."""
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOTS"], f"{name}.png"), full_page=True)


def test_import_colleagues_and_build_a_guest_list(live_server, page, a11y, log_in, tmp_path):
    app = live_server["app"]
    assert app.test_cli_runner().invoke(args=["demo-data", "--quiet"]).exit_code == 0
    log_in("demo@organiser.example", "demo-organiser")

    page.get_by_role("link", name="Mensen").click()
    a11y.check()
    page.get_by_role("link", name="Importeren uit CSV").click()
    a11y.check()
    csv_file = tmp_path / "collegas.csv"
    csv_file.write_text(CSV, encoding="utf-8")
    page.get_by_label("Bestand (CSV of Excel)").set_input_files(str(csv_file))
    page.get_by_role("button", name="Bestand controleren").click()
    page.get_by_text("Nieuwe afdelingen die worden aangemaakt: Archief.").wait_for()
    a11y.check()
    screenshot(page, "import_preview")
    page.get_by_role("button", name="Importeren: 2 nieuw, 0 bijwerken").click()
    page.get_by_text("Import klaar: 2 nieuw, 0 bijgewerkt, 0 ongewijzigd.").wait_for()
    a11y.check()
    screenshot(page, "directory")

    page.get_by_role("link", name="Mijn bijeenkomsten").click()
    page.get_by_role("link", name="Wijksafari Oosterpark").click()
    page.get_by_role("link", name="Gastenlijst samenstellen").click()
    page.get_by_text("Er staat nog niemand op de lijst.").wait_for()
    a11y.check()
    page.get_by_label("Aantal voorstellen").fill("8")
    page.get_by_role("button", name="Stel collega's voor").click()
    page.get_by_text("8 voorstellen, de beste eerst").wait_for()
    assert "afdeling Archief nog niet vertegenwoordigd" in page.content()  # the imported department takes its turn
    a11y.check()
    screenshot(page, "suggestions")
    page.get_by_role("button", name="Aangevinkte collega's op de lijst zetten").click()
    page.get_by_text("8 voorgestelde collega's op de gastenlijst gezet.").wait_for()
    a11y.check()
    # Suggestions were all office-bound: the frontline and the host initiatives are still missing.
    assert "Er is nog geen collega met een contactrol (frontlinie) uitgenodigd." in page.content()

    page.get_by_label("Rol", exact=True).select_option(label="Contactrol (frontlinie)")
    page.get_by_role("button", name="Zoeken").click()
    page.locator("input[name=person_ids]").first.check()
    page.get_by_role("button", name="Aangevinkte mensen op de lijst zetten").click()
    page.get_by_text("1 persoon op de gastenlijst gezet.").wait_for()
    # The two host initiatives and the one hosting a stop on the route.
    for initiative in ("Moestuin De Groene Vingers", "Repair Café Oost", "Speeltuinvereniging De Velden"):
        page.get_by_label("Bewonersinitiatief", exact=True).select_option(label=initiative)
        page.get_by_label("Rol", exact=True).select_option(label="Alle")
        page.get_by_role("button", name="Zoeken").click()
        page.locator("input[name=person_ids]").first.check()
        page.get_by_role("button", name="Aangevinkte mensen op de lijst zetten").click()
        page.get_by_text("1 persoon op de gastenlijst gezet.").wait_for()
    page.get_by_text("De lijst haalt het doel.").wait_for()
    a11y.check()
    screenshot(page, "guest_list")
    page.get_by_role("button", name="Van de lijst halen").first.click()
    page.get_by_text("staat niet meer op de gastenlijst.").wait_for()
    assert len(a11y.checked) >= 8
