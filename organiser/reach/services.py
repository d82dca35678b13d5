"""Reach: who met whom. Aggregate queries (a fixed number per page, whatever the data size) and attendance.

"Attended" means: the invitee said yes and the event took place (it ended and was not cancelled). Where an
organiser recorded attendance for an event (any invitation of it has `attended` set), only the people
checked in as present count for that event.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from babel import Locale
from babel.dates import format_date
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import and_, case, exists, func, literal, not_, or_, union
from sqlalchemy.orm import aliased

from ..events.models import FORMATS, Event, EventStatus, Stop, event_host
from ..extensions import db, utcnow
from ..i18n import format_when, local_zone, to_local
from ..invitations.models import Invitation, InvitationState
from ..people.models import ContactRole, Department, Person, PersonKind
from ..places.models import Initiative
from . import charts

# ---------------------------------------------------------------------------------------------------------------
# The period


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


# ---------------------------------------------------------------------------------------------------------------
# The building blocks: which events took place, who attended


def _materialized(cte):
    """Ask the database to compute a CTE once and join to its result.

    Left to themselves, SQLite (and sometimes PostgreSQL) inline the attendance CTE into every place that
    uses it and start from the wrong end: every person, then their invitations. Computed once, from the
    events of the period, it costs a small fraction of that.
    """
    dialect = db.engine.dialect.name
    if dialect == "postgresql" or (dialect == "sqlite" and sqlite3.sqlite_version_info >= (3, 35)):
        return cte.prefix_with("MATERIALIZED")
    return cte


def _took_place(now: datetime, period: Period | None = None):
    """Events that took place (ended, not cancelled; within the period if given), and whether attendance
    was recorded for them."""
    checked_in = aliased(Invitation)
    recorded = exists().where(checked_in.event_id == Event.id, checked_in.attended.is_not(None))
    query = db.select(
        Event.id.label("event_id"),
        Event.starts_at.label("starts_at"),
        Event.format.label("format"),
        recorded.label("recorded"),
    ).where(Event.status != EventStatus.CANCELLED, Event.ends_at <= now)
    if period is not None:
        start, end = period.bounds()
        query = query.where(Event.starts_at >= start, Event.starts_at < end)
    return _materialized(query.cte("took_place"))


def _attendance(now: datetime, period: Period | None = None):
    """One row per (person, event) attended: recorded check-ins where there are any, else the yes answers."""
    events = _took_place(now, period)
    invitation = aliased(Invitation)
    return _materialized(
        db.select(invitation.person_id.label("person_id"), events.c.event_id, events.c.starts_at, events.c.format)
        .join_from(events, invitation, invitation.event_id == events.c.event_id)
        .where(
            or_(
                and_(events.c.recorded, invitation.attended.is_(True)),
                and_(not_(events.c.recorded), invitation.state == InvitationState.YES),
            )
        )
        .cte("attendance")
    )


def _is_office():
    return and_(Person.kind == PersonKind.STAFF, Person.contact_role == ContactRole.OFFICE)


def _is_active():
    return and_(Person.active.is_(True), Person.deleted_at.is_(None))


# ---------------------------------------------------------------------------------------------------------------
# The figures


@dataclass(frozen=True)
class OfficeReach:
    """Office-bound colleagues who attended at least one event in the period."""

    #: Everyone office-bound who attended, including colleagues who have since left (their counts are kept).
    reached: int
    #: Of them, those still active: the numerator of the share.
    reached_active: int
    #: All active office-bound colleagues.
    active_total: int

    @property
    def share(self) -> float:
        return self.reached_active / self.active_total if self.active_total else 0.0


def office_reach(period: Period, now: datetime | None = None) -> OfficeReach:
    """How many office-bound colleagues met initiatives in the period, and what share of all of them. One query."""
    attendance = _attendance(now or utcnow(), period)
    active_total = db.select(func.count()).select_from(Person).where(_is_office(), _is_active()).scalar_subquery()
    row = db.session.execute(
        db.select(func.count(), func.coalesce(func.sum(case((_is_active(), 1), else_=0)), 0), active_total)
        .select_from(Person)
        .where(_is_office(), Person.id.in_(db.select(attendance.c.person_id)))
    ).one()
    return OfficeReach(reached=row[0], reached_active=row[1], active_total=row[2])


class DepartmentStanding:
    REACHED = "reached"
    INVITED = "invited"
    NOT_INVITED = "not_invited"


@dataclass(frozen=True)
class DepartmentReach:
    """One department's reach in the period."""

    name: str
    #: Active colleagues in the department now.
    active_staff: int
    #: Colleagues invited (an invitation was sent) to an event in the period.
    invited: int
    #: Colleagues who attended an event in the period.
    reached: int
    #: Of those reached, the office-bound.
    reached_office: int
    #: Active colleagues who were not invited in the period.
    not_invited: int

    @property
    def standing(self) -> str:
        if self.reached:
            return DepartmentStanding.REACHED
        if self.invited:
            return DepartmentStanding.INVITED
        return DepartmentStanding.NOT_INVITED


