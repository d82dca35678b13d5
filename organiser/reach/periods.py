"""The period a reach figure covers (by default the last year), and how it is named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from babel.dates import format_date
from flask_babel import get_locale
from sqlalchemy import ColumnElement, and_
from sqlalchemy.orm import InstrumentedAttribute

from ..extensions import utcnow
from ..i18n import local_zone, to_local


@dataclass(frozen=True)
class Period:
    """A range of whole days in the municipality's time zone, both ends included."""

    start: date
    end: date

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as moments: from the first day's midnight up to (not including) the day after the last."""
        zone = local_zone()
        return (
            datetime.combine(self.start, time(), tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time(), tzinfo=zone),
        )

    def covers(self, moment: ColumnElement[datetime] | InstrumentedAttribute[datetime]) -> ColumnElement[bool]:
        """A SQL condition: the moment (a timestamp column) falls within the period's bounds()."""
        start, end = self.bounds()
        return and_(moment >= start, moment < end)

    def months(self) -> list[tuple[int, int]]:
        """Every (year, month) the period touches, in order."""
        months, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            months.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months


@dataclass(frozen=True)
class PeriodLabel:
    start: str
    end: str


def period_label(period: Period) -> PeriodLabel:
    """'1 januari 2025' and '31 december 2025', in the visitor's language."""
    locale = str(get_locale() or "nl")
    return PeriodLabel(
        format_date(period.start, "d MMMM y", locale=locale), format_date(period.end, "d MMMM y", locale=locale)
    )


def year_before(day: date) -> date:
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def default_period(today: date | None = None) -> Period:
    """The last twelve months up to and including today."""
    today = today or to_local(utcnow()).date()
    return Period(year_before(today) + timedelta(days=1), today)
