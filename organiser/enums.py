"""Enums with a label for people (the column type is extensions.string_enum)."""

from __future__ import annotations

import enum
from typing import Any, ClassVar


class LabelledEnum(enum.StrEnum):
    """A StrEnum whose members carry a text for people: `PersonKind.STAFF.label` is "Collega".

    Subclasses set `__labels__` to a dict from each value to its (lazily translated) label.
    """

    __labels__: ClassVar[dict[str, Any]] = {}
    _value_: str

    @property
    def label(self) -> str:
        return str(type(self).__labels__[self.value])

    @classmethod
    def choices(cls) -> list[tuple[str, Any]]:
        """(value, label) for every member, in definition order: the choices of a select field (labels stay lazy,
        so a form defined at import time shows them in the visitor's language)."""
        return [(member.value, cls.__labels__[member.value]) for member in cls]
