"""Teams: mixed groups for a speurtocht or safari, each with a guide."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..events.models import Event
from ..extensions import Model
from ..invitations.models import Invitation


class Team(Model):
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

    def summary_for(self, invitation: Invitation) -> str:
        """'Team 2, gids: Anna de Vries' for a member's confirmation and reminder mails.

        A method on the model because the invitations domain (below teams) writes those mails: it reaches the
        team through the `Invitation.team` relationship and never imports teams.
        """
        guide = self.guide
        if guide is None:
            return self.name
        if guide.id == invitation.id:
            return _("%(team)s, u bent de gids", team=self.name)
        return _("%(team)s, gids: %(guide)s", team=self.name, guide=guide.person.name)
