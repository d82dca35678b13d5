"""Importing what an HR department exports: .xlsx, Windows-1252 CSV, name parts, unknown headers (mapped once,
remembered), a language column, the good rows of a file with bad ones (and the refused rows as a download),
and "sync": who is missing from the export is set inactive after a preview."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

from openpyxl import Workbook

from organiser.people.models import ContactRole, ImportColumnChoice, Person, PersonImport, PersonKind
from tests.people.test_import import commit_fields, confirm, preview_url, upload


def person(db, email) -> Person:
    db.session.expire_all()
    return db.session.scalar(db.select(Person).where(Person.email == email))


def count_people(db) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Person))


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    """A workbook made with openpyxl, as Excel would save it."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HR_SHEET = [
    ["Personeelsnummer", "Voornaam", "Tussenvoegsel", "Achternaam", "E-mailadres", "Afdeling", "Taal", "In dienst"],
    [10234, "Jan", "Van der", "Berg", "J.vanderBerg@gemeente.example", "Vergunningen", "Nederlands", date(2019, 4, 1)],
    [10235.0, "Anaïs", None, "Dupont", "anais.dupont@gemeente.example", "Financiën", "Engels", datetime(2021, 9, 1)],
    [10236, "Sanne", "de", "Vries", "s.devries@gemeente.example", "Vergunningen", "en", None],
]


def test_an_xlsx_export_with_name_parts_a_chosen_sheet_and_unknown_columns(logged_in, db):
    content = xlsx({"Toelichting": [["Export personeelszaken, november"]], "Personeel": HR_SHEET})
    page = upload(logged_in, content, "personeel.xlsx", sheet="Bestaat niet").get_data(as_text=True)
    assert "De werkmap heeft geen werkblad &#39;Bestaat niet&#39;. De werkbladen zijn: Toelichting, Personeel." in page

    mapping = preview_url(upload(logged_in, content, "personeel.xlsx", sheet="Personeel"))
    assert mapping.endswith("/kolommen")  # "Personeelsnummer" and "In dienst" are unknown headers
    page = logged_in.get(mapping).get_data(as_text=True)
    assert "gelezen als Excel-werkmap (.xlsx)" in page and "Werkblad: Personeel." in page
    assert "Bijvoorbeeld: 10234, 10235, 10236" in page  # whole numbers without ".0"
    assert "Bijvoorbeeld: 2019-04-01, 2021-09-01" in page  # dates as dates
    assert count_people(db) == 0

    preview = preview_url(logged_in.post(mapping, {"kolom_0": "", "kolom_7": ""}))
    page = logged_in.get(preview).get_data(as_text=True)
    assert "Excel-werkmap, werkblad Personeel." in page
    assert "Deze kolommen worden niet gebruikt: Personeelsnummer, In dienst." in page
    assert '<th scope="row">Jan van der Berg</th>' in page and '<th scope="row">Anaïs Dupont</th>' in page
    assert "Importeren: 3 nieuw, 0 bijwerken" in page
    confirm(logged_in, preview)

    jan = person(db, "j.vanderberg@gemeente.example")
    assert jan.name == "Jan van der Berg" and jan.locale == "nl" and jan.department.name == "Vergunningen"
    assert jan.kind == PersonKind.STAFF and jan.contact_role == ContactRole.OFFICE  # the form's defaults
    assert person(db, "anais.dupont@gemeente.example").locale == "en"
    assert person(db, "s.devries@gemeente.example").name == "Sanne de Vries"

    # Remembered for the whole site: the next export with these headers goes straight to its preview.
    choices = dict(db.session.execute(db.select(ImportColumnChoice.header_key, ImportColumnChoice.field)).all())
    assert choices == {"personeelsnummer": "", "indienst": ""}
    again = preview_url(upload(logged_in, content, "personeel.xlsx", sheet="Personeel"))
    assert not again.endswith("/kolommen")
    assert "Er verandert niets" in logged_in.get(again).get_data(as_text=True)


