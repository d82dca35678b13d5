"""Recording attendance: the check-in list of an event, and who was present. Flush, never commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import joinedload, selectinload

from ..events.models import Event
from ..extensions import db, utcnow
from ..i18n import to_local
from ..invitations.models import Invitation, InvitationState
from ..people.models import Person


@dataclass
class AttendanceList:
    """The people expected at an event (said yes) and the waiting list, for check-in."""

    expected: list[Invitation]
    waiting: list[Invitation]

    @property
    def recorded(self) -> bool:
        return any(i.attended is not None for i in self.expected + self.waiting)

    @property
    def present(self) -> int:
        return sum(1 for i in self.expected + self.waiting if i.attended)


def _by_name(invitation: Invitation) -> tuple[str, int]:
    return (invitation.person.name.lower(), invitation.id)


def attendance_list(event: Event) -> AttendanceList:
    """Who said yes (and who is waiting), sorted by name, with their person loaded."""
    invitations = db.session.scalars(
        db.select(Invitation)
        .options(joinedload(Invitation.person).options(joinedload(Person.department), selectinload(Person.initiatives)))
        .where(
            Invitation.event_id == event.id,
            Invitation.state.in_([InvitationState.YES, InvitationState.WAITING]),
        )
    ).all()
    expected = sorted((i for i in invitations if i.state == InvitationState.YES), key=_by_name)
    waiting = sorted((i for i in invitations if i.state == InvitationState.WAITING), key=_by_name)
    return AttendanceList(expected=expected, waiting=waiting)


def may_record_attendance(event: Event, now: datetime | None = None) -> bool:
    """Check-in opens on the day of the event (local time) and never for a cancelled event."""
    if event.is_cancelled:
        return False
    today = to_local(now or utcnow()).date()
    return to_local(event.starts_at).date() <= today


def record_attendance(event: Event, present_ids: Iterable[int]) -> int:
    """Mark who was present among the expected and waiting; everyone else on the list is absent. Returns present."""
    present = set(present_ids)
    listed = attendance_list(event)
    count = 0
    for invitation in listed.expected + listed.waiting:
        invitation.attended = invitation.id in present
        count += invitation.attended
    db.session.flush()
    return count


def clear_attendance(event: Event) -> None:
    """Forget the recorded attendance: the yes answers count again."""
    db.session.execute(
        db.update(Invitation)
        .where(Invitation.event_id == event.id, Invitation.attended.is_not(None))
        .values(attended=None)
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()
