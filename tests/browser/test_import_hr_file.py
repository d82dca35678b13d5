"""In a real browser: import an HR department's Excel export whose headers the app does not know; say once which
column is what (every page checked by axe-core), see what was read, and confirm."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

pytestmark = pytest.mark.browser


def test_map_the_columns_of_an_hr_export_and_import_it(live_server, page, a11y, log_in, create_organiser, tmp_path):
    create_organiser()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Personeel"
    sheet.append(["Nummer", "Naam medewerker", "Zakelijk e-mail", "Organisatie", "Taal"])
    sheet.append([4711, "Iris Import", "iris@gemeente.example", "Archief", "Engels"])
    sheet.append([4712, "Ivo Import", "ivo@gemeente.example", "Archief", "nl"])
    path = tmp_path / "personeel.xlsx"
    workbook.save(path)

    log_in()
    page.get_by_role("link", name="Mensen").click()
    page.get_by_role("link", name="Importeren uit CSV of Excel").click()
    a11y.check()
    page.get_by_label("Bestand (CSV of Excel)").set_input_files(str(path))
    page.get_by_role("button", name="Bestand controleren").click()

    page.get_by_role("heading", name="Welke kolom is wat?").wait_for()
    assert page.get_by_text("Bijvoorbeeld: 4711, 4712").is_visible()
    a11y.check()
    page.get_by_label("Naam medewerker").select_option(label="Naam (voornaam en achternaam samen)")
    page.get_by_label("Organisatie").select_option(label="Afdeling")
    page.get_by_role("button", name="Kolommen opslaan en verder").click()
    page.get_by_text("Kies ook een kolom met het e-mailadres.").first.wait_for()  # the address is still missing
    a11y.check()
    page.get_by_label("Zakelijk e-mail").select_option(label="E-mailadres")
    page.get_by_role("button", name="Kolommen opslaan en verder").click()

    page.get_by_role("heading", name="Voorbeeld van de import").wait_for()
    assert page.get_by_text("Excel-werkmap, werkblad Personeel.").is_visible()
    assert page.get_by_text("Deze kolommen worden niet gebruikt: Nummer.").is_visible()
    a11y.check()
    page.get_by_role("button", name="Importeren: 2 nieuw, 0 bijwerken").click()
    page.get_by_text("Import klaar: 2 nieuw, 0 bijgewerkt, 0 ongewijzigd.").wait_for()
    a11y.check()
    assert page.get_by_role("link", name="Iris Import").is_visible()
