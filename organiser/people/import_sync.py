"""Synchronising with an HR export: who of the chosen kind (and departments) is missing from it is set inactive.

The preview lists them and counts them before anything happens; the confirmation (a POST) repeats the count it
saw, and nothing is done when the directory changed in between. Someone on the guest list of a colleague's
upcoming event is left active for an organiser who does not manage it (the rule of people/access.py, as when
setting one person inactive by hand); the preview says who and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import update

from ..extensions import db, rows_matched, utcnow
from .access import DEACTIVATE, PersonChangeRefused, check_change
from .importing import ImportPlan, chunks
from .models import Person, PersonImport

SYNC_KIND, SYNC_DEPARTMENTS = "kind", "departments"


@dataclass
class SyncPlan:
    """Who an applied sync sets inactive, and who it would but may not."""

    #: People the import sets inactive, by name.
    missing: list[Person] = field(default_factory=list)
    #: (person, why they stay active)
    kept: list[tuple[Person, str]] = field(default_factory=list)
    #: The departments the sync covers (scope "departments"), by name; empty for the whole kind.
    departments: list[str] = field(default_factory=list)


def plan_sync(upload: PersonImport, plan: ImportPlan) -> SyncPlan | None:
    """The people of the upload's kind (and, with scope "departments", of the departments in the file) who are
    active but not in the file; None when the upload is no sync. One query, plus the access check per person."""
    if not upload.sync_scope:
        return None
    query = (
        db.select(Person)
        .where(Person.kind == upload.default_kind, Person.active.is_(True), Person.deleted_at.is_(None))
        .order_by(Person.name, Person.id)
    )
    sync = SyncPlan()
    if upload.sync_scope == SYNC_DEPARTMENTS:
        keys = {row.department_key for row in plan.rows if row.department_key}
        departments = [plan.known_departments[key] for key in sorted(keys) if key in plan.known_departments]
        sync.departments = sorted(d.name for d in departments) + sorted(
            plan.new_departments[key] for key in keys if key in plan.new_departments
        )
        query = query.where(Person.department_id.in_([d.id for d in departments]))
    present = plan.file_emails
    for person in db.session.scalars(query):
        if person.email in present:
            continue
        try:
            check_change(person, DEACTIVATE)
        except PersonChangeRefused as refusal:
            sync.kept.append((person, str(refusal)))
        else:
            sync.missing.append(person)
    return sync


def apply_sync(sync: SyncPlan) -> int:
    """Set inactive everyone the sync preview listed (still active); returns how many."""
    now = utcnow()
    ids = [person.id for person in sync.missing]
    count = 0
    for chunk in chunks(ids):
        result = db.session.execute(
            update(Person)
            .where(Person.id.in_(chunk), Person.active.is_(True))
            .values(active=False, deactivated_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        count += rows_matched(result) or 0
    db.session.flush()
    return count


def sync_scope_label(upload: PersonImport, sync: SyncPlan) -> str:
    """Whom the sync covers, in words."""
    kind = upload.default_kind.label.lower()
    if upload.sync_scope == SYNC_DEPARTMENTS:
        return _(
            "%(kind)s van de afdelingen in dit bestand (%(names)s)",
            kind=kind,
            names=", ".join(sync.departments) or "—",
        )
    return _("alle actieve mensen van de soort %(kind)s", kind=kind)
