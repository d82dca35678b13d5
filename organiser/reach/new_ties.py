"""New ties: what the follow-up answers (organiser/followup) say about contact that grew at the events of a period.

- Which departments met which initiatives: a colleague of department D who reports meeting someone of initiative I,
  or a resident of initiative I who reports meeting someone of department D, is one tie between D and I.
- The share of office-bound colleagues who answered and report meeting someone new.
- Per format: how often answerers met someone new, how many departments and initiatives they named, the mark.
- Per event: asked, answered, met someone new, keeps in touch, the mark (the organiser's evaluation in short).

Counted are answers to events that took place in the period (ended, not cancelled). Anonymous answers count like
named ones; nothing here carries a name. Every figure is one aggregate query, whatever the size of the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import Select, case, func, union_all

from ..events.models import Event, EventStatus
from ..extensions import db, utcnow
from ..followup.models import FollowupAnswer, FollowupChoice, FollowupRequest, RespondentRole
from ..people.models import Department
from ..places.models import Initiative
from . import charts
from .first_timers import EVENT_COLUMNS, ShortDates, format_label
from .periods import Period
from .table import ReachTable, percent

#: The new-ties tables, by the key of their CSV export.
NEW_TIES_KEYS = ("ties", "office-ties", "format-ties", "event-ties")


def _held(period: Period, now: datetime) -> Select:
    """The ids of the events that took place in the period."""
    return db.select(Event.id).where(
        Event.status != EventStatus.CANCELLED, Event.ends_at <= now, period.covers(Event.starts_at)
    )


def _count_when(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


@dataclass
class TiesMatrix:
    """Ties between departments (rows) and initiatives (columns), the busiest first."""

    departments: list[str] = field(default_factory=list)
    initiatives: list[str] = field(default_factory=list)
    counts: dict[tuple[str, str], int] = field(default_factory=dict)

    def value(self, department: str, initiative: str) -> int:
        return self.counts.get((department, initiative), 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def ties_matrix(period: Period, now: datetime | None = None) -> TiesMatrix:
    """Departments × initiatives: how many ties the answers report. One query."""
    events = _held(period, now or utcnow())
    answer, choice = FollowupAnswer, FollowupChoice
    reported_by_colleagues = (
        db.select(answer.respondent_department_id.label("department_id"), choice.initiative_id.label("initiative_id"))
        .join_from(choice, answer, choice.answer_id == answer.id)
        .where(
            answer.event_id.in_(events),
            answer.met_someone.is_(True),
            answer.respondent_department_id.is_not(None),
            choice.initiative_id.is_not(None),
        )
    )
    reported_by_residents = (
        db.select(choice.department_id, answer.respondent_initiative_id)
        .join_from(choice, answer, choice.answer_id == answer.id)
        .where(
            answer.event_id.in_(events),
            answer.met_someone.is_(True),
            answer.respondent_initiative_id.is_not(None),
            choice.department_id.is_not(None),
        )
    )
    ties = union_all(reported_by_colleagues, reported_by_residents).subquery("ties")
    rows = db.session.execute(
        db.select(Department.name, Initiative.name, func.count())
        .select_from(ties)
        .join(Department, Department.id == ties.c.department_id)
        .join(Initiative, Initiative.id == ties.c.initiative_id)
        .group_by(Department.name, Initiative.name)
    ).all()
    matrix = TiesMatrix(counts={(department, initiative): n for department, initiative, n in rows})
    per_department: dict[str, int] = {}
    per_initiative: dict[str, int] = {}
    for (department, initiative), n in matrix.counts.items():
        per_department[department] = per_department.get(department, 0) + n
        per_initiative[initiative] = per_initiative.get(initiative, 0) + n
    matrix.departments = sorted(per_department, key=lambda name: (-per_department[name], name.lower()))
    matrix.initiatives = sorted(per_initiative, key=lambda name: (-per_initiative[name], name.lower()))
    return matrix


def matrix_table(matrix: TiesMatrix) -> ReachTable:
    return ReachTable(
        key="ties",
        caption=_("Nieuwe contacten tussen afdelingen en initiatieven"),
        header=[_("Afdeling"), *matrix.initiatives, _("Totaal")],
        rows=[
            [d, *(matrix.value(d, i) for i in matrix.initiatives), sum(matrix.value(d, i) for i in matrix.initiatives)]
            for d in matrix.departments
        ],
        numeric=frozenset(range(1, len(matrix.initiatives) + 2)),
    )


#: The heat map shows at most this many initiatives (columns) and departments (rows), the busiest; the table all.
HEAT_MAX_COLUMNS = 10
HEAT_MAX_ROWS = 15


def heat_chart(matrix: TiesMatrix) -> charts.Chart:
    """The matrix as a heat map (the busiest rows and columns, so that a cell stays wide enough for its number on a
    phone); every cell carries its number (the colour only repeats it)."""
    departments = matrix.departments[:HEAT_MAX_ROWS]
    initiatives = matrix.initiatives[:HEAT_MAX_COLUMNS]
    description = _(
        "Een raster met per afdeling een rij en per initiatief een kolom (genummerd, de namen staan eronder). "
        "In elk vak staat hoeveel nieuwe contacten werden gemeld; hoe donkerder het vak, hoe meer. De tabel "
        "hieronder geeft dezelfde getallen."
    )
    if len(departments) < len(matrix.departments) or len(initiatives) < len(matrix.initiatives):
        description += " " + _(
            "Het raster toont de %(rows)d afdelingen en %(columns)d initiatieven met de meeste nieuwe contacten; "
            "de tabel toont ze allemaal.",
            rows=len(departments),
            columns=len(initiatives),
        )
    return charts.heat_map(
        "chart-ties",
        _("Nieuwe contacten tussen afdelingen en initiatieven"),
        description,
        departments,
        initiatives,
        [[matrix.value(d, i) for i in initiatives] for d in departments],
    )


@dataclass(frozen=True)
class OfficeTies:
    """Answers in the period, and how many office-bound colleagues among them report meeting someone new."""

    answers: int
    met_someone: int
    office_answers: int
    office_met_someone: int

    @property
    def office_share(self) -> float:
        return self.office_met_someone / self.office_answers if self.office_answers else 0.0


def office_ties(period: Period, now: datetime | None = None) -> OfficeTies:
    """How many answered, and how many office-bound colleagues report a new contact. One query."""
    answer = FollowupAnswer
    office = answer.respondent_role == RespondentRole.OFFICE
    row = db.session.execute(
        db.select(
            func.count(),
            _count_when(answer.met_someone.is_(True)),
            _count_when(office),
            _count_when(office & answer.met_someone.is_(True)),
        ).where(answer.event_id.in_(_held(period, now or utcnow())))
    ).one()
    return OfficeTies(*row)


def office_table(ties: OfficeTies) -> ReachTable:
    return ReachTable(
        key="office-ties",
        caption=_("Kantoorcollega's die iemand nieuw leerden kennen"),
        header=[_("Gegeven"), _("Aantal")],
        rows=[
            [_("Antwoorden op de vragen na afloop"), ties.answers],
            [_("Waarvan iemand nieuw leren kennen"), ties.met_someone],
            [_("Antwoorden van kantoorcollega's"), ties.office_answers],
            [_("Waarvan iemand nieuw leren kennen"), ties.office_met_someone],
            [_("Aandeel kantoorcollega's met een nieuw contact"), percent(ties.office_share)],
        ],
        numeric=frozenset({1}),
    )


@dataclass(frozen=True)
class FormatTies:
    """One format's answers: how many, how many met someone new, how many groups they named, the average mark."""

    format: str
    events: int
    answers: int
    met_someone: int
    groups_named: int
    average_rating: float | None

    @property
    def share(self) -> float:
        return self.met_someone / self.answers if self.answers else 0.0


