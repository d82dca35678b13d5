"""The directory import for organisers: upload (CSV or .xlsx), say which column is what, preview, confirm.

Every step after the upload works on the stored upload (import_files.py): the mapping step changes its column
choices, the preview (GET) changes nothing, the confirmation (POST) applies what the preview showed, or nothing
when the file or the directory changed in between.
"""

from __future__ import annotations

import json
import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..forms import EmptyForm, add_error
from ..spreadsheet import csv_response
from ..web import page_number
from .access import directory_required
from .forms import SYNC_SCOPES, ImportCommitForm, ImportUploadForm, mapping_form
from .import_columns import (
    FIELDS,
    MAX_MAPPED_COLUMNS,
    columns_from_json,
    columns_json,
    guess_columns,
    missing_columns,
    needs_mapping,
    read_table,
    remember_columns,
)
from .import_files import (
    ImportFileError,
    ImportOptions,
    discard_import,
    encoding_name,
    mark_applied,
    read_upload,
    store_import,
)
from .import_rows import Outcome
from .import_sync import apply_sync, plan_sync, sync_scope_label
from .importing import ImportPlan, apply_import, plan_import
from .models import ContactRole, PersonImport, PersonKind

bp = Blueprint("people_import", __name__, url_prefix="/people/import")

PREVIEW_PER_PAGE = 100

#: The preview shows the first rows as read, up to this many columns wide.
FIRST_ROWS_COLUMNS = 30

#: The preview's filter on outcome, as it appears in the URL (?toon=afgewezen).
OUTCOME_PARAMS = {
    "nieuw": Outcome.NEW,
    "bijwerken": Outcome.UPDATE,
    "ongewijzigd": Outcome.UNCHANGED,
    "afgewezen": Outcome.REJECTED,
}

#: How the preview names a separator.
DELIMITER_NAMES = {";": _l("puntkomma (;)"), ",": _l("komma (,)"), "\t": _l("tab")}

#: An upload's id as store_import makes it (secrets.token_urlsafe(32)); anything else is no upload.
UPLOAD_ID = re.compile(r"[A-Za-z0-9_-]{43}")


def _upload_or_404(upload_id: str, lock: bool = False) -> PersonImport:
    """An upload of the logged-in organiser; someone else's looks exactly like one that does not exist.

    With lock, the row is locked until the commit (PostgreSQL), so two confirmations of one upload run one after
    the other and the second finds it applied.
    """
    upload = (
        db.session.get(PersonImport, upload_id, with_for_update=lock, populate_existing=lock)
        if UPLOAD_ID.fullmatch(upload_id)
        else None
    )
    if upload is None or upload.organiser_id != current_user.id:
        abort(404)
    return upload


def _already_applied(upload: PersonImport):
    """The answer to a step of an import that was carried out already (a second click, the back button)."""
    assert upload.applied_at is not None
    flash(
        _(
            "Deze import is al uitgevoerd (%(moment)s); er is niets dubbel opgeslagen. Het resultaat staat in het "
            "adresboek. Wilt u opnieuw importeren, upload het bestand dan opnieuw.",
            moment=format_datetime(upload.applied_at, "short"),
        ),
        "info",
    )
    return redirect(url_for("people.directory"))


def _pending_upload(upload_id: str, lock: bool = False) -> PersonImport:
    """An upload of the logged-in organiser not carried out yet (`_upload_or_404`, also for `lock`); for one
    carried out already the request ends here with `_already_applied`."""
    upload = _upload_or_404(upload_id, lock)
    if upload.applied_at:
        abort(_already_applied(upload))
    return upload


def _file_error_page(upload: PersonImport, error: ImportFileError):
    """The preview page saying why the stored file cannot be read as a table (nothing else to show)."""
    return render_template("people/import_preview.html", upload=upload, plan=None, file_error=str(error))


def _plan_or_back(upload: PersonImport) -> ImportPlan:
    """What importing `upload` would do; where the file cannot be read, the request ends here with the reason
    flashed and a redirect to the preview (which says it again)."""
    try:
        return plan_import(upload)
    except ImportFileError as error:
        flash(str(error), "error")
        abort(redirect(url_for("people_import.preview", upload_id=upload.id)))


@bp.route("", methods=["GET", "POST"])
@directory_required
def upload():
    """Step one: choose a CSV or Excel file and what to do with what it leaves out; it is read and kept."""
    form = ImportUploadForm()
    if form.validate_on_submit():
        file = form.file.data
        options = ImportOptions(
            default_kind=PersonKind(form.default_kind.data),
            default_role=ContactRole(form.default_role.data),
            sync_scope=SYNC_SCOPES.get(form.sync.data or "", ""),
        )
        try:
            read = read_upload(file.read(), form.sheet.data or "")
            columns = guess_columns(read_table(read.text, read.delimiter).header)
            missing = missing_columns([c or "" for c in columns])
            if missing and None not in columns:  # every header is known: no mapping could supply what is missing
                raise ImportFileError(_("Het bestand mist: %(missing)s.", missing="; ".join(missing)))
        except ImportFileError as error:
            add_error(form.file, str(error))
        else:
            stored = store_import(current_user.id, file.filename or "", read, options, columns_json(columns))
            db.session.commit()
            step = "people_import.columns" if needs_mapping(columns) else "people_import.preview"
            return redirect(url_for(step, upload_id=stored.id))
    return render_template("people/import.html", form=form)


