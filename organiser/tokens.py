"""Secret link tokens: random, only their hash stored, compared by hash lookup."""

from __future__ import annotations

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def new_token() -> str:
    """A URL-safe token of 256 random bits."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest stored in place of the token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def looks_like_token(token: str) -> bool:
    """Cheap shape check before touching the database (43 URL-safe characters)."""
    return 20 <= len(token) <= 64 and all(c.isalnum() or c in "-_" for c in token)


def derived_fernet(secret: str, purpose: str) -> Fernet:
    """A Fernet key (AES-128-CBC with HMAC-SHA256) derived from `secret` (SECRET_KEY) for one purpose with HKDF
    (RFC 5869, SHA-256, info "organiser <purpose>"): each purpose gets its own key from the one secret."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"organiser {purpose}".encode()).derive(
        secret.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(key))
