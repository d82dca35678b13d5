"""The people directory for organisers: list, add, change, deactivate, delete, CSV import and export."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import signals
from ..extensions import db
from ..forms import EmptyForm, add_error
from ..spreadsheet import csv_response
from ..web import page_number
from .directory import create_person, directory_query, set_active, update_person
from .erasure import delete_person
from .export import EXPORT_HEADER, export_rows
from .forms import DirectoryFilterForm, ImportUploadForm, PersonForm
from .import_files import ImportFileError, discard_import, store_import
from .importing import Outcome, apply_import, plan_import
from .models import Person, PersonImport, PersonKind

bp = Blueprint("people", __name__, url_prefix="/people")

PER_PAGE = 50
PREVIEW_PER_PAGE = 100

#: The preview's filter on outcome, as it appears in the URL (?toon=afgewezen).
OUTCOME_PARAMS = {
    "nieuw": Outcome.NEW,
    "bijwerken": Outcome.UPDATE,
    "ongewijzigd": Outcome.UNCHANGED,
    "afgewezen": Outcome.REJECTED,
}


def _person_or_404(person_id: int) -> Person:
    person = db.get_or_404(Person, person_id)
    if person.deleted_at is not None:
        abort(404)
    return person


@bp.get("")
@login_required
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
@login_required
def export():
    """The directory (with the current filters) as a CSV file that can be imported again."""
    form = DirectoryFilterForm(request.args)
    return csv_response("mensen.csv", EXPORT_HEADER, export_rows(form.to_filter()))


@bp.route("/new", methods=["GET", "POST"])
@login_required
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
@login_required
def detail(person_id: int):
    """One person: details, and the events they were invited to."""
    person = _person_or_404(person_id)
    # The invitations domain (above people) says which guest lists the person was on.
    invitations = [row for _receiver, rows in signals.person_invitations.send(person) for row in rows]
    return render_template("people/detail.html", person=person, invitations=invitations)


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
@login_required
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
        update_person(person, form.details())
        db.session.commit()
        flash(_("De gegevens van %(name)s zijn opgeslagen.", name=person.name), "success")
        return redirect(url_for("people.detail", person_id=person.id))
    return render_template("people/form.html", form=form, person=person)


@bp.post("/<int:person_id>/deactivate")
@login_required
def deactivate(person_id: int):
    """Stop suggesting and listing someone (they stay in the directory)."""
    person = _person_or_404(person_id)
    if EmptyForm().validate_on_submit():
        set_active(person, False)
        db.session.commit()
        flash(_("%(name)s is op niet actief gezet.", name=person.name), "success")
    return redirect(url_for("people.detail", person_id=person.id))


@bp.post("/<int:person_id>/reactivate")
@login_required
def reactivate(person_id: int):
    """Make someone active again."""
    person = _person_or_404(person_id)
    if EmptyForm().validate_on_submit():
        set_active(person, True)
        db.session.commit()
        flash(_("%(name)s is weer actief.", name=person.name), "success")
    return redirect(url_for("people.detail", person_id=person.id))


@bp.route("/<int:person_id>/delete", methods=["GET", "POST"])
@login_required
def delete(person_id: int):
    """Ask for confirmation, then remove someone's personal data (counts in reports stay)."""
    person = _person_or_404(person_id)
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        name = person.name
        delete_person(person)
        db.session.commit()
        flash(_("De gegevens van %(name)s zijn verwijderd.", name=name), "success")
        return redirect(url_for("people.directory"))
    return render_template("people/delete.html", person=person, form=form)


# --- CSV import --------------------------------------------------------------------------------------------------


#: An upload's id as store_import makes it (secrets.token_urlsafe(32)); anything else is no upload.
UPLOAD_ID = re.compile(r"[A-Za-z0-9_-]{43}")


def _upload_or_404(upload_id: str) -> PersonImport:
    """An upload of the logged-in organiser; someone else's looks exactly like one that does not exist."""
    upload = db.session.get(PersonImport, upload_id) if UPLOAD_ID.fullmatch(upload_id) else None
    if upload is None or upload.organiser_id != current_user.id:
        abort(404)
    return upload


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_upload():
    """Step one of an import: choose a CSV file; it is checked and kept for the preview."""
    form = ImportUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            stored = store_import(current_user.id, upload.filename or "", upload.read())
        except ImportFileError as error:
            add_error(form.file, str(error))
        else:
            db.session.commit()
            return redirect(url_for("people.import_preview", upload_id=stored.id))
    return render_template("people/import.html", form=form)


@bp.get("/import/<upload_id>")
@login_required
def import_preview(upload_id: str):
    """Step two: what will happen to each row; nothing is saved yet."""
    upload = _upload_or_404(upload_id)
    try:
        plan = plan_import(upload.content)
    except ImportFileError as error:
        return render_template("people/import_preview.html", upload=upload, plan=None, file_error=str(error))
    show = request.args.get("toon", "")
    if show == "alle":
        show = ""
    elif show not in OUTCOME_PARAMS:
        show = "afgewezen" if plan.count(Outcome.REJECTED) else ""
    rows = [row for row in plan.rows if not show or row.outcome == OUTCOME_PARAMS[show]]
    pages = max(1, -(-len(rows) // PREVIEW_PER_PAGE))
    page = min(page_number(), pages)
    return render_template(
        "people/import_preview.html",
        upload=upload,
        plan=plan,
        file_error=None,
        show=show,
        outcome_params=OUTCOME_PARAMS,
        rows=rows[(page - 1) * PREVIEW_PER_PAGE : page * PREVIEW_PER_PAGE],
        page=page,
        pages=pages,
        total_rows=len(rows),
        per_page=PREVIEW_PER_PAGE,
        form=EmptyForm(),
    )


@bp.post("/import/<upload_id>")
@login_required
def import_commit(upload_id: str):
    """Step three: import the whole file in one go, or nothing at all."""
    upload = _upload_or_404(upload_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("people.import_preview", upload_id=upload.id))
    try:
        plan = plan_import(upload.content)
    except ImportFileError as error:
        flash(str(error), "error")
        return redirect(url_for("people.import_preview", upload_id=upload.id))
    if not plan.can_commit:
        flash(
            _("Er is niets geïmporteerd. Los eerst de afgewezen rijen op in het bestand en upload het opnieuw.")
            if plan.count(Outcome.REJECTED)
            else _("Er is niets te importeren: alle rijen staan al zo in het adresboek."),
            "error",
        )
        return redirect(url_for("people.import_preview", upload_id=upload.id))
    try:
        result = apply_import(plan)
        discard_import(upload)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        flash(
            _(
                "Er is niets geïmporteerd: het adresboek is intussen door iemand anders gewijzigd. "
                "Bekijk het voorbeeld opnieuw."
            ),
            "error",
        )
        return redirect(url_for("people.import_preview", upload_id=upload_id))
    flash(
        _(
            "Import klaar: %(created)d nieuw, %(updated)d bijgewerkt, %(unchanged)d ongewijzigd.",
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        ),
        "success",
    )
    return redirect(url_for("people.directory"))


@bp.post("/import/<upload_id>/cancel")
@login_required
def import_cancel(upload_id: str):
    """Forget an uploaded file without importing it."""
    upload = _upload_or_404(upload_id)
    if EmptyForm().validate_on_submit():
        discard_import(upload)
        db.session.commit()
        flash(_("De import is geannuleerd; er is niets opgeslagen."), "info")
    return redirect(url_for("people.import_upload"))
