"""Enums with a label for people, and their column type: shared by every domain's models."""

from __future__ import annotations

import enum
from typing import Any, ClassVar

from sqlalchemy import Enum


class LabelledEnum(enum.StrEnum):
    """A StrEnum whose members carry a text for people: `PersonKind.STAFF.label` is "Collega".

    Subclasses set `__labels__` to a dict from each value to its (lazily translated) label.
    """

    __labels__: ClassVar[dict[str, Any]] = {}

    @property
    def label(self) -> str:
        return str(type(self).__labels__[self.value])

    @classmethod
    def choices(cls) -> list[tuple[str, Any]]:
        """(value, label) for every member, in definition order: the choices of a select field (labels stay lazy,
        so a form defined at import time shows them in the visitor's language)."""
        return [(member.value, cls.__labels__[member.value]) for member in cls]


def enum_column(cls: type[enum.Enum], name: str) -> Enum:
    """A column type for a StrEnum: stored as its value in a VARCHAR with a CHECK constraint."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda e: [m.value for m in e],
    )