STANDING_ORDER = {DepartmentStanding.NOT_INVITED: 0, DepartmentStanding.INVITED: 1, DepartmentStanding.REACHED: 2}


def standing_label(standing: str) -> str:
    return {
        DepartmentStanding.REACHED: _("Bereikt"),
        DepartmentStanding.INVITED: _("Uitgenodigd, niet bereikt"),
        DepartmentStanding.NOT_INVITED: _("Niet uitgenodigd"),
    }[standing]


def department_reach(period: Period, now: datetime | None = None) -> list[DepartmentReach]:
    """Every department with its reach; the never reached first, so they stand out. One query."""
    attendance = _attendance(now or utcnow(), period)
    start, end = period.bounds()
    staff = (
        db.select(Person.department_id, func.count().label("active_staff"))
        .where(Person.kind == PersonKind.STAFF, _is_active())
        .group_by(Person.department_id)
        .subquery("staff")
    )
    invited_people = (
        db.select(Invitation.person_id)
        .join(Event, Event.id == Invitation.event_id)
        .where(Invitation.state != InvitationState.LISTED, Event.starts_at >= start, Event.starts_at < end)
        .distinct()
        .subquery("invited_people")
    )
    invited = (
        db.select(
            Person.department_id,
            func.count().label("invited"),
            func.sum(case((_is_active(), 1), else_=0)).label("invited_active"),
        )
        .join(invited_people, invited_people.c.person_id == Person.id)
        .where(Person.kind == PersonKind.STAFF)
        .group_by(Person.department_id)
        .subquery("invited")
    )
    # Distinct people first, then plain counts: COUNT(DISTINCT) would sort every attendance instead.
    attended_people = db.select(attendance.c.person_id).distinct().subquery("attended_people")
    reached = (
        db.select(
            Person.department_id,
            func.count().label("reached"),
            func.sum(case((Person.contact_role == ContactRole.OFFICE, 1), else_=0)).label("reached_office"),
        )
        .join(attended_people, attended_people.c.person_id == Person.id)
        .where(Person.kind == PersonKind.STAFF)
        .group_by(Person.department_id)
        .subquery("reached")
    )
    rows = db.session.execute(
        db.select(
            Department.name,
            func.coalesce(staff.c.active_staff, 0),
            func.coalesce(invited.c.invited, 0),
            func.coalesce(invited.c.invited_active, 0),
            func.coalesce(reached.c.reached, 0),
            func.coalesce(reached.c.reached_office, 0),
        )
        .outerjoin(staff, staff.c.department_id == Department.id)
        .outerjoin(invited, invited.c.department_id == Department.id)
        .outerjoin(reached, reached.c.department_id == Department.id)
    ).all()
    result = [
        DepartmentReach(
            name=name,
            active_staff=active_staff,
            invited=invited_count,
            reached=reached_count,
            reached_office=reached_office,
            not_invited=max(active_staff - invited_active, 0),
        )
        for name, active_staff, invited_count, invited_active, reached_count, reached_office in rows
    ]
    return sorted(
        result,
        key=lambda d: (
            STANDING_ORDER[d.standing],
            d.reached / d.active_staff if d.active_staff else 0,
            d.name.lower(),
        ),
    )


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


def event_attendance(period: Period, now: datetime | None = None) -> list[EventAttendance]:
    """Per event in the period: attendees and first-timers (never attended any event before). One query."""
    # First-timers look at all history, not only the period: the first event ever a person attended.
    attendance = _attendance(now or utcnow())
    ranked = db.select(
        attendance.c.person_id,
        attendance.c.event_id,
        func.row_number()
        .over(partition_by=attendance.c.person_id, order_by=(attendance.c.starts_at, attendance.c.event_id))
        .label("nth"),
    ).subquery("ranked")
    start, end = period.bounds()
    first = ranked.c.nth == 1
    rows = db.session.execute(
        db.select(
            Event.id,
            Event.title,
            Event.starts_at,
            Event.format,
            func.count(),
            func.sum(case((first, 1), else_=0)),
            func.sum(case((and_(first, _is_office()), 1), else_=0)),
        )
        .join(ranked, ranked.c.event_id == Event.id)
        .join(Person, Person.id == ranked.c.person_id)
        .where(Event.starts_at >= start, Event.starts_at < end)
        .group_by(Event.id, Event.title, Event.starts_at, Event.format)
        .order_by(Event.starts_at, Event.id)
    ).all()
    return [EventAttendance(*row) for row in rows]


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