def test_a_damaged_xlsx_and_an_old_xls_are_refused_clearly(logged_in, db):
    broken = xlsx({"Personeel": HR_SHEET})[:2000]
    page = upload(logged_in, broken, "personeel.xlsx").get_data(as_text=True)
    assert "Dit Excel-bestand kan niet worden gelezen." in page
    page = upload(logged_in, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "oud.xls").get_data(as_text=True)
    assert "Dit is een ouder Excel-bestand (.xls)" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(PersonImport)) == 0


def hr_csv_with_bad_rows() -> bytes:
    """What Dutch Excel saves as "CSV (gescheiden door lijstscheidingsteken)": Windows-1252, semicolons; 293 good
    rows and 6 bad ones."""
    lines = ["Voornaam;Tussenvoegsel;Achternaam;E-mail;Afdeling;Taal"]
    lines += [
        f"Zoë;van;Mölder {n:03d};zoe{n}@gemeente.example;Financiën;{'Engels' if n % 2 else 'nl'}" for n in range(293)
    ]
    lines += [
        "Piet;;Puk;geen-adres;Financiën;nl",  # line 295
        "Klaas;;Vaak;;Financiën;nl",
        "Kees;;Dubbel;zoe7@gemeente.example;Financiën;nl",
        "Frans;;Fransman;frans@gemeente.example;Financiën;Frans",
        ";;;leeg@gemeente.example;Financiën;nl",
        "Geen;;Afdeling;geen.afdeling@gemeente.example;;nl",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def test_a_windows_1252_csv_imports_its_good_rows_and_lists_the_refused_ones(logged_in, db):
    url = preview_url(upload(logged_in, hr_csv_with_bad_rows(), "hr-export.csv"))
    page = logged_in.get(url).get_data(as_text=True)
    assert "CSV-bestand, tekenset Windows-1252 (Excel: CSV, West-Europees), scheidingsteken puntkomma (;)." in page
    assert "<td>Mölder 000</td>" in page  # the first rows as read, accents intact
    assert "6 rijen zijn afgewezen." in page
    assert "Alleen de goede rijen importeren: 293 nieuw, 0 bijwerken (6 afgewezen rijen overslaan)" in page

    download = logged_in.get(url + "/afgewezen.csv")
    assert download.headers["Content-Type"].startswith("text/csv")
    assert download.headers["Content-Disposition"] == 'attachment; filename="afgewezen-rijen.csv"'
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    header = ["Voornaam", "Tussenvoegsel", "Achternaam", "E-mail", "Afdeling", "Taal"]
    assert rows[0] == ["Regel", *header, "Reden afwijzing"]
    reasons = {row[0]: row[-1] for row in rows[1:]}
    assert reasons == {
        "295": "'geen-adres' is geen geldig e-mailadres.",
        "296": "Het e-mailadres ontbreekt.",
        "297": "Dit e-mailadres staat al eerder in het bestand (rij 9).",
        "298": "Onbekende taal 'Frans': vul 'nl' (Nederlands) of 'en' (Engels) in.",
        "299": "De naam ontbreekt.",
        "300": "Een collega heeft een afdeling nodig.",
    }
    assert rows[1][:7] == ["295", "Piet", "", "Puk", "geen-adres", "Financiën", "nl"]

    logged_in.post("/language", {"lang": "en", "next": "/people"})
    english = logged_in.get(url + "/afgewezen.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(english.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "Line" and rows[0][-1] == "Reason refused"
    assert rows[2][-1] == "The email address is missing."
    page = logged_in.get(url).get_data(as_text=True)
    assert "CSV file, character encoding Windows-1252 (Excel: CSV, Western European), separator semicolon (;)." in page
    logged_in.post("/language", {"lang": "nl", "next": "/people"})

    response = confirm(logged_in, url)
    assert response.headers["Location"] == "/people"
    page = logged_in.get("/people").get_data(as_text=True)
    assert "Import klaar: 293 nieuw, 0 bijgewerkt, 0 ongewijzigd. 6 afgewezen rijen zijn overgeslagen." in page
    assert count_people(db) == 293
    first, second = person(db, "zoe0@gemeente.example"), person(db, "zoe1@gemeente.example")
    assert first.name == "Zoë van Mölder 000" and first.locale == "nl" and first.department.name == "Financiën"
    assert second.locale == "en"
    assert person(db, "frans@gemeente.example") is None

    # The refused rows, corrected, import as they are: their "Regel" and "Reden" columns need no mapping. (Row 297's
    # address is no longer a duplicate within the file: it now updates zoe7, and the preview says so.)
    fixed = download.get_data().replace(b"geen-adres", b"piet@gemeente.example")
    again = preview_url(upload(logged_in, fixed, "afgewezen-rijen.csv"))
    assert not again.endswith("/kolommen")
    assert "Alleen de goede rijen importeren: 1 nieuw, 1 bijwerken (4 afgewezen rijen overslaan)" in logged_in.get(
        again
    ).get_data(as_text=True)


def test_a_second_confirmation_is_answered_clearly(logged_in, db):
    content = "naam;e-mail;afdeling\nAnna;anna@gemeente.example;Beleid\n"
    url = preview_url(upload(logged_in, content, default_role="frontline"))
    fields = commit_fields(logged_in, url)
    assert logged_in.post(url, fields).headers["Location"] == "/people"
    second = logged_in.post(url, fields)  # the back button, a double click
    assert second.status_code == 302 and second.headers["Location"] == "/people"
    page = logged_in.get("/people").get_data(as_text=True)
    assert "Deze import is al uitgevoerd" in page and "er is niets dubbel opgeslagen" in page
    assert logged_in.get(url).status_code == 302  # the preview of an applied import says the same
    assert count_people(db) == 1
    assert person(db, "anna@gemeente.example").contact_role == ContactRole.FRONTLINE


def test_the_mapping_step_refuses_a_field_twice_and_a_file_without_addresses(logged_in, db):
    content = "Naam medewerker;Werk-adres;Privé-adres;Afdeling\nAnna;a@gemeente.example;a@thuis;Beleid\n"
    mapping = preview_url(upload(logged_in, content))
    assert mapping.endswith("/kolommen")
    page = logged_in.post(mapping, {"kolom_0": "name", "kolom_1": "email", "kolom_2": "email"}).get_data(as_text=True)
    assert "Deze keuze staat al bij de kolom &#39;Werk-adres&#39;." in page
    page = logged_in.post(mapping, {"kolom_0": "name"}).get_data(as_text=True)
    assert "Kies ook een kolom met het e-mailadres." in page
    assert db.session.scalars(db.select(ImportColumnChoice)).all() == []
    preview = preview_url(logged_in.post(mapping, {"kolom_0": "name", "kolom_1": "email"}))
    assert "Importeren: 1 nieuw" in logged_in.get(preview).get_data(as_text=True)


def test_an_export_without_kind_role_or_initiatives_leaves_people_as_they_are(logged_in, db, create_person):
    create_person(name="Bram", email="bram@gemeente.example", department="Wijkteams", role="frontline")
    url = preview_url(upload(logged_in, "naam;e-mail;taal\nBram Wijkman;bram@gemeente.example;English\n"))
    page = logged_in.get(url + "?toon=alle").get_data(as_text=True)
    assert "naam: Bram → Bram Wijkman" in page and "taal: nl → en" in page and "rol: frontlinie" not in page
    confirm(logged_in, url)
    bram = person(db, "bram@gemeente.example")
    assert bram.contact_role == ContactRole.FRONTLINE and bram.department.name == "Wijkteams" and bram.locale == "en"


def test_sync_sets_inactive_who_is_missing_after_a_preview_and_a_count(logged_in, db, create_person):
    create_person(name="Anna", email="anna@gemeente.example", department="Beleid")
    create_person(name="Carla Weg", email="carla@gemeente.example", department="Beleid")
    create_person(name="Erik Sport", email="erik@gemeente.example", department="Sport")
    export = "naam;e-mail;afdeling\nAnna;anna@gemeente.example;Beleid\nFemke;femke@gemeente.example;Beleid\n"

    url = preview_url(upload(logged_in, export, sync="departments"))
    page = logged_in.get(url).get_data(as_text=True)
    assert "Synchroniseren met dit bestand: collega van de afdelingen in dit bestand (Beleid)." in page
    assert "1 persoon staat niet in het bestand en wordt op niet actief gezet." in page
    assert '<th scope="row">Carla Weg</th>' in page and "Erik Sport" not in page
    assert "Importeren: 1 nieuw, 0 bijwerken, 1 op niet actief" in page
    assert person(db, "carla@gemeente.example").active  # the preview changes nothing

    fields = commit_fields(logged_in, url)
    create_person(name="Gert Nieuw", email="gert@gemeente.example", department="Beleid")  # meanwhile
    logged_in.post(url, fields)
    assert "het adresboek is veranderd" in logged_in.get(url).get_data(as_text=True)
    assert person(db, "carla@gemeente.example").active and count_people(db) == 4

    confirm(logged_in, url)
    assert "2 mensen die niet in het bestand stonden, zijn op niet actief gezet." in logged_in.get("/people").get_data(
        as_text=True
    )
    carla, gert = person(db, "carla@gemeente.example"), person(db, "gert@gemeente.example")
    assert not carla.active and carla.deactivated_at is not None and not gert.active
    assert person(db, "erik@gemeente.example").active and person(db, "femke@gemeente.example").active

    # The whole kind: Erik (another department) goes too; someone inactive who is in the export comes back.
    url = preview_url(upload(logged_in, export + "Carla Weg;carla@gemeente.example;Beleid\n", sync="kind"))
    page = logged_in.get(url + "?toon=alle").get_data(as_text=True)
    assert "alle actieve mensen van de soort collega" in page and '<th scope="row">Erik Sport</th>' in page
    assert "actief: ja" in page
    confirm(logged_in, url)
    assert not person(db, "erik@gemeente.example").active and person(db, "carla@gemeente.example").active


def test_sync_leaves_active_who_is_on_a_colleagues_guest_list(
    logged_in, db, create_person, create_organiser, create_event, invite
):
    """As when setting one person inactive by hand: a change that reaches a colleague's event goes through them."""
    colleague = create_organiser("collega@example.org", "Cor Collega")
    guest = create_person(name="Gast Van Cor", email="gast@gemeente.example", department="Beleid")
    invite(create_event("Bruiscafé van Cor", organiser=colleague), guest)
    create_person(name="Weg Persoon", email="weg@gemeente.example", department="Beleid")
    export = "naam;e-mail;afdeling\nAnna;anna@gemeente.example;Beleid\n"
    url = preview_url(upload(logged_in, export, sync="kind"))
    page = logged_in.get(url).get_data(as_text=True)
    assert "1 persoon staat niet in het bestand en wordt op niet actief gezet." in page
    assert "1 persoon staat ook niet in het bestand, maar blijft actief:" in page
    assert "Gast Van Cor staat op de gastenlijst van een bijeenkomst van een collega (Bruiscafé van Cor)" in page
    confirm(logged_in, url)
    assert person(db, "gast@gemeente.example").active and not person(db, "weg@gemeente.example").active


def test_an_xlsx_that_unpacks_to_too_much_is_refused_before_it_is_read(logged_in, db):
    """A "zip bomb": 60 MB of zeros packs into a few dozen kB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", bytes(60 * 1024 * 1024))
    page = upload(logged_in, buffer.getvalue(), "groot.xlsx").get_data(as_text=True)
    assert "Dit Excel-bestand is uitgepakt te groot (meer dan 50 MB)." in page
    assert db.session.scalar(db.select(db.func.count()).select_from(PersonImport)) == 0
