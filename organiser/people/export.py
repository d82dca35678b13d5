"""The directory as a spreadsheet, in the import's own headers and values (so it can be imported again)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.orm import selectinload

from ..extensions import db
from .directory import DirectoryFilter, directory_query
from .models import ContactRole, Person, PersonKind

#: The export uses the import's Dutch headers and values, so that an exported file can be imported again.
EXPORT_HEADER = ("naam", "e-mail", "soort", "afdeling", "rol", "initiatief", "actief", "taal")


KIND_CODES = {PersonKind.STAFF: "collega", PersonKind.RESIDENT: "bewoner"}


ROLE_CODES = {ContactRole.FRONTLINE: "frontlinie", ContactRole.OFFICE: "kantoor"}


def export_rows(filters: DirectoryFilter) -> Iterator[list[str]]:
    """The directory (as filtered) as CSV rows, in EXPORT_HEADER's order."""
    query = directory_query(filters).options(selectinload(Person.department), selectinload(Person.initiatives))
    for person in db.session.scalars(query):
        yield [
            person.name,
            person.email or "",
            KIND_CODES[person.kind],
            person.department.name if person.department else "",
            ROLE_CODES[person.contact_role] if person.contact_role else "",
            "|".join(i.name for i in person.initiatives),
            "ja" if person.active else "nee",
            person.locale,  # the language of mail to them ("nl" or "en"), read back by the import's "taal" column
        ]