def format_ties(period: Period, now: datetime | None = None) -> list[FormatTies]:
    """Per format, the most contact first (share meeting someone new, then groups named per answer). One query."""
    answer = FollowupAnswer
    named = (
        db.select(FollowupChoice.answer_id, func.count().label("groups"))
        .group_by(FollowupChoice.answer_id)
        .subquery("named")
    )
    rows = db.session.execute(
        db.select(
            Event.format,
            func.count(func.distinct(Event.id)),
            func.count(answer.id),
            _count_when(answer.met_someone.is_(True)),
            func.coalesce(func.sum(named.c.groups), 0),
            func.avg(answer.rating),
        )
        .join(answer, answer.event_id == Event.id)
        .outerjoin(named, named.c.answer_id == answer.id)
        .where(Event.id.in_(_held(period, now or utcnow())))
        .group_by(Event.format)
    ).all()
    formats = [FormatTies(f, e, a, m, g, float(r) if r is not None else None) for f, e, a, m, g, r in rows]
    return sorted(formats, key=lambda f: (-f.share, -(f.groups_named / f.answers if f.answers else 0), f.format))


def _mark(value: float | None) -> str:
    return format_decimal(value, format="0.0") if value is not None else "–"


def format_table(formats: list[FormatTies]) -> ReachTable:
    return ReachTable(
        key="format-ties",
        caption=_("Welke werkvormen leveren het meeste contact op"),
        header=[
            _("Werkvorm"),
            _("Bijeenkomsten"),
            _("Antwoorden"),
            _("Iemand nieuw leren kennen"),
            _("Aandeel"),
            _("Genoemde afdelingen en initiatieven"),
            _("Gemiddeld cijfer"),
        ],
        rows=[
            [
                format_label(f.format),
                f.events,
                f.answers,
                f.met_someone,
                percent(f.share),
                f.groups_named,
                _mark(f.average_rating),
            ]
            for f in formats
        ],
        numeric=frozenset({1, 2, 3, 4, 5, 6}),
    )


