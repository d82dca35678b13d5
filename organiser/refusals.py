"""The one shape of a refusal: a request a domain will not carry out, and the message that says why.

As pretix's `OrderError`: the exception carries its message (often a lazy string, so that `str(error)` is in the
language of whoever reads it), and a view shows `str(error)` without knowing which rule refused.
"""

from __future__ import annotations

from typing import Any


class Refusal(Exception):
    """A refused request; `message` is what the user is told (str or a lazy translation), `str(error)` renders it."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)
