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


def record_attendance(event: Event, present_ids: Iterable[int], shown_present: Iterable[int] | None = None) -> int:
    """Mark who was present among the expected and waiting; everyone else on the list is absent. Returns present.

    `shown_present`: who was ticked on the page when it was shown. With it, only the ticks the organiser changed
    are written, so that a page opened before the doors opened does not undo what helpers ticked on their phones
    meanwhile (walk_ins.mark_present); nobody ticked anywhere still counts as absent. Without it (an older page),
    the list as sent replaces the record."""
    present = set(present_ids)
    shown = set(shown_present) if shown_present is not None else None
    listed = attendance_list(event)
    count = 0
    for invitation in listed.expected + listed.waiting:
        ticked = invitation.id in present
        if shown is None or ticked != (invitation.id in shown) or invitation.attended is None:
            invitation.attended = ticked
        count += bool(invitation.attended)
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
