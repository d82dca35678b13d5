"""After the encounter: the per-event follow-up settings, who was asked, their answers and whom they met.

Four tables. `followup_settings` (one row per event the organiser changed: the switch, how long the questions stay
open, the texts); `followup_request` (one row per attendee asked: when, the reminder, whether they answered, and
their consent to share their e-mail address with fellow attendees); `followup_answer` (the answers: tied to the
invitation, or anonymous and tied to nothing but the event); `followup_choice` (whom they met: the departments
and initiatives they chose). The answers keep the answerer's kind, department or initiative without a name, so
that reach can count new ties after the answer has been detached (retention) or was given anonymously.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..enums import LabelledEnum
from ..events.models import Event
from ..extensions import Model, UTCDateTime, string_enum
from ..invitations.models import Invitation
from ..people.models import Department
from ..places.models import Initiative

#: The longest an organiser may keep the questions open (days).
MAX_OPEN_DAYS = 60


class FollowupSettings(Model):
    """An event's follow-up as its organiser set it; an event without a row has the defaults (on, FOLLOWUP_OPEN_DAYS,
    the standard texts)."""

    __tablename__ = "followup_settings"
    __table_args__ = (CheckConstraint(f"open_days >= 1 AND open_days <= {MAX_OPEN_DAYS}", name="open_days_range"),)

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    #: False: no follow-up for this event (nothing is sent; questions already sent close).
    enabled: Mapped[bool] = mapped_column(default=True)
    #: Days the questions stay open, counted from the morning after the event (FOLLOWUP_SEND_HOUR).
    open_days: Mapped[int]
    #: The organiser's own words at the top of the mail and the page; empty: the standard text in the invitee's
    #: language. The organiser's texts are shown as written, in every language.
    intro: Mapped[str] = mapped_column(Text, default="")
    #: The organiser's wording of the questions; empty: the standard question in the invitee's language.
    question_met: Mapped[str] = mapped_column(String(300), default="")
    question_touch: Mapped[str] = mapped_column(String(300), default="")
    question_rating: Mapped[str] = mapped_column(String(300), default="")
    question_different: Mapped[str] = mapped_column(String(300), default="")


class FollowupRequest(Model):
    """One attendee asked the follow-up questions (the mail went to the outbox), and what came of it."""

    __tablename__ = "followup_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Unique: an attendee is asked once (two workers inserting at once: one wins, see asking.py).
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitation.id", ondelete="CASCADE"), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The one reminder, to those who had not answered FOLLOWUP_REMINDER_DAYS after being asked.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When they (last) answered; None: not yet.
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: They answered anonymously: their answer is tied to nothing but the event and cannot be shown or changed.
    answered_anonymously: Mapped[bool] = mapped_column(default=False)
    #: Since when they share name and e-mail address with the fellow attendees who share theirs (consent);
    #: None: not sharing (never, or withdrawn).
    contact_shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invitation: Mapped[Invitation] = relationship()
    event: Mapped[Event] = relationship()

    @property
    def shares_contact(self) -> bool:
        return self.contact_shared_at is not None


class RespondentRole(LabelledEnum):
    """Who answered, as reach counts them (no name)."""

    OFFICE = "office"
    FRONTLINE = "frontline"
    RESIDENT = "resident"

    __labels__ = {
        OFFICE: _l("Kantoorcollega"),
        FRONTLINE: _l("Collega met contactrol"),
        RESIDENT: _l("Bewoner"),
    }


class FollowupAnswer(Model):
    """One attendee's answers to the follow-up questions."""

    __tablename__ = "followup_answer"
    __table_args__ = (CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    #: The answerer's invitation; NULL for an anonymous answer, and once the answer is detached (retention, erasure).
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitation.id", ondelete="SET NULL"), unique=True, nullable=True
    )
    #: Office or frontline colleague, or resident: what reach counts (the share of office colleagues with a new tie).
    respondent_role: Mapped[RespondentRole] = mapped_column(string_enum(RespondentRole, "respondent_role"))
    #: A colleague's department, for the departments × initiatives matrix (no name).
    respondent_department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL"), index=True
    )
    #: A resident's initiative (the one at the event, else their first), for the same matrix.
    respondent_initiative_id: Mapped[int | None] = mapped_column(
        ForeignKey("initiative.id", ondelete="SET NULL"), index=True
    )
    met_someone: Mapped[bool]
    #: Will keep in touch with someone they met: True, False, or None (not answered).
    keeps_in_touch: Mapped[bool | None]
    #: About what (free text; never kept for an anonymous answer, emptied when detached).
    touch_about: Mapped[str] = mapped_column(Text, default="")
    #: How it was, 1 (poor) … 5 (very good); None: not answered.
    rating: Mapped[int | None]
    #: One thing to do differently (free text; as touch_about).
    do_differently: Mapped[str] = mapped_column(Text, default="")
    #: None for an anonymous answer (a moment could tie it to the request that records who answered when).
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    choices: Mapped[list[FollowupChoice]] = relationship(
        back_populates="answer", cascade="all, delete-orphan", order_by="FollowupChoice.id"
    )


class FollowupChoice(Model):
    """Whom an answerer met: one department or one initiative that was at the event."""

    __tablename__ = "followup_choice"
    __table_args__ = (CheckConstraint("(department_id IS NULL) <> (initiative_id IS NULL)", name="one_group"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("followup_answer.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"), index=True)
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"), index=True)

    answer: Mapped[FollowupAnswer] = relationship(back_populates="choices")
    department: Mapped[Department | None] = relationship()
    initiative: Mapped[Initiative | None] = relationship()
