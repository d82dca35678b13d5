"""The invitations blueprint, shared by the invitee's pages (rsvp_pages) and the organiser's (organiser_pages)."""

from __future__ import annotations

from flask import Blueprint

from .models import InvitationState

bp = Blueprint("invitations", __name__)


@bp.app_context_processor
def invitation_states() -> dict[str, object]:
    """Templates (pages and mails) compare states with the enum's members, never with bare strings."""
    return {"InvitationState": InvitationState}
