"""A reach table as the dashboard shows it and the CSV export writes it."""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import percent_text


@dataclass
class ReachTable:
    """A table as the dashboard shows it and the CSV export writes it: the first column heads each row."""

    key: str
    caption: str
    header: list[str]
    rows: list[list[object]]
    #: Indexes of columns that hold numbers (right-aligned).
    numeric: frozenset[int] = frozenset()


def percent(share: float) -> str:
    """A share as the tables, charts and CSV show it: whole percent, rounded half up (i18n.whole_percent)."""
    return percent_text(share)
