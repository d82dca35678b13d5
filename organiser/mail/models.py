"""The mail outbox: every mail is a row written in the same transaction as the change that causes it."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model, UTCDateTime, string_enum, utcnow
from .sealing import Sealed


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    #: Permanently refused (5xx) or out of retries: shown to the organiser.
    FAILED = "failed"
    #: No SMTP configured (development): kept for the development mail page.
    KEPT = "kept"

    @property
    def label(self) -> str:
        return str(_STATUS_LABELS[self])


_STATUS_LABELS = {
    OutboxStatus.PENDING: _l("Wacht op verzending"),
    OutboxStatus.SENT: _l("Verzonden"),
    OutboxStatus.FAILED: _l("Mislukt"),
    OutboxStatus.KEPT: _l("Bewaard (ontwikkeling)"),
}


class OutboxKind(enum.StrEnum):
    """The kinds of mail the domains queue; the template of a kind is templates/mail/<value>.*.

    The column is plain text, so a new kind needs no migration.
    """

    INVITATION = "invitation"
    CONFIRMATION = "confirmation"
    REMINDER = "reminder"
    DAY_BEFORE = "day_before"
    CHANGE = "change"
    CANCELLATION = "cancellation"
    PROMOTION = "promotion"
    FEED_LINK = "feed_link"
    SMTP_CHECK = "smtp_check"
    NEW_LINK = "new_link"
    WITHDRAWN = "withdrawn"
    #: A calendar answer that changed nothing (after the deadline, unreadable, …) or a proposal declined.
    CALENDAR_ANSWER = "calendar_answer"
    #: The route of an event changed (stops added, changed, removed or moved).
    ROUTE_CHANGE = "route_change"
    #: To an event's organiser: a guest had all their data erased through their personal link.
    GUEST_ERASED = "guest_erased"
    ACCOUNT_WELCOME = "account_welcome"
    ACCOUNT_RESET = "account_reset"
    PERSON_EMAIL_CHANGED = "person_email_changed"
    EVENT_LINK = "event_link"
    #: After the encounter: the follow-up questions (the morning after), and their one reminder.
    FOLLOWUP = "followup"
    FOLLOWUP_REMINDER = "followup_reminder"
    #: To an organiser: news about their events (answers, waiting list, full, bounces), at once or as a digest.
    NEWS = "news"
    #: To someone who signed up on the public event page: the link to confirm the sign-up (double opt-in).
    SIGNUP_CONFIRM = "signup_confirm"
    #: To someone whose data was erased: their calendar entries go (METHOD:CANCEL). Sent once, then deleted with
    #: no record kept (FORGOTTEN_WHEN_DONE).
    ERASURE_CANCEL = "erasure_cancel"
    #: To someone whose sign-up the organiser removed: their calendar entry goes (METHOD:CANCEL).
    SIGNUP_REMOVED = "signup_removed"

    @property
    def label(self) -> str:
        return str(_KIND_LABELS[self])


_KIND_LABELS = {
    OutboxKind.INVITATION: _l("Uitnodiging"),
    OutboxKind.CONFIRMATION: _l("Bevestiging"),
    OutboxKind.REMINDER: _l("Herinnering"),
    OutboxKind.DAY_BEFORE: _l("Herinnering dag vooraf"),
    OutboxKind.CHANGE: _l("Wijziging"),
    OutboxKind.CANCELLATION: _l("Afgelast"),
    OutboxKind.PROMOTION: _l("Van de wachtlijst"),
    OutboxKind.FEED_LINK: _l("Agendalink"),
    OutboxKind.SMTP_CHECK: _l("Testbericht"),
    OutboxKind.NEW_LINK: _l("Nieuwe link"),
    OutboxKind.WITHDRAWN: _l("Afgemeld"),
    OutboxKind.CALENDAR_ANSWER: _l("Antwoord uit de agenda"),
    OutboxKind.ROUTE_CHANGE: _l("Route gewijzigd"),
    OutboxKind.GUEST_ERASED: _l("Gegevens verwijderd"),
    OutboxKind.ACCOUNT_WELCOME: _l("Nieuw account"),
    OutboxKind.ACCOUNT_RESET: _l("Nieuw wachtwoord"),
    OutboxKind.PERSON_EMAIL_CHANGED: _l("E-mailadres gewijzigd"),
    OutboxKind.EVENT_LINK: _l("Link voor gastheer of aanmeldhulp"),
    OutboxKind.FOLLOWUP: _l("Vragen na afloop"),
    OutboxKind.FOLLOWUP_REMINDER: _l("Herinnering vragen na afloop"),
    OutboxKind.NEWS: _l("Nieuws voor de organisator"),
    OutboxKind.SIGNUP_CONFIRM: _l("Aanmelding bevestigen"),
    OutboxKind.ERASURE_CANCEL: _l("Agenda-afspraak vervalt na verwijderen"),
    OutboxKind.SIGNUP_REMOVED: _l("Aanmelding verwijderd"),
}

#: Kinds whose row is deleted once the worker is done with it (sent, or given up), with nothing kept: the mail to an
#: erased person (erasure keeps no record of them, not even to whom or what kind). `retention.forget_recipient`
#: leaves them while they wait.
FORGOTTEN_WHEN_DONE = frozenset({OutboxKind.ERASURE_CANCEL.value})


class OutboxMessage(Model):
    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: An OutboxKind value (plain text: a new kind needs no migration).
    kind: Mapped[str] = mapped_column(String(30))
    to_address: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(300))
    #: Text, HTML and calendar part hold the recipient's link (and sometimes their note): sealed at rest under
    #: SECRET_KEY (mail/sealing.py), emptied once sent, or when unsent mail is past its period (mail/retention.py);
    #: the rest of the row is what the mail page shows. Empty while a deferred mail waits (`facts`): the worker
    #: renders it in memory when it sends it.
    text_body: Mapped[str] = mapped_column(Sealed, default="")
    html_body: Mapped[str] = mapped_column(Sealed, default="")
    #: An iCalendar object sent as text/calendar part and .ics attachment.
    ics: Mapped[str | None] = mapped_column(Sealed)
    #: The iTIP METHOD of `ics` (REQUEST, CANCEL, PUBLISH); the MIME method parameter must equal it.
    ics_method: Mapped[str | None] = mapped_column(String(20))
    #: A URL the HTML part shows as a QR code (the invitee's check-in pass): made into a PNG when the mail is
    #: written for sending, an inline part with Content-ID QR_CONTENT_ID (mail/rendering.py). Removed with the
    #: contents.
    qr_url: Mapped[str | None] = mapped_column(String(500))
    #: Reply-To ("Name <address>"): the organiser of the event the mail is about, so Reply reaches a person.
    reply_to: Mapped[str] = mapped_column(String(320), default="")
    #: Stable across retries, so that a retry never produces a second, different mail.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(
        string_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: What must be sent, for a mail the worker renders when it sends it (mail/deferred.py): the facts that were
    #: true when it was caused (an answer, a place on the waiting list, SEQUENCE, DTSTAMP), never a link or a
    #: note. None for a mail rendered when it was queued. Emptied with the contents.
    facts: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitation.id", ondelete="SET NULL"), index=True)

    @property
    def kind_label(self) -> str:
        """The kind in words; an unknown (older) kind as it is stored."""
        known = self.kind in OutboxKind._value2member_map_
        return OutboxKind(self.kind).label if known else self.kind

    @property
    def has_contents(self) -> bool:
        """False once the contents were removed (mail/retention.py): nothing left to send or show."""
        return bool(self.text_body or self.html_body or self.ics or self.facts)

    @property
    def deferred(self) -> bool:
        """True for a mail the worker renders when it sends it (only its facts are stored; mail/deferred.py)."""
        return self.facts is not None and not self.text_body
