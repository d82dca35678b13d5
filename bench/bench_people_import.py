"""How long a 10,000-row CSV import takes: preview (decode, parse, check, compare) and the commit.

Run: .venv/bin/python -m bench.bench_people_import
"""

from __future__ import annotations

import contextvars
import io
import re
import time

from flask import Flask

from organiser.auth.services import create_organiser
from organiser.extensions import db
from organiser.people.import_columns import columns_json, guess_columns, read_table
from organiser.people.import_files import ReadFile, read_upload, sniff_delimiter
from organiser.people.importing import ImportPlan, apply_import, plan_import
from organiser.people.models import ContactRole, Person, PersonImport, PersonKind
from organiser.places.models import Initiative, Neighbourhood

from .people_support import QueryCounter, postgres_app, sqlite_app

ROWS = 10_000
EXISTING = 2_000
DEPARTMENTS = ["Vergunningen", "Financiën", "Beleid Sociaal Domein", "Openbare Ruimte", "Burgerzaken", "Communicatie"]


def make_csv(initiatives: list[str]) -> bytes:
    """10,000 people: mostly colleagues, one in five a resident; ';' separated with a BOM, as Dutch Excel saves it."""
    lines = ["naam;e-mail;soort;afdeling;rol;initiatief"]
    for n in range(ROWS):
        if n % 5 == 4:
            chosen = "|".join(initiatives[(n + k) % len(initiatives)] for k in range(1 + n % 2))
            lines.append(f"Bewoner {n};bewoner{n}@voorbeeld.example;bewoner;;;{chosen}")
        else:
            role = "frontlinie" if n % 4 == 0 else "kantoor"
            department = DEPARTMENTS[n % len(DEPARTMENTS)] if n % 97 else f"Nieuwe afdeling {n % 7}"
            lines.append(f"Collega {n};collega{n}@gemeente.example;collega;{department};{role};")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def plan_read(read: ReadFile) -> ImportPlan:
    """The preview of a file as read, as the upload page stores it (an unsaved PersonImport)."""
    columns = guess_columns(read_table(read.text, read.delimiter).header)
    upload = PersonImport(
        content=read.text,
        delimiter=read.delimiter,
        columns=columns_json(columns),
        default_kind=PersonKind.STAFF,
        default_role=ContactRole.OFFICE,
        sync_scope="",
    )
    return plan_import(upload)


def seed(app: Flask) -> list[str]:
    """Ten initiatives, and the first 2,000 people of the file already in the directory (under older names)."""
    with app.test_request_context():
        hood = Neighbourhood(name="Oosterpark", slug="oosterpark")
        names = [f"Initiatief {n}" for n in range(10)]
        db.session.add_all(Initiative(name=name, neighbourhood=hood) for name in names)
        create_organiser("bench@example.org", "Bench", "correct horse battery")
        db.session.commit()
        text = make_csv(names).decode("utf-8-sig").replace("Collega 1", "Oude naam 1", 300)
        lines = text.splitlines()
        head = "\n".join(lines[: EXISTING + 1]) + "\n"
        apply_import(plan_read(ReadFile(text=head, encoding="utf-8", delimiter=sniff_delimiter(head))))
        db.session.commit()
    return names


def run(app: Flask, label: str) -> None:
    names = seed(app)
    raw = make_csv(names)
    with app.test_request_context():
        with QueryCounter(db.engine) as queries:
            started = time.perf_counter()
            plan = plan_read(read_upload(raw))
            preview = time.perf_counter() - started
        counts = {outcome.value: n for outcome, n in plan.counts.items()}
        with QueryCounter(db.engine) as commit_queries:
            started = time.perf_counter()
            apply_import(plan)
            db.session.commit()
            commit = time.perf_counter() - started
        total = db.session.scalar(db.select(db.func.count()).select_from(Person))
    print(f"{label}: {ROWS:,} rows ({len(raw) / 1024:.0f} KiB), outcomes {counts}")
    print(f"  preview (decode, parse, check, compare): {preview:.2f} s, {queries.count} queries")
    print(f"  commit (bulk insert/update, links):      {commit:.2f} s, {commit_queries.count} queries")
    print(f"  people in the directory afterwards: {total:,}")

    # The same file once more through the web pages: upload, preview page (everything is unchanged now).
    # Each request runs in a fresh context, as on a real server (the benchmark's own app context stays out).
    client = app.test_client()

    def request(method, *args, **kwargs):
        return contextvars.Context().run(getattr(client, method), *args, **kwargs)

    def token(url):
        page = request("get", url).get_data(as_text=True)
        return re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    login = {"email": "bench@example.org", "password": "correct horse battery", "csrf_token": token("/login")}
    request("post", "/login", data=login)
    form = {"file": (io.BytesIO(raw), "mensen.csv"), "csrf_token": token("/people/import")}
    started = time.perf_counter()
    response = request("post", "/people/import", data=form, content_type="multipart/form-data")
    upload = time.perf_counter() - started
    if response.status_code != 302:
        raise SystemExit(f"upload failed with status {response.status_code}")
    started = time.perf_counter()
    page = request("get", response.headers["Location"]).get_data(as_text=True)
    shown = time.perf_counter() - started
    assert "Er verandert niets" in page, "expected an unchanged re-import"
    print(f"  through HTTP: upload (checked, stored) {upload:.2f} s, preview page {shown:.2f} s")


def main() -> None:
    with sqlite_app() as app:
        run(app, "SQLite")
    with postgres_app() as app:
        if app is None:
            print("PostgreSQL: not reachable, skipped")
        else:
            run(app, "PostgreSQL")


if __name__ == "__main__":
    main()
