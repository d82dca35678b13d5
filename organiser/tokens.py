"""Secret link tokens: random, only their hash stored, compared by hash lookup."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """A URL-safe token of 256 random bits."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest stored in place of the token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def looks_like_token(token: str) -> bool:
    """Cheap shape check before touching the database (43 URL-safe characters)."""
    return 20 <= len(token) <= 64 and all(c.isalnum() or c in "-_" for c in token)
