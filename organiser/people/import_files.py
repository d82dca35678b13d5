"""An uploaded people file: kept for a day, decoded, and read into rows.

The uploaded file is stored in the person_import table under a random id and owned by the organiser who
uploaded it. The preview (a GET, reloadable and paginated) and the commit (a POST) both parse that stored
text again and compare it with the database as it is at that moment (see importing.py). Nothing lives in
process memory, so any app server can answer either request; the commit re-checks everything, so a change made
by someone else in between can never slip through. Uploads are removed on commit, on cancel, and after a day.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy import delete

from ..extensions import db, rows_matched, utcnow
from ..retention import IMPORTS
from ..spreadsheet import FORMULA_STARTS
from .models import PersonImport


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message says why, in plain Dutch."""


#: Header names as people write them (lower-cased, without spaces, hyphens and underscores).
HEADER_ALIASES = {
    "name": ("naam", "name", "volledigenaam", "fullname"),
    "email": ("email", "emailadres", "mail", "emailaddress"),
    "kind": ("soort", "kind", "type"),
    "department": ("afdeling", "department"),
    "role": ("rol", "role", "contactrol"),
    "initiative": ("initiatief", "initiative", "initiatieven", "initiatives", "bewonersinitiatief"),
    "active": ("actief", "active"),
}


HEADER_LOOKUP = {alias: column for column, aliases in HEADER_ALIASES.items() for alias in aliases}


REQUIRED_COLUMNS = ("name", "email", "kind")


def decode_upload(raw: bytes) -> str:
    """The uploaded bytes as text: UTF-8 with or without BOM, or UTF-16 with BOM (Excel's "Unicode-tekst");
    empty and binary files are refused."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        with contextlib.suppress(UnicodeDecodeError):  # not UTF-16 after all: refused below as binary
            raw = raw.decode("utf-16").encode("utf-8")
    if not raw.strip() or raw.strip() == b"\xef\xbb\xbf":
        raise ImportFileError(_("Het bestand is leeg."))
    if b"\x00" in raw:
        raise ImportFileError(
            _(
                "Dit is geen CSV-bestand maar een ander soort bestand. "
                "Kies een CSV-bestand (tekst met scheidingstekens)."
            )
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _(
                "Het bestand kan niet worden gelezen: het is geen tekst in UTF-8. Sla het in Excel op als "
                "'CSV UTF-8 (door komma's gescheiden)' en probeer het opnieuw."
            )
        ) from None
    return text


def sniff_delimiter(text: str) -> str:
    """';' (Dutch Excel), ',' or a tab (Excel's "Unicode-tekst"): whichever separates the header row."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    if header.count("\t") > max(header.count(";"), header.count(",")):
        return "\t"
    return ";" if header.count(";") > header.count(",") else ","


def _header_key(cell: str) -> str:
    return "".join(ch for ch in cell.strip().lstrip("\ufeff").lower() if ch not in " -_.")


def _clean(value: str) -> str:
    """Trim a cell, and undo the apostrophe our own export puts before formula-like values."""
    value = value.strip()
    if value.startswith("'") and value[1:2] and value[1:2] in FORMULA_STARTS:
        value = value[1:]
    return value


@dataclass
class ParsedRow:
    """One data row of the file, by column name."""

    line: int
    values: dict[str, str]
    extra_cells: bool = False


@dataclass
class ParsedFile:
    delimiter: str
    #: Column name (see HEADER_ALIASES) for each recognised header, in file order.
    columns: dict[str, str]
    ignored: list[str]
    rows: list[ParsedRow]


def parse_people_csv(text: str, max_rows: int | None = None) -> ParsedFile:
    """Read the header and rows of a people CSV; whole-file problems raise ImportFileError."""
    if max_rows is None:
        max_rows = current_app.config["CSV_MAX_ROWS"]
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ImportFileError(_("Het bestand is leeg."))
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        columns: dict[str, str] = {}
        positions: dict[str, int] = {}
        ignored: list[str] = []
        for position, cell in enumerate(header):
            column = HEADER_LOOKUP.get(_header_key(cell))
            if column is None:
                if cell.strip():
                    ignored.append(cell.strip())
                continue
            if column in positions:
                raise ImportFileError(_("De kolom '%(name)s' staat twee keer in de kopregel.", name=cell.strip()))
            positions[column] = position
            columns[column] = cell.strip()
        missing = [c for c in REQUIRED_COLUMNS if c not in positions]
        if missing:
            raise ImportFileError(
                _(
                    "De kopregel mist de kolom(men) %(missing)s. De eerste regel moet de kolomnamen bevatten, "
                    "bijvoorbeeld: naam;e-mail;soort;afdeling;rol;initiatief",
                    missing=", ".join(HEADER_ALIASES[c][0] for c in missing),
                )
            )
        width = len(header)
        rows: list[ParsedRow] = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= max_rows:
                raise ImportFileError(
                    _(
                        "Het bestand heeft meer dan %(max)s rijen. Splits het in kleinere bestanden "
                        "en importeer ze een voor een.",
                        max=format_number(max_rows),
                    )
                )
            values = {column: _clean(cells[p]) if p < len(cells) else "" for column, p in positions.items()}
            extra = len(cells) > width and any(cell.strip() for cell in cells[width:])
            rows.append(ParsedRow(line=reader.line_num, values=values, extra_cells=extra))
    except csv.Error as error:
        raise ImportFileError(
            _(
                "Het bestand kan niet worden gelezen als CSV (regel %(line)d): %(error)s",
                line=reader.line_num,
                error=error,
            )
        ) from None
    if not rows:
        raise ImportFileError(_("Het bestand bevat alleen een kopregel en geen mensen."))
    return ParsedFile(delimiter=delimiter, columns=columns, ignored=ignored, rows=rows)


def store_import(organiser_id: int, filename: str, raw: bytes) -> PersonImport:
    """Keep an uploaded file for its preview; the file is checked first (ImportFileError if unusable).

    Why a table rather than sending the file back signed with the confirm button: the preview then is an
    ordinary GET page (reloadable, paginated, openable on any app server), and a file of up to 5 MB does not
    travel through the browser twice. The random id is owned by the organiser who uploaded it.
    """
    text = decode_upload(raw)
    parse_people_csv(text)
    purge_stale_imports()
    upload = PersonImport(
        id=secrets.token_urlsafe(32), organiser_id=organiser_id, filename=filename[:255], content=text
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def purge_stale_imports() -> int:
    """Remove uploads nobody confirmed within RETENTION_IMPORT_HOURS (also a scheduled job: people/retention.py)."""
    result = db.session.execute(delete(PersonImport).where(PersonImport.created_at < IMPORTS.cutoff(utcnow())))
    return rows_matched(result) or 0


def discard_import(upload: PersonImport) -> None:
    """Forget an uploaded file (after its commit, or when the organiser cancels)."""
    db.session.delete(upload)
    db.session.flush()
