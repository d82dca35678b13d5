"""An event's guest list when the event is copied or deleted: receivers of the events signals (connected in
organiser/receivers.py). They flush, never commit."""

from __future__ import annotations

from flask_babel import ngettext
from sqlalchemy import delete, func

from ..events.models import Event
from ..extensions import db
from .guest_list import add_to_guest_list
from .models import EventLink, Invitation, InvitationState


def copy_guest_list(source: Event, copy: Event) -> int:
    """signals.event_copied: the source's guests, but not who declined, on the copy's list as new invitations
    (LISTED: no link, nothing sent until the organiser sends), with the reason they were put on the list.
    Inactive and erased people are left out. Returns how many were put on the list."""
    rows = db.session.execute(
        db.select(Invitation.person_id, Invitation.reason).where(
            Invitation.event_id == source.id, Invitation.state != InvitationState.NO
        )
    ).all()
    return add_to_guest_list(copy, [person_id for person_id, _reason in rows], dict(rows))


def sent_for_event(event: Event) -> list[str]:
    """signals.event_deletion_requested: invitations of the event that were sent (a deleted event would leave
    their links and calendar entries pointing nowhere)."""
    sent = db.session.scalar(
        db.select(func.count())
        .select_from(Invitation)
        .where(Invitation.event_id == event.id, Invitation.sent_at.is_not(None))
    )
    if not sent:
        return []
    return [
        ngettext(
            "Er is al %(num)d uitnodiging verstuurd.",
            "Er zijn al %(num)d uitnodigingen verstuurd.",
            sent,
        )
    ]


def forget_event(event: Event) -> None:
    """signals.event_deleting: the (unsent) guest list and the personal links for hosts and helpers go."""
    db.session.execute(delete(Invitation).where(Invitation.event_id == event.id))
    db.session.execute(delete(EventLink).where(EventLink.event_id == event.id))
    db.session.flush()
