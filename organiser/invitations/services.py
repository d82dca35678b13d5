"""Invitations, RSVP answers, the waiting list and the notices they cause."""

from __future__ import annotations

from ..events.models import Event
from ..extensions import db
from ..tokens import hash_token, looks_like_token, new_token
from .models import Invitation


def issue_rsvp_token(invitation: Invitation) -> str:
    """A new personal RSVP token for the invitation; any earlier link stops working. Returns the token."""
    token = new_token()
    invitation.token_hash = hash_token(token)
    db.session.flush()
    return token


def find_invitation_by_token(token: str) -> Invitation | None:
    """The invitation a personal link belongs to; None for unknown and revoked tokens alike."""
    if not looks_like_token(token):
        return None
    return db.session.scalar(db.select(Invitation).where(Invitation.token_hash == hash_token(token)))


def queue_change_notices(event: Event) -> int:
    """Queue a change notice to everyone invited and not declined; returns how many.

    Not built yet: invitations arrive with the invitations issue (#4). Until then no one is invited,
    so there is no one to notify.
    """
    return 0


def queue_cancellation_notices(event: Event) -> int:
    """Queue a cancellation notice (METHOD:CANCEL) to everyone invited; returns how many.

    Not built yet: see queue_change_notices.
    """
    return 0