@dataclass
class DepartmentInitiatives:
    """The initiatives colleagues of one department met, with how many colleagues met each."""

    department: str
    initiatives: list[tuple[str, int]] = field(default_factory=list)


def initiatives_per_department(period: Period, now: datetime | None = None) -> list[DepartmentInitiatives]:
    """Department × initiative: colleagues who attended an event the initiative hosted or had a stop at. One query."""
    attendance = _attendance(now or utcnow(), period)
    event_initiative = union(
        db.select(event_host.c.event_id, event_host.c.initiative_id),
        db.select(Stop.event_id, Stop.initiative_id).where(Stop.initiative_id.is_not(None)),
    ).subquery("event_initiative")
    # Who met which initiative (each pair once), then counted per department: no COUNT(DISTINCT) sort.
    encounters = (
        db.select(attendance.c.person_id, event_initiative.c.initiative_id)
        .join_from(attendance, event_initiative, event_initiative.c.event_id == attendance.c.event_id)
        .distinct()
        .subquery("encounters")
    )
    met = (
        db.select(Person.department_id, encounters.c.initiative_id, func.count().label("colleagues"))
        .join(encounters, encounters.c.person_id == Person.id)
        .where(Person.kind == PersonKind.STAFF, Person.department_id.is_not(None))
        .group_by(Person.department_id, encounters.c.initiative_id)
        .subquery("met")
    )
    rows = db.session.execute(
        db.select(Department.name, Initiative.name, func.coalesce(met.c.colleagues, literal(0)))
        .outerjoin(met, met.c.department_id == Department.id)
        .outerjoin(Initiative, Initiative.id == met.c.initiative_id)
    ).all()
    by_department: dict[str, DepartmentInitiatives] = {}
    for department, initiative, colleagues in rows:
        entry = by_department.setdefault(department, DepartmentInitiatives(department))
        if initiative is not None:
            entry.initiatives.append((initiative, colleagues))
    for entry in by_department.values():
        entry.initiatives.sort(key=lambda pair: (-pair[1], pair[0].lower()))
    return sorted(by_department.values(), key=lambda d: (-len(d.initiatives), d.department.lower()))


# ---------------------------------------------------------------------------------------------------------------
# Tables: what the dashboard shows and the CSV export downloads, from the same rows


@dataclass
class ReachTable:
    """A table as the dashboard shows it and the CSV export writes it: the first column heads each row."""

    key: str
    caption: str
    header: list[str]
    rows: list[list[object]]
    #: Indexes of columns that hold numbers (right-aligned).
    numeric: frozenset[int] = frozenset()


TABLE_KEYS = ("summary", "departments", "first-timers", "months", "initiatives")


def percent(share: float) -> str:
    return f"{round(share * 100)}%"


def summary_table(reach: OfficeReach) -> ReachTable:
    return ReachTable(
        key="summary",
        caption=_("Kantoorcollega's die initiatieven ontmoetten"),
        header=[_("Gegeven"), _("Aantal")],
        rows=[
            [_("Kantoorcollega's die minstens één bijeenkomst bijwoonden"), reach.reached],
            [_("Van hen nu nog actief"), reach.reached_active],
            [_("Actieve kantoorcollega's in totaal"), reach.active_total],
            [_("Aandeel bereikt"), percent(reach.share)],
        ],
        numeric=frozenset({1}),
    )


def departments_table(departments: list[DepartmentReach]) -> ReachTable:
    return ReachTable(
        key="departments",
        caption=_("Bereik per afdeling (niet bereikte afdelingen eerst)"),
        header=[
            _("Afdeling"),
            _("Stand"),
            _("Actieve collega's"),
            _("Uitgenodigd"),
            _("Bereikt"),
            _("Waarvan kantoor"),
            _("Niet uitgenodigd"),
        ],
        rows=[
            [
                d.name,
                standing_label(d.standing),
                d.active_staff,
                d.invited,
                d.reached,
                d.reached_office,
                d.not_invited,
            ]
            for d in departments
        ],
        numeric=frozenset({2, 3, 4, 5, 6}),
    )


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
        return f"{local.day} {self.months[local.month]} {local.year}, {local:%H:%M}"


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
        header=[
            _("Bijeenkomst"),
            _("Datum"),
            _("Werkvorm"),
            _("Aanwezig"),
            _("Voor het eerst"),
            _("Waarvan kantoorcollega's"),
        ],
        rows=[
            [
                e.title,
                dates.short(e.starts_at),
                format_label(e.format),
                e.attendees,
                e.first_timers,
                e.office_first_timers,
            ]
            for e in events
        ],
        numeric=frozenset({3, 4, 5}),
    )


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
            [month_label(*month)]
            + [monthly.per_format[c][i] for c in codes]
            + [monthly.totals[i], monthly.first_timers[i]]
            for i, month in enumerate(monthly.months)
        ],
        numeric=frozenset(range(1, len(codes) + 3)),
    )