@dataclass(frozen=True)
class EventTies:
    """One event's follow-up in short: asked, answered, met someone new, keeps in touch, the average mark."""

    event_id: int
    title: str
    starts_at: datetime
    format: str
    asked: int
    answers: int
    met_someone: int
    keeps_in_touch: int
    average_rating: float | None


def event_ties(period: Period, now: datetime | None = None) -> list[EventTies]:
    """Per event of the period with a follow-up, oldest first. One query."""
    answer = FollowupAnswer
    asked = (
        db.select(FollowupRequest.event_id, func.count().label("asked"))
        .group_by(FollowupRequest.event_id)
        .subquery("asked")
    )
    answered = (
        db.select(
            answer.event_id,
            func.count().label("answers"),
            _count_when(answer.met_someone.is_(True)).label("met"),
            _count_when(answer.keeps_in_touch.is_(True)).label("touch"),
            func.avg(answer.rating).label("rating"),
        )
        .group_by(answer.event_id)
        .subquery("answered")
    )
    rows = db.session.execute(
        db.select(
            *EVENT_COLUMNS,
            func.coalesce(asked.c.asked, 0),
            func.coalesce(answered.c.answers, 0),
            func.coalesce(answered.c.met, 0),
            func.coalesce(answered.c.touch, 0),
            answered.c.rating,
        )
        .outerjoin(asked, asked.c.event_id == Event.id)
        .outerjoin(answered, answered.c.event_id == Event.id)
        .where(Event.id.in_(_held(period, now or utcnow())), (asked.c.asked > 0) | (answered.c.answers > 0))
        .order_by(Event.starts_at, Event.id)
    ).all()
    return [
        EventTies(event_id, title, starts_at, code, asked_n, answers, met, touch, float(r) if r is not None else None)
        for event_id, title, starts_at, code, asked_n, answers, met, touch, r in rows
    ]


def event_table(events: list[EventTies]) -> ReachTable:
    dates = ShortDates()
    return ReachTable(
        key="event-ties",
        caption=_("Vragen na afloop per bijeenkomst"),
        header=[
            *dates.event_header(),
            _("Gevraagd"),
            _("Geantwoord"),
            _("Iemand nieuw leren kennen"),
            _("Houdt contact"),
            _("Gemiddeld cijfer"),
        ],
        rows=[
            [
                *dates.event_cells(e.title, e.starts_at, e.format),
                e.asked,
                e.answers,
                e.met_someone,
                e.keeps_in_touch,
                _mark(e.average_rating),
            ]
            for e in events
        ],
        numeric=frozenset({3, 4, 5, 6, 7}),
    )


@dataclass
class NewTies:
    """Everything the new-ties page shows for one period."""

    period: Period
    matrix: TiesMatrix
    office: OfficeTies
    formats: list[FormatTies]
    events: list[EventTies]

    def tables(self) -> dict[str, ReachTable]:
        return {
            "ties": matrix_table(self.matrix),
            "office-ties": office_table(self.office),
            "format-ties": format_table(self.formats),
            "event-ties": event_table(self.events),
        }


def new_ties(period: Period, now: datetime | None = None) -> NewTies:
    """All new-ties figures of the period: four aggregate queries whatever the size of the data."""
    now = now or utcnow()
    return NewTies(
        period, ties_matrix(period, now), office_ties(period, now), format_ties(period, now), event_ties(period, now)
    )


def new_ties_table(key: str, period: Period, now: datetime | None = None) -> ReachTable:
    """One new-ties table by key (for the CSV export); runs only the query it needs."""
    if key == "ties":
        return matrix_table(ties_matrix(period, now))
    if key == "office-ties":
        return office_table(office_ties(period, now))
    if key == "format-ties":
        return format_table(format_ties(period, now))
    if key == "event-ties":
        return event_table(event_ties(period, now))
    raise KeyError(key)
