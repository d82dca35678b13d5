"""Mail contents sealed at rest: what the outbox stores of a rendered mail opens nothing without SECRET_KEY (issue 15).

A mail rendered when it is queued (`outbox.queue_mail`: an account link, a feed link, a host link, a sign-up's
confirmation link, the follow-up questions) carries a working secret in its text, HTML and calendar part. Only the
hash of such a secret is stored elsewhere; the mail must not undo that. So the columns that hold a mail's contents
(`OutboxMessage.text_body`, `html_body`, `ics`) are of the type `Sealed`: the value is written encrypted with
Fernet (AES-128-CBC with an HMAC-SHA256, from the `cryptography` library; RFC-less but specified at
https://github.com/fernet/spec) under a key derived from SECRET_KEY with HKDF (RFC 5869, info "organiser
outbox"), and read back decrypted. SECRET_KEY lives in the settings or the key file, never in the database: a
copy of the database or a backup holds ciphertext only. Mail recorded as facts (mail/deferred.py) holds no
contents at all while it waits.

The empty value stays empty (and NULL stays NULL), so that "has contents" (`text_body != ''`) can still be asked
in SQL, and removing contents (mail/retention.py) writes plain empties. A value written before sealing existed
(no "sealed:" prefix) is read as it is; migration 0028 seals those. A value sealed under a SECRET_KEY that is no
longer configured (nor in SECRET_KEY_FALLBACKS, Flask 3.1) reads as empty: the row has nothing to send, as after
the retention purge.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

from ..tokens import derived_fernet

#: What a sealed value starts with (a plain value never does: mail text, HTML and iCalendar start otherwise).
PREFIX = "sealed:"

_cache: dict[tuple[str, ...], MultiFernet] = {}


def _fernet() -> MultiFernet:
    """The current key first (it seals), then the fallbacks (they still open); made once per set of keys."""
    secrets = (str(current_app.config["SECRET_KEY"]),) + tuple(
        str(secret) for secret in current_app.config.get("SECRET_KEY_FALLBACKS") or ()
    )
    if secrets not in _cache:
        _cache.clear()
        _cache[secrets] = MultiFernet([derived_fernet(secret, "outbox") for secret in secrets])
    return _cache[secrets]


def seal(value: str | None) -> str | None:
    """`value` encrypted under SECRET_KEY, with PREFIX; None and "" as they are (they hold nothing)."""
    if not value or value.startswith(PREFIX):
        return value
    return PREFIX + _fernet().encrypt(value.encode("utf-8")).decode("ascii")


def unseal(value: str | None) -> str | None:
    """The plain value of a sealed one; a value without PREFIX as it is; "" when no configured key opens it."""
    if not value or not value.startswith(PREFIX):
        return value
    try:
        return _fernet().decrypt(value[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        return ""


class Sealed(TypeDecorator):
    """A Text column whose values are sealed when written and opened when read (see the module docstring)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return seal(value)

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        return unseal(value)
