"""Importing people from CSV: upload, preview (kept in the database), and one all-or-nothing commit."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest

from organiser.extensions import utcnow
from organiser.people.import_files import purge_stale_imports
from organiser.people.models import ContactRole, Department, Person, PersonImport, PersonKind
from tests.conftest import Client, make_app

DUTCH = (
    "naam;e-mail;soort;afdeling;rol;initiatief\r\n"
    "Fatima el Amrani;F.ElAmrani@Gemeente.example;medewerker;Vergunningen;kantoor;\r\n"
    "Bram Wijkman;bram@gemeente.example;collega;Wijkteams;frontlinie;\r\n"
    "Kees de Vries;kees@voorbeeld.example;bewoner;;;Repair Café Oost|Stadsimkers\r\n"
)
ENGLISH = (
    "Name,Email,Kind,Department,Role,Initiative\n"
    '"Jansen, Piet",piet@gemeente.example,staff,Financiën,office,\n'
    "Dewi,dewi@voorbeeld.example,resident,,,stadsimkers\n"
)


@pytest.fixture
def initiatives(create_initiative, create_neighbourhood):
    hood = create_neighbourhood("Oosterpark")
    return [create_initiative("Repair Café Oost", hood), create_initiative("Stadsimkers", hood)]


def upload(client, content, filename="mensen.csv", **fields):
    """Upload a file as the form does; `fields` are the form's other choices (default kind, role, sync, sheet)."""
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    return client.post(
        "/people/import", {"file": (io.BytesIO(data), filename), **fields}, content_type="multipart/form-data"
    )


def preview_url(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def commit_fields(client, url) -> dict[str, str]:
    """The hidden fields of the preview's confirm button (the counts the organiser saw), without the CSRF token."""
    page = client.get(url).get_data(as_text=True)
    form = re.search(rf'<form method="post" action="{re.escape(url)}"[^>]*>(.*?)</form>', page, re.S)
    assert form, "no confirm button on the preview"
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.group(1)))
    fields.pop("csrf_token")
    return fields


def confirm(client, url, **changes):
    """Press the preview's confirm button (with `changes` to what it sends)."""
    return client.post(url, {**commit_fields(client, url), **changes})


def people(db):
    return db.session.scalars(db.select(Person).order_by(Person.email)).all()


def test_dutch_headers_semicolons_and_bom(logged_in, db, initiatives):
    url = preview_url(upload(logged_in, "\ufeff" + DUTCH))
    page = logged_in.get(url).get_data(as_text=True)
    assert "Er is nog niets opgeslagen." in page
    assert "Nieuwe afdelingen die worden aangemaakt: Vergunningen, Wijkteams." in page
    assert "Importeren: 3 nieuw, 0 bijwerken" in page
    assert people(db) == []  # the preview saves nothing

    response = confirm(logged_in, url)
    assert response.status_code == 302 and response.headers["Location"] == "/people"
    assert "Import klaar: 3 nieuw, 0 bijgewerkt, 0 ongewijzigd." in logged_in.get("/people").get_data(as_text=True)
    bram, fatima, kees = people(db)
    assert fatima.email == "f.elamrani@gemeente.example" and fatima.kind == PersonKind.STAFF
    assert fatima.department.name == "Vergunningen" and fatima.contact_role == ContactRole.OFFICE
    assert bram.contact_role == ContactRole.FRONTLINE and bram.department.name == "Wijkteams"
    assert kees.kind == PersonKind.RESIDENT and kees.contact_role is None and kees.department is None
    assert [i.name for i in kees.initiatives] == ["Repair Café Oost", "Stadsimkers"]
    (stored,) = db.session.scalars(db.select(PersonImport)).all()
    assert stored.content == "" and stored.applied_at is not None  # no names kept, only that it was applied


def test_english_headers_commas_and_quotes(logged_in, db, initiatives):
    url = preview_url(upload(logged_in, ENGLISH))
    confirm(logged_in, url)
    dewi, piet = people(db)
    assert piet.name == "Jansen, Piet" and piet.department.name == "Financiën"
    assert dewi.kind == PersonKind.RESIDENT and [i.name for i in dewi.initiatives] == ["Stadsimkers"]


