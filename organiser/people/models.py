"""The people directory: staff with department and contact role, residents with their initiatives."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..enums import LabelledEnum
from ..extensions import Model, UTCDateTime, db, string_enum, utcnow
from ..places.models import Initiative


class PersonKind(LabelledEnum):
    STAFF = "staff"
    RESIDENT = "resident"

    __labels__ = {STAFF: _l("Collega"), RESIDENT: _l("Bewoner")}


class ContactRole(LabelledEnum):
    #: Contact official, neighbourhood manager, area broker: meets initiatives daily.
    FRONTLINE = "frontline"
    #: Office-bound colleague (permits, policy, finance, back office): the people the mission is about.
    OFFICE = "office"

    __labels__ = {FRONTLINE: _l("Contactrol (frontlinie)"), OFFICE: _l("Kantoor")}


class Department(Model):
    """A department (afdeling) of the municipality."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)


person_initiative = Table(
    "person_initiative",
    db.metadata,
    Column("person_id", ForeignKey("person.id", ondelete="CASCADE"), primary_key=True),
    Column("initiative_id", ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True),
)


#: Letters that Unicode does not decompose into a base letter and an accent, but that a Dutch keyboard types so.
_UNDECOMPOSED = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"})


def fold_for_search(text: str) -> str:
    """Text as the directory search compares it: case and accents ignored ('Ñúñez' and 'nunez' match), the same
    in Python on SQLite and PostgreSQL, so that neither database's collation or extensions matter."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.translate(_UNDECOMPOSED)


def search_key_for(name: str | None, email: str | None) -> str:
    """The directory's search key of a person: name and e-mail address, folded."""
    return fold_for_search(f"{name or ''} {email or ''}")[:460]


def _search_key_default(context) -> str:
    """Column default: also statements that bypass the ORM (the import's executemany) get their key."""
    values = context.get_current_parameters()
    return search_key_for(values.get("name"), values.get("email"))


class Person(Model):
    """Someone who can be invited: a staff member or a resident."""

    __tablename__ = "person"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'staff' AND contact_role IS NOT NULL) OR (kind = 'resident' AND contact_role IS NULL)"
            " OR deleted_at IS NOT NULL",
            name="role_matches_kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Lower-cased so that uniqueness is case-insensitive; NULL once the person is deleted.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    kind: Mapped[PersonKind] = mapped_column(string_enum(PersonKind, "person_kind"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    #: Kept after deletion so that reach reports keep their counts.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    contact_role: Mapped[ContactRole | None] = mapped_column(string_enum(ContactRole, "contact_role"))
    #: Name and e-mail address folded by `fold_for_search` (filled on every save), what the directory searches.
    search_key: Mapped[str] = mapped_column(String(460), default=_search_key_default)
    #: Language for mail to this person.
    locale: Mapped[str] = mapped_column(String(5), default="nl")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: Set when the person was deleted: personal data is gone, the row stays for counts.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the person was set inactive (None while active): they are anonymised RETENTION_LEFT_DAYS later.
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    #: When mail to `email` last came back undeliverable (a bounce in the reply mailbox); cleared when the address
    #: changes. Shown on guest lists and in the directory.
    email_bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The receiving server's reason, as it gave it.
    email_problem: Mapped[str] = mapped_column(String(300), default="")

    department: Mapped[Department | None] = relationship()
    initiatives: Mapped[list[Initiative]] = relationship(secondary=person_initiative, order_by="Initiative.name")

    @validates("active")
    def _note_when_deactivated(self, _key: str, active: bool) -> bool:
        """Every way of setting someone inactive (the directory, an import) starts the retention of people who left."""
        if not active and self.active is not False:
            self.deactivated_at = utcnow()
        elif active:
            self.deactivated_at = None
        return active

    @property
    def is_staff(self) -> bool:
        return self.kind == PersonKind.STAFF

    @property
    def is_office(self) -> bool:
        return self.contact_role == ContactRole.OFFICE


@event.listens_for(Person, "before_insert")
@event.listens_for(Person, "before_update")
def _fill_search_key(_mapper, _connection, person: Person) -> None:
    """Keep the folded search key in step with name and address when the ORM saves a person."""
    person.search_key = search_key_for(person.name, person.email)


class PersonImport(Model):
    """An uploaded CSV file waiting for the organiser to confirm its preview.

    The text is kept in the database, not in process memory or the session cookie, so that the preview
    and the confirmation may be served by different app servers; the random id is the only handle.
    """

    __tablename__ = "person_import"

    #: Random (secrets.token_urlsafe), so that one organiser cannot guess another's upload.
    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("organiser.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    #: The file as text (a CSV file decoded, an .xlsx sheet written out as CSV); parsed again for every preview and
    #: for the commit. Emptied once the import is applied.
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: What was read: the text encoding of a CSV file ("utf-8", "cp1252", ...) or "xlsx".
    encoding: Mapped[str] = mapped_column(String(40), default="utf-8")
    #: The worksheet that was read from an .xlsx file ("" for CSV).
    sheet: Mapped[str] = mapped_column(String(100), default="")
    #: The cell separator of `content`.
    delimiter: Mapped[str] = mapped_column(String(1), default=";")
    #: JSON list: the field (see import_columns.FIELDS) each column of the file fills, "" for a column not used.
    columns: Mapped[str] = mapped_column(Text, default="[]")
    #: The kind of a new person whose row names none (HR exports have no "soort" column); also the kind a sync covers.
    default_kind: Mapped[PersonKind] = mapped_column(
        string_enum(PersonKind, "import_default_kind"), default=PersonKind.STAFF
    )
    #: The contact role of a new colleague whose row names none.
    default_role: Mapped[ContactRole] = mapped_column(
        string_enum(ContactRole, "import_default_role"), default=ContactRole.OFFICE
    )
    #: "" adds and updates only; "kind": everyone of default_kind missing from the file is set inactive;
    #: "departments": only those in the departments that occur in the file.
    sync_scope: Mapped[str] = mapped_column(String(12), default="")
    #: When the import was carried out (content is emptied then): a second confirmation gets a clear answer.
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ImportColumnChoice(Model):
    """What a column header of an imported file means, as an organiser chose it in the mapping step.

    Remembered for the whole site, not per organiser: a municipality's HR system exports the same headers for
    every organiser, a header is no personal data, and every choice is shown (and can be changed) in the preview of
    the next import before anything is saved.
    """

    __tablename__ = "import_column_choice"

    #: The header as import_columns.header_key normalises it (lower case, no spaces, hyphens, dots, underscores).
    header_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    #: The field the column fills (see import_columns.FIELDS), "" for "not used".
    field: Mapped[str] = mapped_column(String(20), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
