"""Check-in passes: the QR code an invitee shows at the door, so that a check-in helper ticks them present.

The pass is a URL `/checkin/pass/<invitation id>/<key>`, where the key is an HMAC (the app's secret key) of
the invitation's id and its RSVP nonce, for the purpose "check-in pass" only. So:

- the pass is not the RSVP link and cannot be turned into it (HMAC is one-way, and the purpose differs):
  whoever sees the QR code cannot answer, change the answer, see the note or the person's data;
- the pass opens nothing by itself: the page behind it is for a logged-in check-in helper or an organiser of
  the event (organiser/reach/checkin_views.py), who may tick the person present;
- a new personal link (a new nonce) or a withdrawal (no nonce) makes the old pass stop working too;
- nothing is stored for it: no column, nothing to erase or keep.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import current_app

from ..extensions import db
from ..web import absolute_url
from .models import Invitation, InvitationState

#: Answers for which a pass is shown: those who come, and those on the waiting list (they may still come).
PASS_STATES = frozenset({InvitationState.YES, InvitationState.WAITING})


def _pass_key(invitation_id: int, nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"checkin-pass:{invitation_id}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def pass_url(invitation: Invitation) -> str | None:
    """The absolute URL in the invitee's QR code; None without a personal link or without a place (yes/waiting)."""
    if not invitation.token_nonce or not invitation.token_hash or invitation.state not in PASS_STATES:
        return None
    return absolute_url(
        "checkin.scan_pass", invitation_id=invitation.id, pass_token=_pass_key(invitation.id, invitation.token_nonce)
    )


def find_invitation_by_pass(invitation_id: int, key: str) -> Invitation | None:
    """The invitation whose pass this is; None for an unknown id, a wrong key and a revoked link alike."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or not invitation.token_nonce or not invitation.token_hash:
        return None
    if not hmac.compare_digest(_pass_key(invitation.id, invitation.token_nonce), str(key)):
        return None
    return invitation