def initiatives_table(departments: list[DepartmentInitiatives]) -> ReachTable:
    return ReachTable(
        key="initiatives",
        caption=_("Initiatieven ontmoet per afdeling"),
        header=[_("Afdeling"), _("Aantal initiatieven"), _("Initiatieven (aantal collega's)")],
        rows=[
            [
                d.department,
                len(d.initiatives),
                ", ".join(f"{name} ({count})" for name, count in d.initiatives),
            ]
            for d in departments
        ],
        numeric=frozenset({1}),
    )


def reach_table(key: str, period: Period, now: datetime | None = None) -> ReachTable:
    """One dashboard table by key (for the CSV export); runs only the query it needs."""
    if key == "summary":
        return summary_table(office_reach(period, now))
    if key == "departments":
        return departments_table(department_reach(period, now))
    if key == "first-timers":
        return first_timers_table(event_attendance(period, now))
    if key == "months":
        return months_table(monthly_attendance(period, event_attendance(period, now)))
    if key == "initiatives":
        return initiatives_table(initiatives_per_department(period, now))
    raise KeyError(key)


#: The dashboard shows the most recent events in its per-event chart and table; a page of its own lists all.
DASHBOARD_EVENTS = 30


@dataclass
class Dashboard:
    """Everything the reach dashboard shows for one period."""

    period: Period
    office: OfficeReach
    departments: list[DepartmentReach]
    events: list[EventAttendance]
    monthly: MonthlyAttendance
    initiatives: list[DepartmentInitiatives]

    @property
    def recent_events(self) -> list[EventAttendance]:
        return self.events[-DASHBOARD_EVENTS:]

    def tables(self) -> dict[str, ReachTable]:
        return {
            "summary": summary_table(self.office),
            "departments": departments_table(self.departments),
            "first-timers": first_timers_table(self.recent_events, of=len(self.events)),
            "months": months_table(self.monthly),
            "initiatives": initiatives_table(self.initiatives),
        }


def reach_dashboard(period: Period, now: datetime | None = None) -> Dashboard:
    """All the dashboard's figures for the period, in four aggregate queries whatever the size of the data."""
    now = now or utcnow()
    events = event_attendance(period, now)
    return Dashboard(
        period=period,
        office=office_reach(period, now),
        departments=department_reach(period, now),
        events=events,
        monthly=monthly_attendance(period, events),
        initiatives=initiatives_per_department(period, now),
    )


