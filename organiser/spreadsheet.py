"""CSV files that open safely in Excel and LibreOffice (no formula injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response

#: A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


def safe_cell(value: object) -> str:
    """The value as text, with a leading apostrophe where a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_text(header: Iterable[str], rows: Iterable[Iterable[object]], delimiter: str = ";") -> str:
    """CSV with a BOM (so Excel reads UTF-8) and ';' between cells (what Dutch Excel expects)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()


def csv_response(filename: str, header: Iterable[str], rows: Iterable[Iterable[object]]) -> Response:
    """A CSV download."""
    response = Response(csv_text(header, rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
