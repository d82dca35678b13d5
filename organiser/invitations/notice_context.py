"""What a notice says beyond the answer, kept as JSON among its facts (deferred_notices): a change list, a reason,
"today" or "tomorrow", a calendar answer's address or comment.

The worker renders the mail from these facts (issue 15): the template gets back exactly the values the notice was
recorded with. A change list is {field: (before, after)} as events.planning.update_event returns it, with
datetimes (timezone-aware, UTC) among the values; JSON has no tuple and no datetime, so a tuple is written as a
list and read back as a tuple, and a datetime as {"datetime": ISO 8601} and read back as the same aware datetime.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

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


def from_facts(value: Any) -> Any:
    """The value `to_facts` was given (tuples for lists, datetimes for their marks)."""
    if isinstance(value, dict):
        if set(value) == {_DATETIME}:
            return datetime.fromisoformat(value[_DATETIME])
        return {key: from_facts(item) for key, item in value.items()}
    if isinstance(value, list):
        return tuple(from_facts(item) for item in value)
    return value
