"""The CSV import with hostile files, and requests that are too large."""

from __future__ import annotations

import codecs
import csv
import io
import os

import pytest

from organiser.people.models import Person, PersonImport
from tests.people.test_import import confirm, preview_url, upload

HEADER = "naam;e-mail;soort;afdeling;rol\r\n"


def imports(db) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(PersonImport))


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body built by hand (Werkzeug's test client leaves a temporary file open for big
    bodies, which pytest reports as a ResourceWarning)."""
    boundary = "----grens" + os.urandom(8).hex()
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for name, (filename, content) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_a_file_over_the_size_limit_is_refused_with_413_and_the_limit(logged_in, app, db):
    limit = app.config["MAX_CONTENT_LENGTH"]
    content = (HEADER + "Piet;piet@gemeente.example;collega;Beleid;kantoor\r\n" * (limit // 40)).encode()
    assert len(content) > limit
    body, content_type = multipart({"csrf_token": logged_in.csrf_token()}, {"file": ("mensen.csv", content)})
    response = logged_in.raw.post("/people/import", data=body, content_type=content_type)
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Het bestand of formulier is te groot. Het maximum is 5 MB." in page
    assert imports(db) == 0


@pytest.mark.parametrize(
    "content",
    [
        os.urandom(4096),  # noise, NUL bytes likely
        b"\x89PNG\r\n\x1a\n" + os.urandom(512),
        b"PK\x03\x04" + os.urandom(512),  # an .xlsx (zip), not saved as CSV
        bytes(range(128, 256)) * 8,  # no NUL, but not UTF-8 either
        b"\xff\xfe" + os.urandom(301),  # a UTF-16 BOM and then nonsense (an odd number of bytes)
    ],
)
def test_binary_files_are_refused_with_a_clear_message(logged_in, db, content):
    response = upload(logged_in, content)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        "Dit is geen CSV- of Excel-bestand" in page
        or "Dit Excel-bestand kan niet worden gelezen" in page
        or "de tekenset is niet te herkennen" in page
    )
    assert imports(db) == 0


def test_latin_1_is_read_as_windows_1252(logged_in, db):
    """It used to be refused ("not UTF-8"); Latin-1 text is Windows-1252 text as well."""
    content = (HEADER + "José Müller;jose@gemeente.example;collega;Financiën;kantoor\r\n").encode("latin-1")
    url = preview_url(upload(logged_in, content))
    assert "tekenset Windows-1252" in logged_in.get(url).get_data(as_text=True)
    confirm(logged_in, url)
    assert db.session.scalar(db.select(Person.name).where(Person.email == "jose@gemeente.example")) == "José Müller"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf_16_from_excel_is_read(logged_in, db, encoding):
    """Excel's "Unicode-tekst": UTF-16 with a BOM, tab-separated (it used to be refused as "not a CSV file")."""
    text = "naam\te-mail\tsoort\tafdeling\trol\r\nJosé Müller\tjose@gemeente.example\tcollega\tFinanciën\tkantoor\r\n"
    bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
    url = preview_url(upload(logged_in, bom + text.encode(encoding)))
    assert "José Müller" in logged_in.get(url).get_data(as_text=True)
    confirm(logged_in, url)
    assert db.session.scalar(db.select(Person.name).where(Person.email == "jose@gemeente.example")) == "José Müller"


def test_formula_cells_are_imported_as_text_and_exported_defused(logged_in, db):
    rows = [
        ('=HYPERLINK("http://kwaad.example";"klik")', "kwaad@gemeente.example"),
        ("+31 6 1234 5678", "plus@gemeente.example"),
        ("-2+3", "min@gemeente.example"),
        ("@SUM(A1)", "at@gemeente.example"),
    ]
    lines = "".join(
        f'"{name.replace(chr(34), chr(34) * 2)}";{email};collega;Beleid;kantoor\r\n' for name, email in rows
    )
    confirm(logged_in, preview_url(upload(logged_in, HEADER + lines)))
    stored = dict(db.session.execute(db.select(Person.email, Person.name)).all())
    for name, email in rows:
        assert stored[email] == name  # kept as typed: it is text, nothing is evaluated
    exported = logged_in.get("/people/export.csv").get_data(as_text=True)
    cells = {row[1]: row[0] for row in csv.reader(io.StringIO(exported.lstrip("\ufeff")), delimiter=";")}
    for name, email in rows:
        assert cells[email] == "'" + name  # a spreadsheet shows it as text


def test_a_very_long_line_is_refused(logged_in, db):
    content = HEADER + "Piet;" + "x" * 200_000 + ";collega;Beleid;kantoor\r\n"
    response = upload(logged_in, content)
    assert response.status_code == 200
    assert "Het bestand kan niet worden gelezen als CSV" in response.get_data(as_text=True)
    assert imports(db) == 0


def test_many_columns_are_ignored_and_said_so(logged_in, db):
    extra = ";".join(f"kolom{n}" for n in range(3000))
    values = ";".join("x" for _ in range(3000))
    content = HEADER.rstrip("\r\n") + ";" + extra + "\r\nPiet;piet@gemeente.example;collega;Beleid;kantoor;" + values
    mapping = preview_url(upload(logged_in, content))
    assert mapping.endswith("/kolommen")  # unknown headers: the organiser says what they are first
    page = logged_in.get(mapping).get_data(as_text=True)
    assert "Het bestand heeft nog 2945 kolommen; die worden niet gebruikt." in page
    assert page.count("<select") == 60
    preview = preview_url(logged_in.post(mapping, {}))  # the choices as preset: the unknown ones not used
    page = logged_in.get(preview).get_data(as_text=True)
    assert "kolom2999" in page and '<th scope="row">Piet</th>' in page


def test_a_huge_form_field_is_refused_with_413(client, db, app):
    """A form field over MAX_FORM_MEMORY_SIZE (500 kB by default) is refused before any view runs."""
    body, content_type = multipart(
        {"csrf_token": client.csrf_token(), "email": "a@example.org", "password": "x" * 600_000}, {}
    )
    response = client.raw.post("/login", data=body, content_type=content_type)
    assert response.status_code == 413 and "te groot" in response.get_data(as_text=True)


def test_a_body_over_the_limit_is_refused_everywhere(client, app):
    body = b"a=" + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    for url in ("/login", "/language", "/rsvp/" + "x" * 43):
        response = client.raw.post(url, data=body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 413, url
