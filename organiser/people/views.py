"""The people directory for organisers: list, add, change, deactivate, delete, export (the import: import_views.py)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from .. import signals
from ..auth import trail
from ..events.access import may_manage
from ..extensions import db
from ..forms import EmptyForm, add_error
from ..spreadsheet import csv_response
from ..web import page_number
from .access import DEACTIVATE, DELETE, EMAIL, PersonChangeRefused, check_change, directory_required
from .directory import create_person, directory_query, normalise_email, set_active, update_person
from .email_change import after_email_change
from .erasure import delete_person
from .export import EXPORT_HEADER, export_rows
from .forms import DirectoryFilterForm, PersonForm
from .models import Person, PersonKind

bp = Blueprint("people", __name__, url_prefix="/people")

PER_PAGE = 50


def _person_or_404(person_id: int) -> Person:
    person = db.get_or_404(Person, person_id)
    if person.deleted_at is not None:
        abort(404)
    return person


@bp.get("")
@directory_required
def directory():
    """Everyone organisers can invite: search by name or email, filter, page through."""
    form = DirectoryFilterForm(request.args)
    query = directory_query(form.to_filter()).options(selectinload(Person.department), selectinload(Person.initiatives))
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "people/directory.html",
        form=form,
        page=page,
        query_args=form.query_args(),
    )


@bp.get("/export.csv")
@directory_required
def export():
    """The directory (with the current filters) as a CSV file that can be imported again."""
    form = DirectoryFilterForm(request.args)
    trail.record("people_exported", "", None, request.query_string.decode("ascii", "replace")[:300])
    db.session.commit()
    return csv_response("mensen.csv", EXPORT_HEADER, export_rows(form.to_filter()))


@bp.route("/new", methods=["GET", "POST"])
@directory_required
def create():
    """Add a colleague or a resident."""
    form = PersonForm()
    if request.method == "GET":
        kind = request.args.get("soort", "")
        form.kind.data = kind if kind in {k.value for k in PersonKind} else PersonKind.STAFF.value
    if form.validate_on_submit():
        person = create_person(form.details())
        db.session.commit()
        flash(_("%(name)s staat nu in het adresboek.", name=person.name), "success")
        return redirect(url_for("people.detail", person_id=person.id))
    return render_template("people/form.html", form=form, person=None)


@bp.get("/<int:person_id>")
@directory_required
def detail(person_id: int):
    """One person: details, and the events they were invited to."""
    person = _person_or_404(person_id)
    # The invitations domain (above people) says which guest lists the person was on; the viewer sees only
    # those of events they manage: never a colleague's draft, nor the answers to a colleague's events.
    rows = [row for _receiver, rows in signals.person_invitations.send(person) for row in rows]
    invitations = [row for row in rows if may_manage(row.event)]
    return render_template(
        "people/detail.html", person=person, invitations=invitations, hidden_invitations=len(rows) - len(invitations)
    )


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
@directory_required
def edit(person_id: int):
    """Change someone's details."""
    person = _person_or_404(person_id)
    form = PersonForm(obj=person, person=person)
    if request.method == "GET":
        form.kind.data = person.kind.value
        form.department_id.data = str(person.department_id) if person.department_id else ""
        form.contact_role.data = person.contact_role.value if person.contact_role else None
        form.initiatives.data = [str(i.id) for i in person.initiatives]
    if form.validate_on_submit():
        details = form.details()
        old_email = person.email
        try:
            if normalise_email(details.email) != old_email:
                check_change(person, EMAIL)
        except PersonChangeRefused as error:
            add_error(form.email, str(error))
            return render_template("people/form.html", form=form, person=person), 403
        update_person(person, details)
        after_email_change(person, old_email)
        trail.record("person_changed", "person", person.id, person.name)
        db.session.commit()
        flash(_("De gegevens van %(name)s zijn opgeslagen.", name=person.name), "success")
        return redirect(url_for("people.detail", person_id=person.id))
    return render_template("people/form.html", form=form, person=person)


@bp.post("/<int:person_id>/deactivate")
@directory_required
def deactivate(person_id: int):
    """Stop suggesting and listing someone (they stay in the directory)."""
    person = _person_or_404(person_id)
    if EmptyForm().validate_on_submit() and _allowed(person, DEACTIVATE):
        set_active(person, False)
        trail.record("person_deactivated", "person", person.id, person.name)
        db.session.commit()
        flash(_("%(name)s is op niet actief gezet.", name=person.name), "success")
    return redirect(url_for("people.detail", person_id=person.id))


@bp.post("/<int:person_id>/reactivate")
@directory_required
def reactivate(person_id: int):
    """Make someone active again."""
    person = _person_or_404(person_id)
    if EmptyForm().validate_on_submit():
        set_active(person, True)
        db.session.commit()
        flash(_("%(name)s is weer actief.", name=person.name), "success")
    return redirect(url_for("people.detail", person_id=person.id))


@bp.route("/<int:person_id>/delete", methods=["GET", "POST"])
@directory_required
def delete(person_id: int):
    """Ask for confirmation, then remove someone's personal data (counts in reports stay)."""
    person = _person_or_404(person_id)
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        if not _allowed(person, DELETE):
            return redirect(url_for("people.detail", person_id=person.id))
        name = person.name
        trail.record("person_deleted", "person", person.id, name)
        delete_person(person)
        db.session.commit()
        flash(_("De gegevens van %(name)s zijn verwijderd.", name=name), "success")
        return redirect(url_for("people.directory"))
    return render_template("people/delete.html", person=person, form=form)


def _allowed(person: Person, change: str) -> bool:
    """Whether the logged-in account may make this change; if not, the reason is flashed."""
    try:
        check_change(person, change)
    except PersonChangeRefused as error:
        flash(str(error), "error")
        return False
    return True
