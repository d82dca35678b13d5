"""Exporting the directory to CSV: safe in spreadsheets, and importable again."""

from __future__ import annotations

import csv
import io

from organiser.people.models import Person


def test_export_is_formula_safe_and_follows_the_filters(logged_in, create_person, create_initiative):
    initiative = create_initiative("Repair Café Oost")
    create_person(name='=HYPERLINK("http://kwaad.example","klik")', email="kwaad@gemeente.example")
    create_person(name="Kees", email="kees@voorbeeld.example", kind="resident", initiatives=[initiative])
    response = logged_in.get("/people/export.csv")
    assert response.mimetype == "text/csv"
    assert 'attachment; filename="mensen.csv"' in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    lines = text.splitlines()
    assert lines[0] == "\ufeffnaam;e-mail;soort;afdeling;rol;initiatief;actief;taal"
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    by_email = {row[1]: row for row in rows[1:]}
    assert by_email["kwaad@gemeente.example"][0] == '\'=HYPERLINK("http://kwaad.example","klik")'
    assert by_email["kwaad@gemeente.example"][2:] == ["collega", "Vergunningen", "kantoor", "", "ja", "nl"]
    assert "Kees;kees@voorbeeld.example;bewoner;;;Repair Café Oost;ja;nl" in text
    only_residents = logged_in.get("/people/export.csv?soort=resident").get_data(as_text=True)
    assert "Kees" in only_residents and "kwaad" not in only_residents


def test_an_exported_file_imports_back_unchanged(logged_in, db, create_person, create_initiative):
    initiative = create_initiative("Repair Café Oost")
    create_person(name="=1+1", email="formule@gemeente.example", role="frontline", department="Wijkteams")
    create_person(name="Kees", email="kees@voorbeeld.example", kind="resident", initiatives=[initiative])
    create_person(name="Slapend", email="slaap@gemeente.example", active=False)
    create_person(name="Engelstalig", email="english@gemeente.example", locale="en")
    exported = logged_in.get("/people/export.csv").get_data()
    response = logged_in.post(
        "/people/import", {"file": (io.BytesIO(exported), "mensen.csv")}, content_type="multipart/form-data"
    )
    page = logged_in.get(response.headers["Location"] + "?toon=ongewijzigd").get_data(as_text=True)
    assert "Er verandert niets" in page
    assert ";english@gemeente.example;collega;Vergunningen;kantoor;;ja;en" in exported.decode("utf-8-sig")
    for name in ("=1+1", "Kees", "Slapend", "Engelstalig"):
        assert f'<th scope="row">{name}</th>' in page
    assert db.session.scalar(db.select(Person.name).where(Person.email == "formule@gemeente.example")) == "=1+1"
