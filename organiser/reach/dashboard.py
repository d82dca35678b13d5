"""The reach dashboard: every figure of a period, its tables (also one by one for the CSV export) and charts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext

from ..extensions import utcnow
from ..i18n import format_when
from . import charts
from .departments import (
    DepartmentReach,
    DepartmentStanding,
    department_reach,
    department_reach_of,
    departments_table,
    standing_label,
)
from .first_timers import EventAttendance, event_attendance, first_timers_table, format_label
from .initiatives import DepartmentInitiatives, initiatives_per_department, initiatives_table
from .months import MonthlyAttendance, month_label, monthly_attendance, months_table
from .office_reach import OfficeReach, office_reach, office_reach_of, summary_table
from .own_initiative import origin_per_format, own_initiative_table
from .periods import Period
from .staff_reached import staff_reached
from .table import ReachTable, percent

TABLE_KEYS = ("summary", "departments", "first-timers", "months", "initiatives", "own-initiative")


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
    if key == "own-initiative":
        return own_initiative_table(origin_per_format(event_attendance(period, now)))
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
            "own-initiative": own_initiative_table(origin_per_format(self.events)),
        }


def reach_dashboard(period: Period, now: datetime | None = None) -> Dashboard:
    """All the dashboard's figures for the period, in three aggregate queries whatever the size of the data."""
    now = now or utcnow()
    events = event_attendance(period, now)
    staff = staff_reached(period, now)
    return Dashboard(
        period=period,
        office=office_reach_of(staff),
        departments=department_reach_of(staff),
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
