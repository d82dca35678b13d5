"""The people directory: staff with department and contact role, residents with their initiatives."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text
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
    #: The decoded file (UTF-8, without BOM); parsed again for every preview and for the commit.
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
