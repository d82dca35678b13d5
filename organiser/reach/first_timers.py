"""Per event: how many attended, and how many of them met residents for the first time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babel import Locale
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import Subquery, and_, case, func

from ..events.models import FORMATS, Event
from ..extensions import db, utcnow
from ..i18n import local_zone, occurrence_suffix
from ..people.models import Person
from .measures import attendances, is_office
from .periods import Period
from .table import ReachTable


@dataclass(frozen=True)
class EventAttendance:
    """One event that took place in the period: how many came, and how many came for the first time ever."""

    event_id: int
    title: str
    starts_at: datetime
    format: str
    attendees: int
    first_timers: int
    office_first_timers: int
    #: Attendees who signed up on their own initiative (the open sign-up) rather than being invited.
    own_initiative: int = 0


def event_attendance(period: Period, now: datetime | None = None) -> list[EventAttendance]:
    """Per event in the period: attendees and first-timers (never attended any event before). One query."""
    # First-timers look at all history, not only the period: the first event ever a person attended.
    attendance = attendances(now or utcnow())
    _start, end = period.bounds()
    # Ranked are only the attendances that can decide: of people who attended in the period, up to its end (a later
    # attendance never changes the rank of an earlier one).
    in_period = db.select(attendance.c.person_id).where(period.covers(attendance.c.starts_at))
    ranked = (
        db.select(
            attendance.c.person_id,
            attendance.c.event_id,
            attendance.c.signed_up_at,
            func.row_number()
            .over(partition_by=attendance.c.person_id, order_by=(attendance.c.starts_at, attendance.c.event_id))
            .label("nth"),
        )
        .where(attendance.c.starts_at < end, attendance.c.person_id.in_(in_period))
        .subquery("ranked")
    )
    return per_event(ranked, period)


#: What a per-event reach table reads of an event (ShortDates.event_cells shows the last three).
EVENT_COLUMNS = (Event.id, Event.title, Event.starts_at, Event.format)


def per_event(ranked: Subquery, period: Period) -> list[EventAttendance]:
    """The events of the period with their attendees counted from `ranked` (person_id, event_id, signed_up_at,
    nth: the how-manieth event of the person), in order of their start."""
    first = ranked.c.nth == 1
    rows = db.session.execute(
        db.select(
            *EVENT_COLUMNS,
            func.count(),
            func.sum(case((first, 1), else_=0)),
            func.sum(case((and_(first, is_office()), 1), else_=0)),
            func.sum(case((ranked.c.signed_up_at.is_not(None), 1), else_=0)),
        )
        .join(ranked, ranked.c.event_id == Event.id)
        .join(Person, Person.id == ranked.c.person_id)
        .where(period.covers(Event.starts_at))
        .group_by(Event.id, Event.title, Event.starts_at, Event.format)
        .order_by(Event.starts_at, Event.id)
    ).all()
    return [EventAttendance(*row) for row in rows]


def format_label(code: str) -> str:
    return str(FORMATS[code].label) if code in FORMATS else code


class ShortDates:
    """'12 apr. 2026, 14:00' as format_when(…, 'short') writes it, but without asking Babel per row: a table
    of two thousand events otherwise spends more time formatting dates than querying."""

    def __init__(self) -> None:
        locale = Locale.parse(str(get_locale() or "nl"))
        self.months = locale.months["format"]["abbreviated"]
        self.zone = local_zone()

    def short(self, moment: datetime) -> str:
        local = moment.astimezone(self.zone)
        text = f"{local.day} {self.months[local.month]} {local.year}, {local:%H:%M}"
        return text + occurrence_suffix(moment, self.zone)  # which 02:30, on the night the clock goes back

    @staticmethod
    def event_header() -> list[str]:
        """The first columns of every per-event reach table."""
        return [_("Bijeenkomst"), _("Datum"), _("Werkvorm")]

    def event_cells(self, title: str, starts_at: datetime, code: str) -> list[object]:
        """An event's cells under event_header()."""
        return [title, self.short(starts_at), format_label(code)]


def first_timers_table(events: list[EventAttendance], of: int | None = None) -> ReachTable:
    """Per event: attendees and first-timers. `of`: how many events there are, when `events` shows only the
    most recent ones."""
    dates = ShortDates()
    caption = _("Nieuwe gezichten per bijeenkomst")
    if of is not None and of > len(events):
        caption = _(
            "Nieuwe gezichten bij de %(count)d meest recente van de %(total)d bijeenkomsten",
            count=len(events),
            total=of,
        )
    return ReachTable(
        key="first-timers",
        caption=caption,
        header=[*dates.event_header(), _("Aanwezig"), _("Voor het eerst"), _("Waarvan kantoorcollega's")],
        rows=[
            [*dates.event_cells(e.title, e.starts_at, e.format), e.attendees, e.first_timers, e.office_first_timers]
            for e in events
        ],
        numeric=frozenset({3, 4, 5}),
    )
