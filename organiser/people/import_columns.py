"""Which column of an imported file is what: known headers, the organiser's choices (remembered), and the rows.

A header is recognised by its name in Dutch or English (HEADER_ALIASES), or by what an organiser chose for it in
an earlier import (ImportColumnChoice, for the whole site: see its docstring). A file with a header that is
neither, or without the columns every import needs, gets a mapping step before its preview.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db, utcnow
from ..spreadsheet import FORMULA_STARTS
from .import_files import ImportFileError
from .models import ImportColumnChoice

#: What a column can fill, in the order the mapping step offers them ("" is "not used").
FIELDS = {
    "name": _l("Naam (voornaam en achternaam samen)"),
    "first_name": _l("Voornaam"),
    "infix": _l("Tussenvoegsel"),
    "last_name": _l("Achternaam"),
    "email": _l("E-mailadres"),
    "kind": _l("Soort (collega of bewoner)"),
    "department": _l("Afdeling"),
    "role": _l("Rol (kantoor of frontlinie)"),
    "initiative": _l("Bewonersinitiatief"),
    "active": _l("Actief (ja of nee)"),
    "locale": _l("Taal voor e-mail (nl of en)"),
}

#: Header names as people write them (see header_key). HR systems write the name in parts.
HEADER_ALIASES = {
    "name": ("naam", "name", "volledigenaam", "fullname", "weergavenaam", "displayname"),
    "first_name": ("voornaam", "roepnaam", "firstname", "givenname"),
    "infix": ("tussenvoegsel", "tussenvoegsels", "voorvoegsel", "voorvoegsels", "prefix", "infix"),
    "last_name": ("achternaam", "geslachtsnaam", "lastname", "surname", "familyname"),
    "email": ("email", "emailadres", "mail", "emailaddress", "emailzakelijk", "zakelijkemailadres", "werkmail"),
    "kind": ("soort", "kind", "type"),
    "department": ("afdeling", "department", "organisatieeenheid", "organisatieonderdeel"),
    "role": ("rol", "role", "contactrol"),
    "initiative": ("initiatief", "initiative", "initiatieven", "initiatives", "bewonersinitiatief"),
    "active": ("actief", "active"),
    "locale": ("taal", "language", "locale", "mailtaal", "voorkeurstaal"),
    #: The columns our own list of refused rows adds: known, and not used, so that a corrected list imports as is.
    "": ("regel", "line", "reden", "reason", "redenafwijzing", "reasonrefused"),
}

HEADER_LOOKUP = {alias: column for column, aliases in HEADER_ALIASES.items() for alias in aliases}

#: The mapping step lists at most this many columns; any further column is not used (and the preview says so).
MAX_MAPPED_COLUMNS = 60


def header_key(cell: str) -> str:
    """A header as it is compared: lower case, without spaces, hyphens, dots and underscores."""
    return "".join(ch for ch in cell.strip().lstrip("\ufeff").lower() if ch not in " -_.")[:100]


def _clean(value: str) -> str:
    """Trim a cell, and undo the apostrophe our own export puts before formula-like values."""
    value = value.strip()
    if value.startswith("'") and value[1:2] and value[1:2] in FORMULA_STARTS:
        value = value[1:]
    return value


def join_name(first: str, infix: str, last: str) -> str:
    """A full name from its parts as Dutch writes it: "Jan", "Van der", "Berg" -> "Jan van der Berg" (a
    tussenvoegsel after a first name is written in lower case); parts may be missing."""
    first, infix, last = (" ".join(part.split()) for part in (first, infix, last))
    if first and infix:
        infix = infix.lower()
    return " ".join(part for part in (first, infix, last) if part)


@dataclass
class Table:
    """The cells of a file: its header and the data rows (with the line each starts on; blank rows left out)."""

    header: list[str]
    rows: list[tuple[int, list[str]]]


def read_table(text: str, delimiter: str, max_rows: int | None = None) -> Table:
    """The header and rows of the stored text; whole-file problems raise ImportFileError."""
    if max_rows is None:
        max_rows = current_app.config["CSV_MAX_ROWS"]
    if not text.strip():
        raise ImportFileError(_("Het bestand is leeg."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    try:
        header = [cell.strip() for cell in next(reader)]
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
            rows.append((reader.line_num, cells))
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
    return Table(header=header, rows=rows)


def guess_columns(header: list[str]) -> list[str | None]:
    """The field of each column: by its name, else as chosen before; None for a header nobody chose for yet.

    A field claimed by two known headers ("naam" and "name") raises ImportFileError.
    """
    keys = [header_key(cell) for cell in header]
    remembered = dict(
        db.session.execute(
            db.select(ImportColumnChoice.header_key, ImportColumnChoice.field).where(
                ImportColumnChoice.header_key.in_({key for key in keys if key and key not in HEADER_LOOKUP})
            )
        ).all()
    )
    columns: list[str | None] = []
    taken: set[str] = set()
    for cell, key in zip(header, keys, strict=True):
        if not key:
            columns.append("")
        elif key in HEADER_LOOKUP:
            column = HEADER_LOOKUP[key]
            if column and column in taken:
                raise ImportFileError(_("De kolom '%(name)s' staat twee keer in de kopregel.", name=cell))
            taken.add(column)
            columns.append(column)
        else:
            choice = remembered.get(key)
            columns.append(choice if choice is not None and (choice == "" or choice not in taken) else None)
            if choice:
                taken.add(choice)
    return columns


def missing_columns(columns: list[str]) -> list[str]:
    """What a mapping lacks, in words: an e-mail address and some form of the name are needed."""
    used = set(columns)
    missing = []
    if not used & {"name", "first_name", "last_name"}:
        missing.append(_("een kolom met de naam (of voornaam en achternaam)"))
    if "email" not in used:
        missing.append(_("een kolom met het e-mailadres"))
    return missing


def needs_mapping(columns: list[str | None]) -> bool:
    """Whether the organiser must say what columns are before the preview: an unknown header, or too few known."""
    shown = columns[:MAX_MAPPED_COLUMNS]
    return None in shown or bool(missing_columns([c or "" for c in columns]))


def columns_json(columns: list[str | None]) -> str:
    return json.dumps([c or "" for c in columns])


def columns_from_json(text: str) -> list[str]:
    """A stored mapping; anything that is not a list of known fields counts as "not used"."""
    try:
        loaded = json.loads(text or "[]")
    except ValueError:
        return []
    if not isinstance(loaded, list):
        return []
    return [c if isinstance(c, str) and c in FIELDS else "" for c in loaded]


def remember_columns(header: list[str], columns: list[str]) -> None:
    """Keep the organiser's choice for every header that is not a known name (one statement, safe when two
    organisers save the same header at once: the later choice wins)."""
    rows: dict[str, str] = {}
    for cell, column in zip(header[:MAX_MAPPED_COLUMNS], columns, strict=False):
        key = header_key(cell)
        if key and key not in HEADER_LOOKUP:
            rows[key] = column
    if not rows:
        return
    now = utcnow()
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(ImportColumnChoice).values(
        [{"header_key": key, "field": column, "updated_at": now} for key, column in rows.items()]
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["header_key"],
            set_={"field": statement.excluded.field, "updated_at": statement.excluded.updated_at},
        )
    )


@dataclass
class ParsedRow:
    """One data row of the file, by field, and its cells as they were."""

    line: int
    values: dict[str, str]
    cells: list[str] = field(default_factory=list)
    extra_cells: bool = False


@dataclass
class ParsedFile:
    header: list[str]
    #: Field -> the header that fills it, in file order.
    columns: dict[str, str]
    #: Headers of columns that are not used.
    ignored: list[str]
    rows: list[ParsedRow]


def parse_people(table: Table, columns: list[str]) -> ParsedFile:
    """The rows of a table by field, with the name joined from its parts where the file has no full name."""
    positions: dict[str, int] = {}
    named: dict[str, str] = {}
    ignored: list[str] = []
    for position, cell in enumerate(table.header):
        column = columns[position] if position < len(columns) else ""
        if column and column not in positions:
            positions[column] = position
            named[column] = cell
        elif cell and header_key(cell) not in HEADER_ALIASES[""]:
            ignored.append(cell)
    missing = missing_columns(list(positions))
    if missing:
        raise ImportFileError(_("Het bestand mist: %(missing)s.", missing="; ".join(missing)))
    width = len(table.header)
    rows: list[ParsedRow] = []
    for line, cells in table.rows:
        values = {column: _clean(cells[p]) if p < len(cells) else "" for column, p in positions.items()}
        if not values.get("name"):
            values["name"] = join_name(
                values.get("first_name", ""), values.get("infix", ""), values.get("last_name", "")
            )
        extra = len(cells) > width and any(cell.strip() for cell in cells[width:])
        rows.append(ParsedRow(line=line, values=values, cells=cells, extra_cells=extra))
    return ParsedFile(header=table.header, columns=named, ignored=ignored, rows=rows)
