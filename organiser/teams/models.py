"""Teams: mixed groups for a speurtocht or safari, each with a guide."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..events.models import Event
from ..extensions import db
from ..invitations.models import Invitation


class Team(db.Model):
    """A mixed group for a speurtocht or safari, led by a guide."""

    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("event_id", "number", name="uq_team_event_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(100))
    #: A locked team is kept as it is when the organiser re-forms teams.
    locked: Mapped[bool] = mapped_column(default=False)

    event: Mapped[Event] = relationship()
    members: Mapped[list[Invitation]] = relationship(back_populates="team", order_by="Invitation.id")

    @property
    def guide(self) -> Invitation | None:
        return next((m for m in self.members if m.is_guide), None)
