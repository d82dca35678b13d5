"""A reach table as the dashboard shows it and the CSV export writes it."""

from __future__ import annotations

from dataclasses import dataclass


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
    return f"{round(share * 100)}%"
