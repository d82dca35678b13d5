"""The key in the ORGANIZER address of an invitation's calendar mail (antwoord+<key>@gemeente.example).

Every scheduling mail of an invitation names as ORGANIZER the reply address plus-addressed with a key only
that invitation's mail carried. The key is derived the way the RSVP token is (tokens.py,
links.issue_rsvp_token): HMAC-SHA256 under SECRET_KEY of a random nonce stored on the invitation, with
only the key's SHA-256 stored for the lookup. Whoever holds the database *and* the secret key can recompute
it (SAFETY.md); the database alone cannot. The key is 130 bits of lower-case base32, because mail servers may
lower-case a local part. It is made once, when the first calendar mail goes out, and kept when the RSVP link
is renewed (the ORGANIZER of one calendar entry must not change); a withdrawal revokes it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from flask import current_app

from ..extensions import db
from ..inbox.addresses import plus_address
from ..tokens import hash_token
from .models import Invitation

KEY_LENGTH = 26


def _derive_reply_key(nonce: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, b"reply:" + nonce.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:KEY_LENGTH]


def reply_key(invitation: Invitation) -> str:
    """The invitation's reply key, made (and its hash stored) the first time it is needed; flushes."""
    if not invitation.reply_nonce or not invitation.reply_key_hash:
        invitation.reply_nonce = secrets.token_urlsafe(32)
        invitation.reply_key_hash = hash_token(_derive_reply_key(invitation.reply_nonce))
        db.session.flush()
    return _derive_reply_key(invitation.reply_nonce)


def new_reply_key_values() -> dict[str, str]:
    """The columns of a new reply key ({"reply_nonce", "reply_key_hash"}), for a send that makes many at once."""
    nonce = secrets.token_urlsafe(32)
    return {"reply_nonce": nonce, "reply_key_hash": hash_token(_derive_reply_key(nonce))}


def organizer_address(invitation: Invitation) -> str | None:
    """The ORGANIZER for this invitation's calendar mail (antwoord+<key>@…); None without a reply mailbox."""
    if plus_address("x" * KEY_LENGTH) is None:
        return None
    return plus_address(reply_key(invitation))


def revoke_reply_key(invitation: Invitation) -> None:
    """Calendar answers for this invitation stop counting (withdrawal)."""
    invitation.reply_nonce = None
    invitation.reply_key_hash = None
    db.session.flush()


def find_invitation_by_reply_key(key: str) -> Invitation | None:
    return db.session.scalar(db.select(Invitation).where(Invitation.reply_key_hash == hash_token(key)))
