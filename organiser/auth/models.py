"""Organiser accounts: the people who log in, their roles, their one-time account links, and the trail."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import Model, UTCDateTime, utcnow


class Role(enum.StrEnum):
    """What an account may do (SECURITY.md, "Access control", says it in full)."""

    __titles__ = {
        "administrator": _l("Beheerder"),
        "organiser": _l("Organisator"),
        "checkin": _l("Aanmeldhulp"),
    }

    #: Manages accounts and roles, sees and changes everything, reads the trail.
    ADMINISTRATOR = "administrator"
    #: Plans their own events and those they co-organise; uses the directory within the rules of access.py.
    ORGANISER = "organiser"
    #: Ticks attendance on the day of the events they are added to; nothing else.
    CHECKIN = "checkin"

    @property
    def label(self):
        """The role's name in the user's language (lazy, so it may be built at import)."""
        return self.__titles__[self.value]


class NewsDelivery(enum.StrEnum):
    """How an organiser hears about answers, waiting-list moves, a full event and bounced mail (organiser/news)."""

    __titles__ = {
        "off": _l("Geen e-mail: ik kijk zelf in de app"),
        "immediate": _l("Meteen: een e-mail bij elke verandering"),
        "daily": _l("Eén keer per dag: een overzicht van wat er veranderde"),
    }

    OFF = "off"
    IMMEDIATE = "immediate"
    DAILY = "daily"

    @property
    def label(self):
        return self.__titles__[self.value]


def _role_type() -> Enum:
    return Enum(
        Role,
        name="organiser_role",
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda e: [m.value for m in e],
    )


class Organiser(UserMixin, Model):
    __tablename__ = "organiser"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased; the login name.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Empty until the invited organiser sets a password (and for accounts that sign in with SSO only).
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[Role] = mapped_column(_role_type(), default=Role.ORGANISER)
    active: Mapped[bool] = mapped_column(default=True)
    #: Raised on password change, deactivation and "log out everywhere", so that old sessions stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The subject ("sub") of the account at the municipality's OpenID Connect provider, once it signed in there.
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    #: The TOTP secret (base32) once the account has enrolled an authenticator app; NULL without one.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: The last TOTP time step accepted: a code works once (ASVS 2.8.4), also when typed twice within 30 s.
    totp_last_step: Mapped[int | None]
    #: A NewsDelivery value: news about the events this account manages by mail at once, daily, or not at all.
    news_delivery: Mapped[str] = mapped_column(String(20), default=NewsDelivery.OFF.value)
    #: The language of mail to this account (news; one of LANGUAGES).
    locale: Mapped[str] = mapped_column(String(5), default="nl")

    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="organiser", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def has_totp(self) -> bool:
        return bool(self.totp_secret)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMINISTRATOR

    @property
    def plans_events(self) -> bool:
        """Administrators and organisers plan events; a check-in helper does not."""
        return self.role in (Role.ADMINISTRATOR, Role.ORGANISER)

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


def reply_to_of(organiser: Organiser | None) -> tuple[str, str] | None:
    """(name, address) for the Reply-To of mail about an organiser's event, so that Reply reaches them and not the
    robot sender; None without an organiser or an address."""
    return (organiser.name, organiser.email) if organiser is not None and organiser.email else None


class RecoveryCode(Model):
    """A one-time code to log in without the authenticator app; stored hashed, used once."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("organiser.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the code (ten random characters: far too many to guess within the rate limit).
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organiser: Mapped[Organiser] = relationship(back_populates="recovery_codes")


class LinkPurpose(enum.StrEnum):
    #: Sent with an invitation to a new account: choose a first password.
    WELCOME = "welcome"
    #: "Forgot my password": choose a new one.
    RESET = "reset"


class AccountLink(Model):
    """A one-time link that lets its holder set the password of one account: random, stored hashed, expiring."""

    __tablename__ = "account_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("organiser.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[LinkPurpose] = mapped_column(
        Enum(
            LinkPurpose,
            name="account_link_purpose",
            native_enum=False,
            create_constraint=True,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    #: SHA-256 of the token in the link; the token itself is only in the mail.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Set when the link was used, or made worthless by a newer one or a deactivation.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organiser: Mapped[Organiser] = relationship()


class TrailEntry(Model):
    """Who did what to which event, person or account, and when; read by administrators, purged after a while."""

    __tablename__ = "trail_entry"
    __table_args__ = (Index("ix_trail_entry_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: NULL for something nobody logged in did (a failed login, a job); the name below still says who.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("organiser.id", ondelete="SET NULL"), index=True)
    #: The actor as they were called then (the account may be renamed or deleted later).
    actor: Mapped[str] = mapped_column(String(254), default="")
    #: What happened, as a code (login, login_failed, role_changed, export, person_deleted, …).
    action: Mapped[str] = mapped_column(String(40))
    #: event, person, account, or "" for something not about one record (an export of the directory).
    subject_type: Mapped[str] = mapped_column(String(20), default="")
    subject_id: Mapped[int | None]
    #: A short description in plain words (no personal details beyond a name).
    summary: Mapped[str] = mapped_column(String(300), default="")
