"""Reach pages: the dashboard and the new ties with their CSV exports, and the attendance check-in list of an event."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..events.access import event_for_organiser
from ..extensions import db
from ..people.directory import display_name, role_label
from ..spreadsheet import csv_response
from . import attendance as attendance_work
from .attendance import attendance_list, may_record_attendance, record_attendance
from .dashboard import TABLE_KEYS, dashboard_charts, reach_dashboard, reach_table
from .forms import AttendanceForm, ClearAttendanceForm, PeriodForm
from .new_ties import NEW_TIES_KEYS, heat_chart, new_ties, new_ties_table
from .periods import Period, default_period, period_label

bp = Blueprint("reach", __name__)


def _asked_period() -> tuple[PeriodForm, Period | None]:
    """The period from the query string: the last twelve months when none is given, None when it is invalid."""
    form = PeriodForm(formdata=request.args if request.args else None)
    if not request.args:
        period = default_period()
        form.date_from.data, form.date_to.data = period.start, period.end
        return form, period
    return form, form.period() if form.validate() else None


def _chosen_period() -> tuple[PeriodForm, Period]:
    """The period of a page: an invalid one is explained on that page and replaced by the last twelve months."""
    form, period = _asked_period()
    if period is None:
        flash(_("Deze periode klopt niet. U ziet nu de afgelopen twaalf maanden."), "error")
        return form, default_period()
    return form, period


def _period_page(template: str, form: PeriodForm, period: Period, **context):
    """A reach page of one period: with the period form, the period in words and the query-string arguments
    (period_args) that keep it in the page's links (the CSV exports)."""
    return render_template(
        template,
        form=form,
        period_args={"from": period.start.isoformat(), "to": period.end.isoformat()},
        period_label=period_label(period),
        **context,
    )


@bp.get("/reach")
@login_required
def dashboard():
    """The reach dashboard: office-bound colleagues reached, departments, first-timers, initiatives met."""
    form, period = _chosen_period()
    dashboard = reach_dashboard(period)
    return _period_page(
        "reach/dashboard.html",
        form,
        period,
        dashboard=dashboard,
        tables=dashboard.tables(),
        charts=dashboard_charts(dashboard),
        standing_class=_standing_class,
    )


def _standing_class(row: list) -> str:
    """Departments nobody from attended stand out (in words too: the 'Stand' column)."""
    return "row--attention" if row[4] == 0 else ""


@bp.get("/reach/first-timers")
@login_required
def first_timers():
    """Every event of the period with its attendees and first-timers (the dashboard shows the most recent)."""
    form, period = _chosen_period()
    return _period_page("reach/first_timers.html", form, period, table=reach_table("first-timers", period))


@bp.get("/reach/new-ties")
@login_required
def ties():
    """New ties: which departments met which initiatives, office colleagues with a new contact, formats, events."""
    form, period = _chosen_period()
    figures = new_ties(period)
    return _period_page(
        "reach/new_ties.html",
        form,
        period,
        figures=figures,
        tables=figures.tables(),
        chart=heat_chart(figures.matrix),
    )


@bp.get("/reach/<key>.csv")
@login_required
def export(key: str):
    """One dashboard or new-ties table as a CSV file (safe to open in a spreadsheet); 400 for an invalid period."""
    if key not in TABLE_KEYS and key not in NEW_TIES_KEYS:
        abort(404)
    _form, period = _asked_period()
    if period is None:
        # A file of another period than asked for would be taken for the one asked for; and a message for a page
        # would wait for whatever page comes next.
        message = _(
            "Deze periode klopt niet, dus er is geen bestand gemaakt. Kies de periode op de pagina Bereik en download "
            "het bestand daar."
        )
        return render_template("error.html", title=_("Ongeldige periode"), message=message), 400
    table = new_ties_table(key, period) if key in NEW_TIES_KEYS else reach_table(key, period)
    filename = f"bereik-{key}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return csv_response(filename, table.header, table.rows)


@bp.route("/events/<int:event_id>/attendance", methods=["GET", "POST"])
@login_required
def attendance(event_id: int):
    """Check-in: tick who is present; unticked people count as absent once attendance is recorded."""
    event = event_for_organiser(event_id)
    listed = attendance_list(event)
    form = AttendanceForm(invitation_ids=[i.id for i in listed.expected + listed.waiting])
    if request.method == "GET":
        form.present.data = [i.id for i in listed.expected + listed.waiting if i.attended]
        form.shown.data = ",".join(str(i) for i in form.present.data)
    open_now = may_record_attendance(event)
    if request.method == "POST":
        if not open_now:
            flash(_("U kunt de aanwezigheid vastleggen vanaf de dag van de bijeenkomst."), "error")
            return redirect(url_for("reach.attendance", event_id=event.id))
        if form.validate_on_submit():
            if not form.present.data and not form.nobody_came.data:
                form.nobody_came.errors = [
                    _(
                        "U heeft niemand aangevinkt, dus er is niets opgeslagen. Vink aan wie er was, of bevestig "
                        "dat er niemand is gekomen."
                    )
                ]
            else:
                present = record_attendance(event, form.present.data or [], form.shown_present())
                db.session.commit()
                flash(_("De aanwezigheid is opgeslagen: %(count)d aanwezig.", count=present), "success")
                return redirect(url_for("reach.attendance", event_id=event.id))
    return render_template(
        "reach/attendance.html",
        event=event,
        listed=listed,
        form=form,
        open_now=open_now,
        clear_form=ClearAttendanceForm(),
        role_label=role_label,
        display_name=display_name,
    ), 400 if form.errors else 200


@bp.post("/events/<int:event_id>/attendance/clear")
@login_required
def clear_attendance(event_id: int):
    """Forget the recorded attendance, so that the yes answers count again."""
    event = event_for_organiser(event_id)
    form = ClearAttendanceForm()
    if form.validate_on_submit():
        attendance_work.clear_attendance(event)
        db.session.commit()
        flash(_("De vastgelegde aanwezigheid is gewist. Wie ja zei, telt weer als aanwezig."), "success")
    else:
        flash(_("Er is niets gewist. Vink aan dat u de vastgelegde aanwezigheid wilt wissen."), "error")
    return redirect(url_for("reach.attendance", event_id=event.id))


@bp.get("/events/<int:event_id>/attendance/print")
@login_required
def attendance_print(event_id: int):
    """A printable check-in list: names with an empty box to tick on paper."""
    event = event_for_organiser(event_id)
    return render_template(
        "reach/attendance_print.html",
        event=event,
        listed=attendance_list(event),
        role_label=role_label,
        display_name=display_name,
    )