@bp.route("/<upload_id>/kolommen", methods=["GET", "POST"])
@directory_required
def columns(upload_id: str):
    """Step two where needed: say which column is what; the choices are remembered for the next file."""
    upload = _pending_upload(upload_id)
    try:
        table = read_table(upload.content, upload.delimiter)
    except ImportFileError as error:
        return _file_error_page(upload, error)
    form = mapping_form(table.header, columns_from_json(upload.columns), [cells for _line, cells in table.rows[:3]])
    if form.validate_on_submit():
        chosen = form.chosen() + [""] * max(0, len(table.header) - MAX_MAPPED_COLUMNS)
        upload.columns = json.dumps(chosen)
        remember_columns(table.header, chosen)
        db.session.commit()
        return redirect(url_for("people_import.preview", upload_id=upload.id))
    return render_template(
        "people/import_columns.html",
        upload=upload,
        form=form,
        not_listed=max(0, len(table.header) - MAX_MAPPED_COLUMNS),
        encoding=encoding_name(upload.encoding),
    )


@bp.get("/<upload_id>")
@directory_required
def preview(upload_id: str):
    """Step three: what will happen to each row, and to whom the file leaves out; nothing is saved yet."""
    upload = _pending_upload(upload_id)
    try:
        plan = plan_import(upload)
    except ImportFileError as error:
        return _file_error_page(upload, error)
    sync = plan_sync(upload, plan)
    show = request.args.get("toon", "")
    if show == "alle":
        show = ""
    elif show not in OUTCOME_PARAMS:
        show = "afgewezen" if plan.count(Outcome.REJECTED) else ""
    rows = [row for row in plan.rows if not show or row.outcome == OUTCOME_PARAMS[show]]
    pages = max(1, -(-len(rows) // PREVIEW_PER_PAGE))
    page = min(page_number(), pages)
    header = plan.parsed.header[:FIRST_ROWS_COLUMNS]
    first_header = [cell or _("Kolom %(number)d", number=n) for n, cell in enumerate(header, start=1)]
    first_rows = [(row.cells + [""] * len(header))[: len(header)] for row in plan.rows[:3]]
    return render_template(
        "people/import_preview.html",
        upload=upload,
        plan=plan,
        sync=sync,
        sync_scope=sync_scope_label(upload, sync) if sync else "",
        file_error=None,
        encoding=encoding_name(upload.encoding),
        delimiter=str(DELIMITER_NAMES.get(upload.delimiter, upload.delimiter)),
        first_header=first_header,
        first_rows=first_rows,
        fields=FIELDS,
        show=show,
        outcome_params=OUTCOME_PARAMS,
        rows=rows[(page - 1) * PREVIEW_PER_PAGE : page * PREVIEW_PER_PAGE],
        page=page,
        pages=pages,
        total_rows=len(rows),
        per_page=PREVIEW_PER_PAGE,
    )


@bp.get("/<upload_id>/afgewezen.csv")
@directory_required
def rejected_rows(upload_id: str):
    """The refused rows as the file had them, each with why, to correct and upload again."""
    upload = _pending_upload(upload_id)
    plan = _plan_or_back(upload)
    header = plan.parsed.header
    rows = [
        [row.line, *(row.cells + [""] * (len(header) - len(row.cells)))[: len(header)], " ".join(row.errors)]
        for row in plan.rejected
    ]
    return csv_response("afgewezen-rijen.csv", [_("Regel"), *header, _("Reden afwijzing")], rows)


@bp.post("/<upload_id>")
@directory_required
def commit(upload_id: str):
    """Step four: carry out what the preview showed (with the good rows only, when asked), or nothing at all."""
    upload = _pending_upload(upload_id, lock=True)
    form = ImportCommitForm()
    back = redirect(url_for("people_import.preview", upload_id=upload.id))
    if not form.validate_on_submit():
        return back
    plan = _plan_or_back(upload)
    sync = plan_sync(upload, plan)
    seen = (form.expected_new.data, form.expected_update.data, form.expected_rejected.data)
    now = (plan.count(Outcome.NEW), plan.count(Outcome.UPDATE), plan.count(Outcome.REJECTED))
    if seen != now or form.expected_deactivate.data != (len(sync.missing) if sync else 0):
        flash(
            _(
                "Er is niets geïmporteerd: het adresboek is veranderd sinds u het voorbeeld bekeek. "
                "Bekijk het voorbeeld opnieuw."
            ),
            "error",
        )
        return back
    if plan.count(Outcome.REJECTED) and not form.skip_rejected.data:
        flash(
            _("Er is niets geïmporteerd. Los eerst de afgewezen rijen op in het bestand en upload het opnieuw."),
            "error",
        )
        return back
    if not plan.has_changes and not (sync and sync.missing):
        flash(_("Er is niets te importeren: alle rijen staan al zo in het adresboek."), "error")
        return back
    try:
        result = apply_import(plan, skip_rejected=bool(form.skip_rejected.data))
        deactivated = apply_sync(sync) if sync else 0
        mark_applied(upload)
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
        return back
    message = _(
        "Import klaar: %(created)d nieuw, %(updated)d bijgewerkt, %(unchanged)d ongewijzigd.",
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
    )
    if result.skipped:
        message += " " + ngettext(
            "%(num)d afgewezen rij is overgeslagen.", "%(num)d afgewezen rijen zijn overgeslagen.", result.skipped
        )
    if sync:
        message += " " + ngettext(
            "%(num)d persoon die niet in het bestand stond, is op niet actief gezet.",
            "%(num)d mensen die niet in het bestand stonden, zijn op niet actief gezet.",
            deactivated,
        )
    flash(message, "success")
    return redirect(url_for("people.directory"))


@bp.post("/<upload_id>/cancel")
@directory_required
def cancel(upload_id: str):
    """Forget an uploaded file without importing it."""
    upload = _pending_upload(upload_id)
    if EmptyForm().validate_on_submit():
        discard_import(upload)
        db.session.commit()
        flash(_("De import is geannuleerd; er is niets opgeslagen."), "info")
    return redirect(url_for("people_import.upload"))
