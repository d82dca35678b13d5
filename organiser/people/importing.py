"""Importing people: plan what each row of a stored upload would do (new, update, unchanged, rejected), then apply
the good rows (all of them, or on request the good ones of a file with refused rows).

Reading the file is import_files.py, which column is what import_columns.py, the rules of a row import_rows.py,
setting inactive who is missing from a synchronised export import_sync.py. Functions flush, never commit: the view
commits once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import cast

from flask_babel import gettext as _
from sqlalchemy import Table, delete, insert, update

from ..extensions import db, utcnow
from ..places.models import Initiative
from .directory import normalise_email
from .export import KIND_CODES, ROLE_CODES
from .import_columns import ParsedFile, columns_from_json, parse_people, read_table
from .import_rows import Existing, Outcome, RowContext, RowPlan, check_row
from .models import Department, Person, PersonImport, person_initiative, search_key_for

#: Large IN (...) lists are split: SQLite allows at most 32,766 parameters per statement.
CHUNK = 500


def chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class ImportPlan:
    """The preview: every row with its outcome, and the departments that the commit will create."""

    parsed: ParsedFile
    rows: list[RowPlan]
    #: Lower-cased name -> Department, for the departments that already exist.
    known_departments: dict[str, Department]
    #: Lower-cased name -> name as written, for the departments the commit will create.
    new_departments: dict[str, str]

    def count(self, outcome: Outcome) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def counts(self) -> dict[Outcome, int]:
        return {outcome: self.count(outcome) for outcome in Outcome}

    @property
    def has_changes(self) -> bool:
        return (self.count(Outcome.NEW) + self.count(Outcome.UPDATE)) > 0

    @property
    def can_commit(self) -> bool:
        """Without asking: only a file without rejected rows, and with something to do."""
        return self.count(Outcome.REJECTED) == 0 and self.has_changes

    @property
    def file_emails(self) -> set[str]:
        """Every address in the file, also of refused rows: nobody in the file counts as missing from it."""
        return {row.email for row in self.rows if row.email}

    @property
    def rejected(self) -> list[RowPlan]:
        return [row for row in self.rows if row.outcome == Outcome.REJECTED]


def _existing_people(emails: list[str]) -> dict[str, Existing]:
    """The people already in the directory with these addresses, with their initiatives: a few bulk queries."""
    found: dict[str, Existing] = {}
    for chunk in chunks(emails):
        rows = db.session.execute(
            db.select(
                Person.id,
                Person.email,
                Person.name,
                Person.kind,
                Person.department_id,
                Person.contact_role,
                Person.active,
                Person.locale,
            ).where(Person.email.in_(chunk))
        )
        for pid, email, name, kind, department_id, role, active, locale in rows:
            found[email] = Existing(pid, name, kind, department_id, role, active, locale)
    by_id = {person.id: person for person in found.values()}
    links: dict[int, set[int]] = {}
    for chunk in chunks(list(by_id)):
        rows = db.session.execute(
            db.select(person_initiative.c.person_id, person_initiative.c.initiative_id).where(
                person_initiative.c.person_id.in_(chunk)
            )
        )
        for pid, iid in rows:
            links.setdefault(pid, set()).add(iid)
    for pid, iids in links.items():
        by_id[pid].initiative_ids = frozenset(iids)
    return found


def plan_import(upload: PersonImport) -> ImportPlan:
    """The preview of a stored upload: each row checked and compared with the directory, in a fixed number of
    queries. Raises ImportFileError when the file as a whole cannot be used."""
    parsed = parse_people(read_table(upload.content, upload.delimiter), columns_from_json(upload.columns))
    initiatives = {i.name.lower(): i for i in db.session.scalars(db.select(Initiative))}
    known = {d.name.lower(): d for d in db.session.scalars(db.select(Department))}
    department_names = {d.id: d.name for d in known.values()}
    initiative_names = {i.id: i.name for i in initiatives.values()}
    context = RowContext(
        initiatives=initiatives,
        department_names=department_names,
        present=frozenset(parsed.columns),
        default_kind=upload.default_kind,
        default_role=upload.default_role,
        sync=bool(upload.sync_scope),
    )
    emails = [normalise_email(row.values.get("email", "")) for row in parsed.rows]
    existing = _existing_people(sorted({email for email in emails if email}))
    rows = [check_row(row, email, existing.get(email), context) for row, email in zip(parsed.rows, emails, strict=True)]

    first_line: dict[str, int] = {}
    for plan in rows:
        if not plan.email:
            continue
        if plan.email in first_line:
            plan.errors.append(
                _("Dit e-mailadres staat al eerder in het bestand (rij %(line)d).", line=first_line[plan.email])
            )
        else:
            first_line[plan.email] = plan.line

    new_departments: dict[str, str] = {}
    for plan in rows:
        if plan.errors:
            plan.outcome = Outcome.REJECTED
            continue
        if plan.department_key and plan.department_key not in known:
            new_departments.setdefault(plan.department_key, plan.values["department"])
        person = existing.get(plan.email)
        if person is None:
            plan.outcome = Outcome.NEW
            if plan.department_key and plan.department_key not in known:
                plan.changes.append(_("nieuwe afdeling %(name)s", name=plan.values["department"]))
            continue
        plan.person_id = person.id
        _describe_changes(plan, person, known, department_names, initiative_names)
        plan.outcome = Outcome.UPDATE if plan.changes else Outcome.UNCHANGED
    return ImportPlan(parsed=parsed, rows=rows, known_departments=known, new_departments=new_departments)


def _describe_changes(
    plan: RowPlan,
    person: Existing,
    known: dict[str, Department],
    department_names: dict[int, str],
    initiative_names: dict[int, str],
) -> None:
    """What an update changes, in words (an empty list: the person stays as they are)."""
    department = known.get(plan.department_key) if plan.department_key else None
    changes = plan.changes
    if person.name != plan.values["name"]:
        changes.append(_("naam: %(old)s → %(new)s", old=person.name, new=plan.values["name"]))
    if person.kind != plan.kind:
        changes.append(
            _("soort: %(old)s → %(new)s", old=KIND_CODES[person.kind], new=KIND_CODES[plan.kind])  # type: ignore[index]
        )
    new_department_id = department.id if department else None
    if person.department_id != new_department_id or (plan.department_key and department is None):
        changes.append(
            _(
                "afdeling: %(old)s → %(new)s",
                old=department_names.get(person.department_id, "—"),  # type: ignore[arg-type]
                new=plan.values["department"] or "—",
            )
        )
    if person.contact_role != plan.role:
        changes.append(
            _(
                "rol: %(old)s → %(new)s",
                old=ROLE_CODES.get(person.contact_role, "—"),  # type: ignore[arg-type]
                new=ROLE_CODES.get(plan.role, "—"),  # type: ignore[arg-type]
            )
        )
    if person.initiative_ids != plan.initiative_ids:
        names = sorted(initiative_names[i] for i in plan.initiative_ids)
        changes.append(_("initiatief: %(names)s", names=", ".join(names) or "—"))
    if plan.active is not None and plan.active != person.active:
        changes.append(_("actief: %(value)s", value=_("ja") if plan.active else _("nee")))
    if plan.locale is not None and plan.locale != person.locale:
        changes.append(_("taal: %(old)s → %(new)s", old=person.locale, new=plan.locale))


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int
    departments_created: int
    skipped: int = 0
    deactivated: int = 0


def apply_import(plan: ImportPlan, skip_rejected: bool = False) -> ImportResult:
    """Carry out a preview with bulk statements (not one query per row): all rows, or with skip_rejected the good
    rows of a file that has refused ones. Raises ValueError for refused rows without skip_rejected."""
    if plan.count(Outcome.REJECTED) and not skip_rejected:
        raise ValueError("an import with rejected rows is applied only when asked to skip them")
    department_ids = {key: d.id for key, d in plan.known_departments.items()}
    for key, name in plan.new_departments.items():
        department = Department(name=name)
        db.session.add(department)
        db.session.flush()
        department_ids[key] = department.id

    def columns(row: RowPlan) -> dict:
        return {
            "name": row.values["name"],
            "kind": row.kind,
            "department_id": department_ids[row.department_key] if row.department_key else None,
            "contact_role": row.role,
        }

    now = utcnow()
    new_rows = [row for row in plan.rows if row.outcome == Outcome.NEW]
    update_rows = [row for row in plan.rows if row.outcome == Outcome.UPDATE]
    links: list[dict[str, int]] = []
    if new_rows:
        values = [
            {
                **columns(row),
                "email": row.email,
                "search_key": search_key_for(row.values["name"], row.email),
                "active": True if row.active is None else row.active,
                "locale": row.locale or "nl",
                "created_at": now,
                "updated_at": now,
            }
            for row in new_rows
        ]
        # One Core executemany on the table: the ORM's bulk insert splits rows whose NULLs differ into separate
        # statements, and RETURNING would make SQLite insert row by row. The ids come back by email instead.
        db.session.execute(insert(cast(Table, Person.__table__)), values)  # a Table, typed as any FromClause
        ids: dict[str, int] = {}
        for chunk in chunks([row.email for row in new_rows if row.initiative_ids]):
            ids.update(db.session.execute(db.select(Person.email, Person.id).where(Person.email.in_(chunk))).all())
        for row in new_rows:
            links.extend({"person_id": ids[row.email], "initiative_id": i} for i in row.initiative_ids)
    if update_rows:
        changes = []
        for row in update_rows:
            change: dict[str, object] = {"id": row.person_id, **columns(row), "updated_at": now}
            change["search_key"] = search_key_for(row.values["name"], row.email)  # the bulk UPDATE bypasses the ORM
            if row.active is not None:
                change["active"] = row.active
            if row.locale is not None:
                change["locale"] = row.locale
            changes.append(change)
        # Rows with and without an 'actief' or 'taal' value need different statements: group by their keys.
        by_keys: dict[tuple, list[dict]] = {}
        for change in changes:
            by_keys.setdefault(tuple(sorted(change)), []).append(change)
        for group in by_keys.values():
            db.session.execute(update(Person), group)
        changed_ids = [row.person_id for row in update_rows if row.person_id is not None]  # every update has one
        for chunk in chunks(changed_ids):
            db.session.execute(delete(person_initiative).where(person_initiative.c.person_id.in_(chunk)))
        for person_id, row in zip(changed_ids, update_rows, strict=True):
            links.extend({"person_id": person_id, "initiative_id": i} for i in row.initiative_ids)
    if links:
        db.session.execute(insert(person_initiative), links)
    db.session.flush()
    return ImportResult(
        created=len(new_rows),
        updated=len(update_rows),
        unchanged=plan.count(Outcome.UNCHANGED),
        departments_created=len(plan.new_departments),
        skipped=plan.count(Outcome.REJECTED),
    )
