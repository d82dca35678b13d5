"""An uploaded people file: read (CSV in any common encoding, or an .xlsx sheet), kept for a day, then removed.

The uploaded file is stored in the person_import table under a random id and owned by the organiser who
uploaded it, as text: a CSV file decoded, an .xlsx sheet written out as CSV. The preview (a GET, reloadable and
paginated) and the commit (a POST) both parse that stored text again and compare it with the database as it is
at that moment (see importing.py). Nothing lives in process memory, so any app server can answer either request;
the commit re-checks everything, so a change made by someone else in between can never slip through. An applied
upload keeps no content (a second confirmation is answered clearly); every upload goes after a day.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import secrets
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time

from charset_normalizer import from_bytes
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook
from sqlalchemy import delete

from ..extensions import db, rows_matched, utcnow
from ..retention import IMPORTS
from .models import ContactRole, PersonImport, PersonKind


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message says why, in plain Dutch."""


#: Names of encodings as the preview shows them.
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-16": _l("UTF-16 (Excel: Unicode-tekst)"),
    "cp1252": _l("Windows-1252 (Excel: CSV, West-Europees)"),
    "xlsx": _l("Excel-werkmap (.xlsx)"),
}

#: The widest .xlsx sheet read (columns beyond it are left out): a sheet can claim millions of empty columns.
XLSX_MAX_COLUMNS = 500

#: The most an .xlsx file may unpack to. A 5 MB upload holds 20,000 people in far less; a "zip bomb" unpacks to
#: gigabytes, and openpyxl holds a workbook's shared strings in memory even in read-only mode.
XLSX_MAX_UNPACKED = 50 * 1024 * 1024

#: Characters no text file holds (C0 and C1 control characters, except tab and line ends): a decoding that
#: produces them was the wrong one, or the file is no text at all.
_CONTROL = frozenset(chr(c) for c in (*range(0, 32), *range(127, 160))) - {"\t", "\n", "\r"}


@dataclass
class ReadFile:
    """An uploaded file as text, and how it was read."""

    text: str
    #: Codec name ("utf-8", "cp1252", "utf-16", ...) or "xlsx".
    encoding: str
    delimiter: str
    #: The .xlsx worksheet that was read ("" for CSV).
    sheet: str = ""

    @property
    def encoding_name(self) -> str:
        return encoding_name(self.encoding)


def encoding_name(encoding: str) -> str:
    return str(ENCODING_NAMES.get(encoding, encoding.upper().replace("_", "-")))


def _not_a_text_file() -> ImportFileError:
    return ImportFileError(
        _(
            "Dit is geen CSV- of Excel-bestand maar een ander soort bestand. "
            "Kies een CSV-bestand (tekst met scheidingstekens) of een Excel-werkmap (.xlsx)."
        )
    )


