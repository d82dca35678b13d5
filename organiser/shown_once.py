"""Secrets a page shows once after a POST (a new feed link, a host link, recovery codes), with Post/Redirect/Get.

The POST makes the secret, keeps it sealed in the visitor's session and redirects; the GET shows it. Refreshing
the page then shows the same secret again instead of sending the form again (which would make a new secret and
stop the one just saved from working). Only the hash of such a secret is stored, so it cannot wait in the
database; Flask's session cookie is signed, not encrypted, so it is sealed with Fernet (AES-128-CBC with an
HMAC, from the `cryptography` library) under a key derived from SECRET_KEY: whoever reads the cookie cannot read
the secret, and it expires after SHOWN_FOR (Fernet's time-to-live). The page says that it is shown only now.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, session

from .tokens import derived_fernet

#: How long a sealed secret can be shown again (a refresh, the back button) before it is gone.
SHOWN_FOR = timedelta(minutes=10)


def _fernet() -> Fernet:
    return derived_fernet(str(current_app.config["SECRET_KEY"]), "shown-once")


def keep(purpose: str, owner: str | int, value: Any) -> None:
    """Seal `value` (JSON) in the session for the page that shows it; `owner` (a person's or link's id) makes
    sure it is shown only on that owner's page."""
    sealed = _fernet().encrypt(json.dumps({"owner": str(owner), "value": value}).encode("utf-8"))
    session[f"shown_once_{purpose}"] = sealed.decode("ascii")


def shown(purpose: str, owner: str | int) -> Any | None:
    """The value kept for this purpose and owner, or None (none kept, another owner's, expired, or tampered)."""
    sealed = session.get(f"shown_once_{purpose}")
    if not isinstance(sealed, str):
        return None
    try:
        data = json.loads(_fernet().decrypt(sealed.encode("ascii"), ttl=int(SHOWN_FOR.total_seconds())))
    except (InvalidToken, ValueError):
        session.pop(f"shown_once_{purpose}", None)
        return None
    if not isinstance(data, dict) or data.get("owner") != str(owner):
        return None
    return data.get("value")


def forget(purpose: str) -> None:
    """Drop a kept value (the secret stopped working, or another was made)."""
    session.pop(f"shown_once_{purpose}", None)
