"""A summary of each person's past invitations, kept by database triggers, so that suggesting colleagues reads
one row per person instead of aggregating every invitation on every request.

The triggers (migration 0029_q12_person_participation) recompute a person's row in the transaction of every
change to their invitations that the row reads (made, answered yes or no, checked in, moved, deleted, erased by
retention; since 0032 not a maybe or a place on the waiting list, which change nothing here) and to the events
they were invited to (rescheduled, cancelled): they also catch bulk statements and changes made outside the app.
The row holds nothing that is not in the invitations themselves (derived data): it goes with the person (ON
DELETE CASCADE) and with their invitations (retention deletes those, the triggers follow).

The colleague queue (migration 0031_q12_colleague_queue) holds every colleague who may be suggested, with the
place in their department's queue in one index, kept by triggers on person and on the summary: the suggestions
read the first few of each queue instead of ranking every colleague.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
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
    #: upcoming event); the suggestions then take `previous_taken_part_at`.
    last_taken_part_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Whether the person's two most recent invitations that were sent (by the event's start, then the
    #: invitation's id) were both declined.
    declined_last_two: Mapped[bool] = mapped_column(default=False)
    #: The end (UTC) of the latest event taken part in that ended before `last_taken_part_at`, or NULL: the last
    #: time while the latest lies ahead (unless that one lies ahead too).
    previous_taken_part_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QueuedColleague(Model):
    """A colleague who may be suggested (active staff, not erased, with a contact role, not declining their last
    two invitations), with their place in their department's queue: the index `ix_colleague_queue_turn` orders
    each (department, role) as the suggestions do. Derived from person and person_participation by triggers."""

    __tablename__ = "colleague_queue"
    __table_args__ = (
        Index(
            "ix_colleague_queue_turn",
            "department_key",
            "contact_role",
            "took_part",
            "last_taken_part_at",
            "sort_name",
            "person_id",
        ),
    )

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    #: The department's id, 0 for none (one value, so that a queue is one range of the index).
    department_key: Mapped[int]
    #: ContactRole's value.
    contact_role: Mapped[str] = mapped_column(String(20))
    #: Whether `last_taken_part_at` is set: those who never took part come first. Stored, not derived when read:
    #: the index must put them first on both databases, and PostgreSQL sorts NULLs last where SQLite sorts them
    #: first (SQLite's CREATE INDEX takes no NULLS FIRST).
    took_part: Mapped[bool]
    #: As in person_participation (it may lie ahead: the index finds the few whose latest lies ahead).
    last_taken_part_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: As in person_participation.
    previous_taken_part_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: `lower(name)`, compared code point by code point (collation "C" on PostgreSQL), as Python compares.
    sort_name: Mapped[str] = mapped_column(String(200).with_variant(String(200, collation="C"), "postgresql"))
