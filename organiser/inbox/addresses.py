"""The reply address: ORGANISER_REPLY_ADDRESS, plus-addressed per invitation (antwoord+<key>@gemeente.example)."""

from __future__ import annotations

import re

from flask import current_app

#: A key as organiser makes them: lower-case base32 (mail servers may lower-case the local part).
KEY_SHAPE = re.compile(r"^[a-z2-7]{20,64}$")


def inbox_configured() -> bool:
    """Whether organiser reads a reply mailbox (so calendar buttons answer, and scheduling mail asks them to)."""
    return reply_address() is not None


def reply_address() -> str | None:
    """The configured reply mailbox's address, lower case; None when calendar answers are not read."""
    address = (current_app.config.get("REPLY_ADDRESS") or "").strip().lower()
    return address if "@" in address and current_app.config.get("INBOX_URL") else None


def plus_address(key: str) -> str | None:
    """antwoord+<key>@domain for the configured reply address; None without one."""
    address = reply_address()
    if address is None:
        return None
    local, _at, domain = address.rpartition("@")
    return f"{local}+{key}@{domain}"


def key_of(address: str) -> str | None:
    """The key in a plus-address of the reply mailbox ('antwoord+abc…@x' → 'abc…'); None for any other address."""
    own = reply_address()
    if own is None or not address:
        return None
    own_local, _at, own_domain = own.rpartition("@")
    local, _at, domain = address.strip().lower().rpartition("@")
    base, plus, key = local.partition("+")
    if not plus or base != own_local or domain != own_domain or not KEY_SHAPE.match(key):
        return None
    return key
