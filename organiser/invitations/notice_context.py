"""What a notice says beyond the answer, kept as JSON among its facts (deferred_notices): a change list, a reason,
"today" or "tomorrow", a calendar answer's address or comment.

The worker renders the mail from these facts (issue 15): the template gets back exactly the values the notice was
recorded with. A change list is {field: (before, after)} as events.planning.update_event returns it, with
datetimes (timezone-aware, UTC) among the values; JSON has no tuple and no datetime, so a tuple is written as a
list and read back as a tuple, and a datetime as {"datetime": ISO 8601} and read back as the same aware datetime.

Some of it is personal (the comment an invitee wrote with a proposed time, another address that answered), so the
whole context is kept sealed under SECRET_KEY (`seal_context`, mail/sealing.py), like the contents of a mail
rendered when it is queued: a backup of the outbox does not show it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ..mail.sealing import seal, unseal

_DATETIME = "datetime"


def to_facts(value: Any) -> Any:
    """`value` (str, int, float, bool, None, datetime, or tuples, lists and dicts of these) as JSON-safe data.
    Raises TypeError for anything else (a model object must never end up in the outbox)."""
    if isinstance(value, datetime):
        return {_DATETIME: value.isoformat()}
    if isinstance(value, tuple | list):
        return [to_facts(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_facts(item) for key, item in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"a notice cannot keep a {type(value).__name__} among its facts")


def seal_context(context: dict[str, Any]) -> str | None:
    """The context as sealed JSON text (to_facts first; TypeError for what JSON cannot hold)."""
    return seal(json.dumps(to_facts(context), sort_keys=True))


def open_context(stored: Any) -> dict[str, Any]:
    """The context `seal_context` sealed, as the template is given it; {} for none, or when no key opens it."""
    if isinstance(stored, str):
        stored = json.loads(unseal(stored) or "{}")
    return from_facts(stored or {})


def from_facts(value: Any) -> Any:
    """The value `to_facts` was given (tuples for lists, datetimes for their marks)."""
    if isinstance(value, dict):
        if set(value) == {_DATETIME}:
            return datetime.fromisoformat(value[_DATETIME])
        return {key: from_facts(item) for key, item in value.items()}
    if isinstance(value, list):
        return tuple(from_facts(item) for item in value)
    return value