def dashboard_charts(dashboard: Dashboard) -> dict[str, charts.Chart]:
    """The dashboard's pictures, from the numbers it already has (no queries)."""
    office = dashboard.office
    ticks = [month_label(*m, pattern="MMM yy") for m in dashboard.monthly.months]
    recent = dashboard.recent_events
    return {
        "summary": charts.share_chart(
            "chart-summary",
            _("Aandeel actieve kantoorcollega's dat minstens één bijeenkomst bijwoonde"),
            _("Een balk die voor %(share)s gevuld is.", share=percent(office.share)),
            office.share,
            _(
                "%(reached)d van de %(total)d actieve kantoorcollega's bereikt (%(share)s)",
                reached=office.reached_active,
                total=office.active_total,
                share=percent(office.share),
            ),
        ),
        "departments": charts.grouped_bars(
            "chart-departments",
            _("Uitgenodigde en bereikte collega's per afdeling"),
            _("Per afdeling twee balken: het aantal uitgenodigde en het aantal bereikte collega's."),
            [
                (
                    d.name
                    if d.standing != DepartmentStanding.NOT_INVITED
                    else f"{d.name} — {standing_label(d.standing)}",
                    [
                        charts.Series(d.invited, "chart__bar--invited", _("uitgenodigd: %(n)d", n=d.invited)),
                        charts.Series(d.reached, "chart__bar--reached", _("bereikt: %(n)d", n=d.reached)),
                    ],
                )
                for d in dashboard.departments
            ],
        ),
        "first-timers": charts.grouped_bars(
            "chart-first-timers",
            _("Aanwezigen en nieuwe gezichten per bijeenkomst"),
            _("Per bijeenkomst twee balken: hoeveel mensen er waren en hoeveel van hen voor het eerst."),
            [
                (
                    f"{e.title} ({format_when(e.starts_at, 'date')})",
                    [
                        charts.Series(e.attendees, "chart__bar--attended", _("aanwezig: %(n)d", n=e.attendees)),
                        charts.Series(
                            e.first_timers, "chart__bar--first", _("voor het eerst: %(n)d", n=e.first_timers)
                        ),
                    ],
                )
                for e in recent
            ],
        ),
        "months": charts.column_panels(
            "chart-months",
            _("Aanwezigen per maand, per werkvorm"),
            _("Voor elke werkvorm een rij staafjes, één per maand; de onderste rij telt wie voor het eerst kwam."),
            ticks,
            [
                (format_label(code), "chart__bar--format", counts)
                for code, counts in dashboard.monthly.per_format.items()
            ]
            + [(_("Voor het eerst (alle werkvormen)"), "chart__bar--first", dashboard.monthly.first_timers)],
        ),
        "initiatives": charts.grouped_bars(
            "chart-initiatives",
            _("Aantal verschillende initiatieven dat collega's per afdeling ontmoetten"),
            _("Per afdeling één balk: het aantal initiatieven."),
            [
                (
                    d.department,
                    [
                        charts.Series(
                            len(d.initiatives),
                            "chart__bar--initiatives",
                            ngettext("%(num)d initiatief", "%(num)d initiatieven", len(d.initiatives)),
                        )
                    ],
                )
                for d in dashboard.initiatives
            ],
        ),
    }


# ---------------------------------------------------------------------------------------------------------------
# Attendance check-in


@dataclass
class AttendanceList:
    """The people expected at an event (said yes) and the waiting list, for check-in."""

    expected: list[Invitation]
    waiting: list[Invitation]

    @property
    def recorded(self) -> bool:
        return any(i.attended is not None for i in self.expected + self.waiting)

    @property
    def present(self) -> int:
        return sum(1 for i in self.expected + self.waiting if i.attended)


def _by_name(invitation: Invitation) -> tuple[str, int]:
    return (invitation.person.name.lower(), invitation.id)


def attendance_list(event: Event) -> AttendanceList:
    """Who said yes (and who is waiting), sorted by name, with their person loaded."""
    from sqlalchemy.orm import joinedload, selectinload

    invitations = db.session.scalars(
        db.select(Invitation)
        .options(joinedload(Invitation.person).options(joinedload(Person.department), selectinload(Person.initiatives)))
        .where(
            Invitation.event_id == event.id,
            Invitation.state.in_([InvitationState.YES, InvitationState.WAITING]),
        )
    ).all()
    expected = sorted((i for i in invitations if i.state == InvitationState.YES), key=_by_name)
    waiting = sorted((i for i in invitations if i.state == InvitationState.WAITING), key=_by_name)
    return AttendanceList(expected=expected, waiting=waiting)


def may_record_attendance(event: Event, now: datetime | None = None) -> bool:
    """Check-in opens on the day of the event (local time) and never for a cancelled event."""
    if event.is_cancelled:
        return False
    today = to_local(now or utcnow()).date()
    return to_local(event.starts_at).date() <= today


def record_attendance(event: Event, present_ids: Iterable[int]) -> int:
    """Mark who was present among the expected and waiting; everyone else on the list is absent. Returns present."""
    present = set(present_ids)
    listed = attendance_list(event)
    count = 0
    for invitation in listed.expected + listed.waiting:
        invitation.attended = invitation.id in present
        count += invitation.attended
    db.session.flush()
    return count


def clear_attendance(event: Event) -> None:
    """Forget the recorded attendance: the yes answers count again."""
    db.session.execute(
        db.update(Invitation)
        .where(Invitation.event_id == event.id, Invitation.attended.is_not(None))
        .values(attended=None)
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()


def role_label(person: Person) -> str:
    """'Kantoor · Vergunningen', 'Contactrol (frontlinie) · Wijkteams' or 'Bewoner · Havenkoor'."""
    from ..people.models import KIND_LABELS, ROLE_LABELS

    if person.kind == PersonKind.RESIDENT:
        return " · ".join([str(KIND_LABELS[PersonKind.RESIDENT])] + [i.name for i in person.initiatives])
    parts = [str(ROLE_LABELS[person.contact_role])] if person.contact_role else []
    if person.department:
        parts.append(person.department.name)
    return " · ".join(parts)


def display_name(person: Person) -> str:
    return person.name if person.deleted_at is None else _("(verwijderd)")
