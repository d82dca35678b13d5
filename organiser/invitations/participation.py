"""A summary of each person's past invitations, kept by database triggers, so that suggesting colleagues reads
one row per person instead of aggregating every invitation on every request.

The triggers (migration 0029_q12_person_participation) recompute a person's row in the transaction of every
change to their invitations (made, answered, checked in, moved, deleted, erased by retention) and to the
events they were invited to (rescheduled, cancelled): they also catch bulk statements and changes made outside
the app. The row holds nothing that is not in the invitations themselves (derived data): it goes with the
person (ON DELETE CASCADE) and with their invitations (retention deletes those, the triggers follow).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model, UTCDateTime


class PersonParticipation(Model):
    """One person's participation, as the suggestions rank it (see invitations/suggestions.py).

    A person without a row has nothing to say here: never took part, did not decline their last two
    invitations (never invited, or only listed). Rows with nothing to say are removed by the triggers.
    """

    __tablename__ = "person_participation"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    #: The end (UTC) of the latest event, cancelled ones left out, the person took part in or will take part in:
    #: checked in as present, or said yes and nobody recorded otherwise. It may lie in the future (a yes to an
    #: upcoming event); the suggestions then look at the invitations themselves for the latest that has ended.
    last_taken_part_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: Whether the person's two most recent invitations that were sent (by the event's start, then the
    #: invitation's id) were both declined.
    declined_last_two: Mapped[bool] = mapped_column(default=False)