def test_existing_people_are_updated_or_left_alone(logged_in, db, initiatives, create_person):
    create_person(name="Fatima el Amrani", email="f.elamrani@gemeente.example", department="Vergunningen")
    create_person(name="Bram", email="bram@gemeente.example", department="Wijkteams", role="office")
    url = preview_url(upload(logged_in, DUTCH))
    page = logged_in.get(url + "?toon=alle").get_data(as_text=True)
    assert "naam: Bram → Bram Wijkman" in page and "rol: kantoor → frontlinie" in page
    assert "Importeren: 1 nieuw, 1 bijwerken" in page
    unchanged = logged_in.get(url + "?toon=ongewijzigd").get_data(as_text=True)
    assert '<th scope="row">Fatima el Amrani</th>' in unchanged and '<th scope="row">Bram Wijkman</th>' not in unchanged
    confirm(logged_in, url)
    assert "1 nieuw, 1 bijgewerkt, 1 ongewijzigd" in logged_in.get("/people").get_data(as_text=True)
    bram = db.session.scalar(db.select(Person).where(Person.email == "bram@gemeente.example"))
    assert bram.name == "Bram Wijkman" and bram.contact_role == ContactRole.FRONTLINE
    assert db.session.scalar(db.select(db.func.count()).select_from(Person)) == 3


def test_rows_with_errors_are_shown_and_nothing_is_imported_unless_asked(logged_in, db, initiatives):
    content = (
        "naam;e-mail;soort;afdeling;rol;initiatief\n"
        "Goed Mens;goed@gemeente.example;collega;Beleid;kantoor;\n"
        "Geen Afdeling;geen@gemeente.example;collega;;kantoor;\n"
        ";leeg@gemeente.example;collega;Beleid;kantoor;\n"
        "Fout Adres;geen-adres;collega;Beleid;kantoor;\n"
        "Dubbel;GOED@gemeente.example;collega;Beleid;kantoor;\n"
        "Bewoner Met Rol;b@voorbeeld.example;bewoner;;kantoor;Stadsimkers\n"
        "Onbekend;o@voorbeeld.example;bewoner;;;Tuin Die Niet Bestaat\n"
        "Raar;r@voorbeeld.example;alien;;;\n"
    )
    url = preview_url(upload(logged_in, content))
    page = logged_in.get(url).get_data(as_text=True)
    assert "7 rijen zijn afgewezen." in page
    for message in (
        "Een collega heeft een afdeling nodig.",
        "De naam ontbreekt.",
        "&#39;geen-adres&#39; is geen geldig e-mailadres.",
        "Dit e-mailadres staat al eerder in het bestand (rij 2).",
        "Een bewoner heeft geen rol; laat de kolom rol leeg.",
        "Onbekend bewonersinitiatief &#39;Tuin Die Niet Bestaat&#39;.",
        "Onbekende soort &#39;alien&#39;: vul &#39;collega&#39; of &#39;bewoner&#39; in.",
    ):
        assert message in page, message
    assert '<th scope="row">Goed Mens</th>' not in page  # the preview opens on the rejected rows
    assert "Importeren:" not in page  # no button that imports everything
    assert "Alleen de goede rijen importeren: 1 nieuw, 0 bijwerken (7 afgewezen rijen overslaan)" in page
    fields = commit_fields(logged_in, url)
    del fields["skip_rejected"]  # a confirmation that does not ask to skip the refused rows
    response = logged_in.post(url, fields)
    assert response.headers["Location"] == url
    assert "Er is niets geïmporteerd." in logged_in.get(url).get_data(as_text=True)
    assert people(db) == [] and db.session.scalars(db.select(Department)).all() == []


def test_nothing_is_imported_when_the_directory_changed_since_the_preview(logged_in, db, initiatives):
    url = preview_url(upload(logged_in, DUTCH))
    assert "Importeren: 3 nieuw" in logged_in.get(url).get_data(as_text=True)
    # Meanwhile someone renames an initiative that the file refers to.
    fields = commit_fields(logged_in, url)
    initiatives[1].name = "Stadsimkers Centrum"
    db.session.commit()
    logged_in.post(url, fields)
    assert people(db) == [] and db.session.scalars(db.select(Department)).all() == []
    page = logged_in.get(url).get_data(as_text=True)
    assert "Er is niets geïmporteerd: het adresboek is veranderd sinds u het voorbeeld bekeek." in page
    assert "Onbekend bewonersinitiatief &#39;Stadsimkers&#39;." in page


