"""Personal RSVP links: a token per invitation (256 bits, stored as SHA-256, derived again from a nonce so later
mails and the personal feed can repeat the link), looked up, revoked."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable

from flask import current_app
from sqlalchemy.orm import joinedload

from ..events.models import Event
from ..extensions import db
from ..tokens import hash_token, looks_like_token
from ..web import absolute_url
from .models import Invitation

#: Characters of a personal link's token (the unpadded URL-safe base64 of a SHA-256 HMAC).
TOKEN_LENGTH = 43


def _derive_token(nonce: str) -> str:
    return _derived(current_app.config["SECRET_KEY"].encode(), nonce)


@functools.lru_cache(maxsize=4096)
def _derived(key: bytes, nonce: str) -> str:
    """HMAC-SHA256 of the nonce under the key, unpadded URL-safe base64. Remembered for the tokens used last (a
    personal feed derives one per entry, every time it is made): nothing anyone could not derive again with the
    key this process holds anyway."""
    digest = hmac.digest(key, b"rsvp:" + nonce.encode(), "sha256")  # hmac.new(…).digest(), in one call
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue_rsvp_token(invitation: Invitation) -> str:
    """A new personal RSVP token (256 bits); any earlier link stops working. Returns the token."""
    invitation.token_nonce = secrets.token_urlsafe(32)
    token = _derive_token(invitation.token_nonce)
    invitation.token_hash = hash_token(token)
    db.session.flush()
    return token


def new_rsvp_token_values() -> dict[str, str]:
    """The columns of a newly issued token ({"token_nonce", "token_hash"}), for a send that writes many at once."""
    nonce = secrets.token_urlsafe(32)
    return {"token_nonce": nonce, "token_hash": hash_token(_derive_token(nonce))}


def rsvp_token(invitation: Invitation) -> str | None:
    """The invitation's current token (derived again from its nonce), or None when it has none."""
    return rsvp_token_of(invitation.token_nonce, invitation.token_hash)


def rsvp_url(invitation: Invitation) -> str | None:
    """The absolute personal RSVP link, as it appears in mails and the personal feed."""
    token = rsvp_token(invitation)
    if token is None:
        return None
    return absolute_url("invitations.respond", token=token)


def rsvp_url_parts() -> tuple[str, str]:
    """The personal link's address around its token, (before, after): the URL rule looked up once for many links
    (building each through the URL map cost more than the rest of a personal feed's entry)."""
    mark = "0" * TOKEN_LENGTH  # a token's shape: URL-safe characters, never quoted
    before, after = absolute_url("invitations.respond", token=mark).split(mark)
    return before, after


def rsvp_token_of(nonce: str | None, token_hash: str | None) -> str | None:
    """The personal link's token derived again from the stored nonce (TOKEN_LENGTH URL-safe characters); None for
    an invitation without a working link."""
    return rsvp_tokens_of()(nonce, token_hash)


def rsvp_tokens_of() -> Callable[[str | None, str | None], str | None]:
    """rsvp_token_of for many invitations (a personal feed's entries): the key read from the settings once."""
    key = current_app.config["SECRET_KEY"].encode()
    return lambda nonce, token_hash: _derived(key, nonce) if nonce and token_hash else None


def find_invitation_by_token(token: str) -> Invitation | None:
    """The invitation a personal link belongs to, with its person, event and the event's organiser loaded in the
    same statement (every page of the link shows them; an answer needs them all); None for unknown and revoked
    tokens alike."""
    if not looks_like_token(token):
        return None
    return db.session.scalar(
        db.select(Invitation)
        .where(Invitation.token_hash == hash_token(token))
        .options(joinedload(Invitation.person), joinedload(Invitation.event).joinedload(Event.organiser))
    )


def revoke_rsvp_token(invitation: Invitation) -> None:
    """The personal link stops working."""
    invitation.token_hash = None
    invitation.token_nonce = None
    db.session.flush()


def answer_form_key(token: str, purpose: str) -> str:
    """The key a form on a personal page carries instead of a session-bound CSRF token.

    Cross-site request forgery needs a request the victim's browser sends with their credentials. On the token
    pages the credential is the link itself, not a cookie: a page on another site can only post to it if it
    knows the link, and whoever knows the link can open the page and answer anyway. A key derived from the link
    (HMAC with the app's secret, per purpose) is therefore as strong as a session-bound token here, and needs
    no cookie; a revoked link's key stops working with it.
    """
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"rsvp-form:{purpose}:{token}".encode(), hashlib.sha256).hexdigest()


def form_key_matches(token: str, purpose: str, given: str | None) -> bool:
    """Whether a posted form carries the key of this link and purpose (compared in constant time)."""
    return bool(given) and hmac.compare_digest(answer_form_key(token, purpose), str(given))
