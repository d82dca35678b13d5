"""Sending the invitations of an event, and a new personal link for one invitee."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from ..events.models import Event, EventStatus
from ..extensions import db, utcnow
from . import notices
from .links import issue_rsvp_token
from .models import Invitation, InvitationState


class SendRefused(Exception):
    """Invitations cannot be sent for this event (cancelled, or already over); carries the message."""

    MESSAGE = _l("Voor een afgelaste of afgelopen bijeenkomst kunnen geen uitnodigingen meer worden verstuurd.")

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)
        self.message = self.MESSAGE

    def __str__(self) -> str:
        return str(self.message)


def send_invitations(event: Event, invitation_ids: list[int] | None = None, now: datetime | None = None) -> int:
    """Send the invitation mail (with personal link and .ics) to everyone on the list not yet invited,
    or to the chosen ones; returns how many were queued."""
    now = now or utcnow()
    if event.status == EventStatus.CANCELLED or event.ends_at <= now:
        raise SendRefused
    query = db.select(Invitation).where(Invitation.event_id == event.id, Invitation.state == InvitationState.LISTED)
    if invitation_ids is not None:
        query = query.where(Invitation.id.in_(invitation_ids))
    count = 0
    for invitation in db.session.scalars(query.order_by(Invitation.id)).all():
        if not invitation.person.email or not invitation.person.active:
            continue
        issue_rsvp_token(invitation)
        invitation.state = InvitationState.INVITED
        invitation.sent_at = now
        db.session.flush()
        notices.queue_invitation(invitation)
        count += 1
    return count


def reissue_link(invitation: Invitation) -> None:
    """A new personal link, mailed again; the old link stops working."""
    issue_rsvp_token(invitation)
    notices.queue_new_link(invitation)
