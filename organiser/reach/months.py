"""Attendance per month of the period."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from flask_babel import get_locale
from flask_babel import gettext as _

from ..events.models import FORMATS
from ..i18n import to_local
from .first_timers import EventAttendance, format_label
from .periods import Period
from .table import ReachTable


@dataclass(frozen=True)
class MonthlyAttendance:
    """Attendances (person × event) per month and format, and first-timers per month."""

    months: list[tuple[int, int]]
    #: format code -> counts per month, in the order of `months`.
    per_format: dict[str, list[int]]
    first_timers: list[int]
    totals: list[int]


def monthly_attendance(period: Period, events: Iterable[EventAttendance]) -> MonthlyAttendance:
    """Per month (of the event's local start) and format: the attendances; no query of its own."""
    months = period.months()
    index = {month: i for i, month in enumerate(months)}
    per_format = {code: [0] * len(months) for code in FORMATS}
    first_timers = [0] * len(months)
    for event in events:
        local = to_local(event.starts_at)
        i = index.get((local.year, local.month))
        if i is None:
            continue
        per_format.setdefault(event.format, [0] * len(months))[i] += event.attendees
        first_timers[i] += event.first_timers
    totals = [sum(counts[i] for counts in per_format.values()) for i in range(len(months))]
    return MonthlyAttendance(months=months, per_format=per_format, first_timers=first_timers, totals=totals)


def month_label(year: int, month: int, pattern: str = "MMMM y") -> str:
    """'januari 2026' (or shorter with another pattern), in the visitor's language."""
    return format_date(date(year, month, 1), pattern, locale=str(get_locale() or "nl"))


def months_table(monthly: MonthlyAttendance) -> ReachTable:
    codes = list(monthly.per_format)
    return ReachTable(
        key="months",
        caption=_("Aanwezigen per maand en werkvorm"),
        header=[_("Maand")] + [format_label(c) for c in codes] + [_("Totaal"), _("Voor het eerst")],
        rows=[
            [month_label(*month), *(monthly.per_format[c][i] for c in codes)]
            + [monthly.totals[i], monthly.first_timers[i]]
            for i, month in enumerate(monthly.months)
        ],
        numeric=frozenset(range(1, len(codes) + 3)),
    )
