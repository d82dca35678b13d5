"""Invitations: one person invited to one event, with their answer."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..enums import LabelledEnum
from ..events.models import Event
from ..extensions import Model, UTCDateTime, string_enum, utcnow
from ..people.models import ContactRole, Department, Person
from ..places.models import Initiative

if TYPE_CHECKING:
    from ..teams.models import Team


class AnswerSource(enum.StrEnum):
    """Where the current answer came from (shown on the answers page)."""

    WEB = "web"
    CALENDAR = "calendar"
    ORGANISER = "organiser"

    @property
    def label(self) -> str:
        """How the answers page says where an answer came from."""
        return str(_SOURCE_LABELS[self])


_SOURCE_LABELS = {
    AnswerSource.WEB: _l("via de antwoordpagina"),
    AnswerSource.CALENDAR: _l("via de agenda-app"),
    AnswerSource.ORGANISER: _l("vastgelegd door de organisator"),
}


_SOURCE_VALUES = frozenset(source.value for source in AnswerSource)


class InvitationState(enum.StrEnum):
    #: On the guest list, no invitation sent yet.
    LISTED = "listed"
    #: Invitation sent, no answer yet.
    INVITED = "invited"
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"
    #: Said yes while the event was full; promoted in order of waiting_since.
    WAITING = "waiting"

    @property
    def label(self) -> str:
        """What the organiser and the invitee read for this state."""
        return str(_STATE_LABELS[self])


_STATE_LABELS = {
    InvitationState.LISTED: _l("Nog niet verstuurd"),
    InvitationState.INVITED: _l("Nog geen antwoord"),
    InvitationState.YES: _l("Komt"),
    InvitationState.NO: _l("Komt niet"),
    InvitationState.MAYBE: _l("Misschien"),
    InvitationState.WAITING: _l("Wachtlijst"),
}
#: Only for people/views.py, which is being restructured elsewhere; use `state.label` instead.

#: States in which an invitation holds (or waits for) a place: changes and cancellations are told to them.
HOLDS_PLACE_STATES = frozenset(
    {InvitationState.INVITED, InvitationState.YES, InvitationState.MAYBE, InvitationState.WAITING}
)


class Invitation(Model):
    __tablename__ = "invitation"
    __table_args__ = (
        UniqueConstraint("event_id", "person_id", name="uq_invitation_event_person"),
        CheckConstraint("plus_ones >= 0", name="plus_ones_not_negative"),
        CheckConstraint("state <> 'waiting' OR waiting_since IS NOT NULL", name="waiting_has_place"),
        CheckConstraint("state = 'listed' OR sent_at IS NOT NULL", name="sent_unless_listed"),
        Index("ix_invitation_person_state", "person_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    state: Mapped[InvitationState] = mapped_column(
        string_enum(InvitationState, "invitation_state"), default=InvitationState.LISTED
    )
    #: Extra guests this invitee brings; counted in the event's seats only for a yes.
    plus_ones: Mapped[int] = mapped_column(default=0)
    #: Diet, accessibility: purged a set time after the event.
    note: Mapped[str] = mapped_column(Text, default="")
    #: SHA-256 of the personal RSVP token, for looking the link up; NULL when revoked.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Random secret from which, with the app's secret key, the token is derived (HMAC), so that
    #: later mails and the personal feed can repeat the link; a new nonce revokes the old link.
    token_nonce: Mapped[str | None] = mapped_column(String(64))
    #: Random secret from which, with the app's secret key, the key in the ORGANIZER address of this invitation's
    #: calendar mail is derived (antwoord+<key>@…), so a calendar REPLY proves it answers this invitation.
    #: Made once when the invitation is sent and kept when the link is renewed (the ORGANIZER of one calendar
    #: entry must not change); cleared on withdrawal.
    reply_nonce: Mapped[str | None] = mapped_column(String(64))
    #: SHA-256 of that key, for looking the invitation up from a REPLY.
    reply_key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: web, calendar or organiser: where the current answer came from; NULL before any answer.
    answer_source: Mapped[str | None] = mapped_column(String(20))
    #: DTSTAMP of the last calendar REPLY applied: an older reply arriving later changes nothing.
    calendar_replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: SEQUENCE of that REPLY (the calendar entry it answered): replies are ordered by SEQUENCE, then DTSTAMP
    #: (RFC 5546 §2.1.5); NULL before any calendar reply (or one applied before this was kept).
    calendar_reply_sequence: Mapped[int | None] = mapped_column()
    #: SEQUENCE of the last scheduling message sent to this invitee (RFC 5546: each one supersedes the one before).
    calendar_sequence: Mapped[int] = mapped_column(default=0)
    #: Why this person was put on the list (a suggestion's reason), for the organiser.
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Checked in on the attendance list; None when nobody recorded attendance.
    attended: Mapped[bool | None]
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    day_before_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when note and plus-one details were removed after the event.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"), index=True)
    #: Leads their team (a frontline colleague or a resident of a host initiative).
    is_guide: Mapped[bool] = mapped_column(default=False)
    #: When the invitee signed up on the public page themselves and confirmed it (own initiative, issue 16);
    #: NULL for an invitation from the organiser. Their seats count against the event's sign-up seats.
    signed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    person: Mapped[Person] = relationship()
    team: Mapped[Team | None] = relationship(back_populates="members")

    @property
    def source_label(self) -> str:
        """Where the current answer came from, in words ("" before any answer)."""
        return AnswerSource(self.answer_source).label if self.answer_source in _SOURCE_VALUES else ""

    @property
    def signed_up(self) -> bool:
        """Came on their own initiative (the open sign-up), not invited by the organiser."""
        return self.signed_up_at is not None

    @property
    def holds_place(self) -> bool:
        """Invited and not declined: holds (or waits for) a place."""
        return self.state in HOLDS_PLACE_STATES


class EventLinkKind(enum.StrEnum):
    #: A residents' initiative-taker who co-hosts the event: sees it, its route and who comes; adds residents.
    HOST = "host"
    #: Someone who ticks attendance on the day (see reach): attendance only.
    CHECKIN = "checkin"


class EventLink(Model):
    """A personal link to one event for someone without an account (an initiative host, a check-in helper).

    Like RSVP links: 256 random bits, only the SHA-256 kept, revocable; it opens nothing but its own event.
    """

    __tablename__ = "event_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EventLinkKind] = mapped_column(string_enum(EventLinkKind, "event_link_kind"))
    #: The host's own initiative (a host may add residents of this initiative only); NULL for check-in links.
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"), index=True)
    #: Who holds the link, as the organiser named them.
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    initiative: Mapped[Initiative | None] = relationship()


class SignupKind(LabelledEnum):
    """Who signs up, in their own words on the sign-up form."""

    RESIDENT = "resident"
    STAFF = "staff"
    OTHER = "other"

    __labels__ = {
        RESIDENT: _l("Bewoner (eventueel van een bewonersinitiatief)"),
        STAFF: _l("Collega van de gemeente"),
        OTHER: _l("Anders"),
    }


class Signup(Model):
    """A sign-up on the public event page not confirmed yet (double opt-in): it holds no seat, is no person and no
    invitation; confirming it through the mailed link makes both (invitations/signups.py). Deleted when
    confirmed, and RETENTION_SIGNUP_HOURS after it was made when not (retention.SIGNUPS)."""

    __tablename__ = "signup"
    __table_args__ = (CheckConstraint("plus_ones >= 0", name="plus_ones_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Lower-cased, as Person.email; one confirmation mail per address within SIGNUP_MAIL_INTERVAL_MINUTES.
    email: Mapped[str] = mapped_column(String(254), index=True)
    kind: Mapped[SignupKind] = mapped_column(string_enum(SignupKind, "signup_kind"))
    #: A resident's initiative, as chosen on the form (optional).
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiative.id", ondelete="SET NULL"))
    #: A colleague's department and whether they meet initiatives in their work.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="SET NULL"))
    contact_role: Mapped[ContactRole | None] = mapped_column(string_enum(ContactRole, "signup_contact_role"))
    plus_ones: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    #: The language of the page the sign-up was made on: the mail and the person follow it.
    locale: Mapped[str] = mapped_column(String(5), default="nl")
    #: SHA-256 of the confirmation token (the mail holds the token itself).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    event: Mapped[Event] = relationship()
    initiative: Mapped[Initiative | None] = relationship()
    department: Mapped[Department | None] = relationship()