def decode_upload(raw: bytes) -> tuple[str, str]:
    """The uploaded bytes as text, and the encoding used.

    UTF-8 (with or without BOM) or UTF-16 with a BOM (Excel's "Unicode-tekst") when the bytes say so; otherwise
    Windows-1252, the encoding Dutch Excel writes "CSV (gescheiden door lijstscheidingsteken)" in, when the bytes
    are valid in it; otherwise what charset-normalizer finds most likely (Central European, UTF-16 without BOM...).
    Empty files, binary files and text in no recognisable encoding raise ImportFileError.
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        with contextlib.suppress(UnicodeDecodeError):  # not UTF-16 after all: refused below as binary
            text = raw.decode("utf-16")
            if "\x00" not in text:
                if not text.lstrip("\ufeff").strip():
                    raise ImportFileError(_("Het bestand is leeg."))
                return text, "utf-16"
    if not raw.strip() or raw.strip() == codecs.BOM_UTF8:
        raise ImportFileError(_("Het bestand is leeg."))
    if b"\x00" in raw:
        raise _not_a_text_file()
    with contextlib.suppress(UnicodeDecodeError):
        return raw.decode("utf-8-sig"), "utf-8"
    with contextlib.suppress(UnicodeDecodeError):
        text = raw.decode("cp1252")
        if not _CONTROL.intersection(text):
            return text, "cp1252"
    best = from_bytes(raw).best()
    if best is None:
        raise _not_a_text_file()
    text = str(best)
    if _CONTROL.intersection(text):
        raise ImportFileError(
            _(
                "Het bestand kan niet worden gelezen: de tekenset is niet te herkennen. Sla het in Excel op als "
                "'CSV UTF-8 (door komma's gescheiden)' of als Excel-werkmap (.xlsx) en probeer het opnieuw."
            )
        )
    return text, best.encoding


def sniff_delimiter(text: str) -> str:
    """';' (Dutch Excel), ',' or a tab (Excel's "Unicode-tekst"): whichever separates the header row."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    if header.count("\t") > max(header.count(";"), header.count(",")):
        return "\t"
    return ";" if header.count(";") > header.count(",") else ","


def cell_text(value: object) -> str:
    """An .xlsx cell as the text a person reads in Excel: dates as 2026-03-01 (with the time if it has one),
    whole numbers without '.0', yes/no as 'ja'/'nee', line breaks in a cell as spaces."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    # XML cannot hold control characters; dropped all the same, so no reader's quirk brings one (PostgreSQL cannot
    # store NUL) into the directory.
    return "".join(ch for ch in " ".join(str(value).splitlines()) if ch not in _CONTROL)


def read_xlsx(raw: bytes, sheet: str = "", max_rows: int | None = None) -> ReadFile:
    """The first (or the named) worksheet of an .xlsx file, written out as ';'-separated text.

    Read with openpyxl in read-only mode (streamed: a large sheet is not held in memory as cells), with the
    values Excel last calculated rather than formulas. Rows past max_rows + 1 are not read (the row limit is
    reported by the parser). Raises ImportFileError for a file that is not a readable workbook or has no such sheet.
    """
    if max_rows is None:
        max_rows = current_app.config["CSV_MAX_ROWS"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    unreadable = ImportFileError(
        _("Dit Excel-bestand kan niet worden gelezen. Open het in Excel en sla het opnieuw op als .xlsx.")
    )
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise unreadable from None
    if unpacked > XLSX_MAX_UNPACKED:
        raise ImportFileError(
            _(
                "Dit Excel-bestand is uitgepakt te groot (meer dan %(max)d MB). Sla alleen het werkblad met "
                "de mensen op, als .xlsx of CSV.",
                max=XLSX_MAX_UNPACKED // (1024 * 1024),
            )
        )
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises whatever its zip and XML readers raise on a foreign file
        raise unreadable from None
    try:
        names = workbook.sheetnames
        wanted = sheet.strip()
        if wanted and wanted not in names:
            raise ImportFileError(
                _(
                    "De werkmap heeft geen werkblad '%(name)s'. De werkbladen zijn: %(names)s.",
                    name=wanted,
                    names=", ".join(names),
                )
            )
        if not names:
            raise ImportFileError(_("Het bestand is leeg."))
        worksheet = workbook[wanted or names[0]]
        try:
            for number, row in enumerate(worksheet.iter_rows(max_col=XLSX_MAX_COLUMNS, values_only=True)):
                if number > max_rows + 1:
                    break
                cells = [cell_text(value) for value in row]
                while cells and not cells[-1]:
                    cells.pop()
                writer.writerow(cells)
        except Exception:  # noqa: BLE001 - as above: a sheet's XML can be anything
            raise unreadable from None
    finally:
        workbook.close()
    text = buffer.getvalue()
    if not text.strip():
        raise ImportFileError(_("Het werkblad '%(name)s' is leeg.", name=worksheet.title))
    return ReadFile(text=text, encoding="xlsx", delimiter=";", sheet=worksheet.title)


def read_upload(raw: bytes, sheet: str = "") -> ReadFile:
    """An uploaded file as text: an .xlsx workbook (recognised by its content, not its name) or a CSV file."""
    if raw.startswith(b"PK\x03\x04"):
        return read_xlsx(raw, sheet)
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _(
                "Dit is een ouder Excel-bestand (.xls) of een beveiligd bestand. Sla het in Excel op als "
                "Excel-werkmap (.xlsx) of als CSV, zonder wachtwoord, en probeer het opnieuw."
            )
        )
    text, encoding = decode_upload(raw)
    text = text.lstrip("\ufeff")
    return ReadFile(text=text, encoding=encoding, delimiter=sniff_delimiter(text))


@dataclass
class ImportOptions:
    """What the organiser chose with the upload."""

    default_kind: PersonKind = PersonKind.STAFF
    default_role: ContactRole = ContactRole.OFFICE
    #: "" (add and update), "kind" or "departments" (see PersonImport.sync_scope).
    sync_scope: str = ""
    sheet: str = ""


def store_import(
    organiser_id: int, filename: str, read: ReadFile, options: ImportOptions, columns: str
) -> PersonImport:
    """Keep an uploaded file (already read and checked) for its preview; `columns` is the JSON column mapping.

    Why a table rather than sending the file back signed with the confirm button: the preview then is an
    ordinary GET page (reloadable, paginated, openable on any app server), and a file of up to 5 MB does not
    travel through the browser twice. The random id is owned by the organiser who uploaded it.
    """
    purge_stale_imports()
    upload = PersonImport(
        id=secrets.token_urlsafe(32),
        organiser_id=organiser_id,
        filename=filename[:255],
        content=read.text,
        encoding=read.encoding[:40],
        sheet=read.sheet[:100],
        delimiter=read.delimiter,
        columns=columns,
        default_kind=options.default_kind,
        default_role=options.default_role,
        sync_scope=options.sync_scope,
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def purge_stale_imports() -> int:
    """Remove uploads older than RETENTION_IMPORT_HOURS, applied or not (also a scheduled job: people/retention.py)."""
    result = db.session.execute(delete(PersonImport).where(PersonImport.created_at < IMPORTS.cutoff(utcnow())))
    return rows_matched(result) or 0


def mark_applied(upload: PersonImport) -> None:
    """After its commit an upload keeps no names, only the fact that it was applied (for a second confirmation)."""
    upload.content = ""
    upload.applied_at = utcnow()
    db.session.flush()


def discard_import(upload: PersonImport) -> None:
    """Forget an uploaded file (when the organiser cancels)."""
    db.session.delete(upload)
    db.session.flush()