def test_the_preview_survives_on_another_app_server(logged_in, db, database_url, initiatives):
    url = preview_url(upload(logged_in, DUTCH))
    other_server = make_app(database_url)
    with other_server.app_context():
        client = Client(other_server.test_client())
        client.login()
        assert "Importeren: 3 nieuw, 0 bijwerken" in client.get(url).get_data(as_text=True)
        assert confirm(client, url).status_code == 302
        db.session.remove()
        db.engine.dispose()
    db.session.expire_all()
    assert len(people(db)) == 3


def test_another_organiser_cannot_see_or_commit_my_upload(logged_in, client, db, initiatives, create_organiser, app):
    url = preview_url(upload(logged_in, DUTCH))
    create_organiser("ander@example.org", "Ander")
    other = Client(app.test_client())
    other.login("ander@example.org")
    assert other.get(url).status_code == 404
    assert other.post(url).status_code == 404
    assert other.post(url + "/cancel").status_code == 404
    assert people(db) == []
    assert logged_in.get("/people/import/not-a-real-id").status_code == 404


def test_cancel_forgets_the_upload(logged_in, db, initiatives):
    url = preview_url(upload(logged_in, DUTCH))
    assert logged_in.post(url + "/cancel").status_code == 302
    assert logged_in.get(url).status_code == 404
    assert people(db) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Het bestand is leeg."),
        (b"\xef\xbb\xbf  \r\n", "Het bestand is leeg."),
        (b"naam;e-mail;soort\r\n;;\r\n", "Het bestand bevat alleen een kopregel en geen mensen."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "Dit is geen CSV- of Excel-bestand maar een ander soort bestand."),
        (b"\x00\x01\x02\x03", "Dit is geen CSV- of Excel-bestand"),
        (b"naam;name;e-mail;soort\nA;B;a@x.example;collega\n", "De kolom &#39;name&#39; staat twee keer"),
        (b"naam;soort\nPiet;collega\n", "Het bestand mist: een kolom met het e-mailadres."),
    ],
)
def test_unusable_files_are_refused_with_a_clear_message(logged_in, db, content, message):
    response = upload(logged_in, content)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(PersonImport)) == 0


def test_too_many_rows_are_refused(logged_in, app, db):
    app.config["CSV_MAX_ROWS"] = 2
    rows = "".join(f"P{n};p{n}@gemeente.example;collega;Beleid;kantoor\n" for n in range(3))
    response = upload(logged_in, "naam;e-mail;soort;afdeling;rol\n" + rows)
    assert "Het bestand heeft meer dan 2 rijen." in response.get_data(as_text=True)
    app.config["CSV_MAX_ROWS"] = 3
    assert upload(logged_in, "naam;e-mail;soort;afdeling;rol\n" + rows).status_code == 302


def test_no_file_chosen(logged_in):
    response = logged_in.post("/people/import", {}, content_type="multipart/form-data")
    assert "Kies een bestand." in response.get_data(as_text=True)


def test_a_large_preview_is_paginated(logged_in, db):
    rows = "".join(f"Collega {n:03d};c{n}@gemeente.example;collega;Beleid;kantoor\n" for n in range(250))
    url = preview_url(upload(logged_in, "naam;e-mail;soort;afdeling;rol\n" + rows))
    first = logged_in.get(url).get_data(as_text=True)
    assert "Rijen 1 tot en met 100 van 250" in first and "Pagina 1 van 3" in first
    third = logged_in.get(url + "?toon=alle&pagina=3").get_data(as_text=True)
    assert "Collega 249" in third and "Collega 099" not in third
    confirm(logged_in, url)
    assert db.session.scalar(db.select(db.func.count()).select_from(Person)) == 250


def test_stale_uploads_are_removed(app, db, organiser):
    two_days_ago = utcnow() - timedelta(days=2)
    db.session.add(PersonImport(id="old", organiser_id=organiser.id, content="x", created_at=two_days_ago))
    db.session.add(PersonImport(id="new", organiser_id=organiser.id, content="x"))
    db.session.commit()
    assert purge_stale_imports() == 1
    db.session.commit()
    assert db.session.scalars(db.select(PersonImport.id)).all() == ["new"]


def test_the_upload_form_explains_the_format(logged_in):
    page = logged_in.get("/people/import").get_data(as_text=True)
    assert re.search(r'<input[^>]+type="file"', page) and 'enctype="multipart/form-data"' in page
    assert "naam;e-mail;soort;afdeling;rol;initiatief" in page
