"""Importing people: plan what each row of a file would do (new, update, unchanged, rejected), then apply it.

Functions flush, never commit: the view commits once.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import cast

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, delete, insert, update

from .. import addresses
from ..characters import has_format_characters
from ..enums import LabelledEnum
from ..extensions import db, utcnow
from ..forms import CONTROL_CHARACTERS
from ..places.models import Initiative
from .directory import normalise_email
from .export import KIND_CODES, ROLE_CODES
from .import_files import ParsedFile, ParsedRow, parse_people_csv
from .models import ContactRole, Department, Person, PersonKind, person_initiative, search_key_for

#: Large IN (...) lists are split: SQLite allows at most 32,766 parameters per statement.
CHUNK = 500


def _chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Outcome(LabelledEnum):
    NEW = "new"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"

    __labels__ = {NEW: _l("nieuw"), UPDATE: _l("bijwerken"), UNCHANGED: _l("ongewijzigd"), REJECTED: _l("afgewezen")}


KIND_VALUES = {
    "medewerker": PersonKind.STAFF,
    "collega": PersonKind.STAFF,
    "staff": PersonKind.STAFF,
    "bewoner": PersonKind.RESIDENT,
    "resident": PersonKind.RESIDENT,
}


ROLE_VALUES = {
    "frontlinie": ContactRole.FRONTLINE,
    "frontline": ContactRole.FRONTLINE,
    "contact": ContactRole.FRONTLINE,
    "contactrol": ContactRole.FRONTLINE,
    "kantoor": ContactRole.OFFICE,
    "office": ContactRole.OFFICE,
}


ACTIVE_VALUES = {"ja": True, "yes": True, "1": True, "waar": True, "true": True}


INACTIVE_VALUES = {"nee": False, "no": False, "0": False, "onwaar": False, "false": False}


@dataclass
class RowPlan:
    """What happens to one row of the file."""

    line: int
    values: dict[str, str]
    outcome: Outcome = Outcome.REJECTED
    errors: list[str] = field(default_factory=list)
    #: For an update: what changes, in words.
    changes: list[str] = field(default_factory=list)
    email: str = ""
    kind: PersonKind | None = None
    role: ContactRole | None = None
    department_key: str | None = None
    initiative_ids: frozenset[int] = frozenset()
    active: bool | None = None
    person_id: int | None = None

    @property
    def outcome_label(self) -> str:
        return self.outcome.label


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
    def can_commit(self) -> bool:
        """All or nothing: only a file without rejected rows, and with something to do, can be imported."""
        counts = self.counts
        return counts[Outcome.REJECTED] == 0 and (counts[Outcome.NEW] + counts[Outcome.UPDATE]) > 0


@dataclass
class _Existing:
    id: int
    name: str
    kind: PersonKind
    department_id: int | None
    contact_role: ContactRole | None
    active: bool
    initiative_ids: frozenset[int]


def _existing_people(emails: list[str]) -> dict[str, _Existing]:
    """The people already in the directory with these addresses, with their initiatives: a few bulk queries."""
    found: dict[str, _Existing] = {}
    for chunk in _chunks(emails):
        rows = db.session.execute(
            db.select(
                Person.id,
                Person.email,
                Person.name,
                Person.kind,
                Person.department_id,
                Person.contact_role,
                Person.active,
            ).where(Person.email.in_(chunk))
        )
        for pid, email, name, kind, department_id, role, active in rows:
            found[email] = _Existing(pid, name, kind, department_id, role, active, frozenset())
    by_id = {person.id: person for person in found.values()}
    links: dict[int, set[int]] = {}
    for chunk in _chunks(list(by_id)):
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


#: An ordinary local part (RFC 5322 dot-atom); anything else goes through the full validator.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")


@functools.lru_cache(maxsize=1024)
def _valid_domain(domain: str) -> bool:
    try:
        validate_email(f"x@{domain}", check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _valid_email(value: str) -> bool:
    """Whether organiser mails to the address (addresses.py). An import repeats the same few domains thousands of
    times: each domain is checked once, and ordinary local parts with a regular expression (the full check takes
    0.25 ms a row)."""
    if len(value) > 254 or "@" not in value:
        return False
    local, _at, domain = value.rpartition("@")
    if len(local) <= 64 and _DOT_ATOM.match(local):
        return _valid_domain(domain)
    return addresses.is_mailable(value)


def _check_row(
    row: ParsedRow,
    initiatives: dict[str, Initiative],
    has_active_column: bool,
) -> RowPlan:
    """The row's own rules (no comparison with the directory yet)."""
    plan = RowPlan(line=row.line, values=row.values)
    values = row.values
    errors = plan.errors
    if row.extra_cells:
        errors.append(_("Deze rij heeft meer kolommen dan de kopregel. Staat er een scheidingsteken in een naam?"))
    name = " ".join(values.get("name", "").split())
    if not name:
        errors.append(_("De naam ontbreekt."))
    elif len(name) > 200:
        errors.append(_("De naam is langer dan 200 tekens."))
    elif CONTROL_CHARACTERS.search(name) or has_format_characters(name):
        errors.append(
            _("In de naam staan onzichtbare tekens (stuurtekens, of tekens die de schrijfrichting omdraaien).")
        )
    values["name"] = name
    email = normalise_email(values.get("email", ""))
    if not email:
        errors.append(_("Het e-mailadres ontbreekt."))
    elif not _valid_email(email):
        reason = addresses.refusal(email)
        if reason is None or reason == str(addresses.INVALID):
            errors.append(_("'%(email)s' is geen geldig e-mailadres.", email=values.get("email", "")))
        else:
            errors.append(f"'{values.get('email', '')}': {reason}")
    plan.email = email
    kind_text = values.get("kind", "").lower()
    plan.kind = KIND_VALUES.get(kind_text)
    if not kind_text:
        errors.append(_("De soort ontbreekt: vul 'collega' of 'bewoner' in."))
    elif plan.kind is None:
        errors.append(_("Onbekende soort '%(value)s': vul 'collega' of 'bewoner' in.", value=values.get("kind", "")))
    role_text = values.get("role", "").lower()
    department = " ".join(values.get("department", "").split())
    values["department"] = department
    if plan.kind == PersonKind.STAFF:
        if not department:
            errors.append(_("Een collega heeft een afdeling nodig."))
        elif len(department) > 120:
            errors.append(_("De naam van de afdeling is langer dan 120 tekens."))
        else:
            plan.department_key = department.lower()
        plan.role = ROLE_VALUES.get(role_text)
        if not role_text:
            errors.append(_("Een collega heeft een rol nodig: 'kantoor' of 'frontlinie'."))
        elif plan.role is None:
            errors.append(
                _("Onbekende rol '%(value)s': vul 'kantoor' of 'frontlinie' in.", value=values.get("role", ""))
            )
    elif plan.kind == PersonKind.RESIDENT:
        if role_text:
            errors.append(_("Een bewoner heeft geen rol; laat de kolom rol leeg."))
        if department:
            errors.append(_("Een bewoner hoort niet bij een afdeling; laat de kolom afdeling leeg."))
    ids: set[int] = set()
    unknown = False
    for part in values.get("initiative", "").split("|"):
        part = " ".join(part.split())
        if not part:
            continue
        initiative = initiatives.get(part.lower())
        if initiative is None:
            errors.append(_("Onbekend bewonersinitiatief '%(name)s'.", name=part))
            unknown = True
        else:
            ids.add(initiative.id)
    plan.initiative_ids = frozenset(ids)
    if plan.kind == PersonKind.RESIDENT and not ids and not unknown:
        errors.append(_("Een bewoner hoort bij minstens één bewonersinitiatief."))
    if has_active_column:
        active_text = values.get("active", "").lower()
        if active_text in ACTIVE_VALUES:
            plan.active = True
        elif active_text in INACTIVE_VALUES:
            plan.active = False
        elif active_text:
            errors.append(_("Onbekende waarde '%(value)s' bij actief: vul 'ja' of 'nee' in.", value=active_text))
    return plan


def plan_import(text: str) -> ImportPlan:
    """The preview of an import: each row checked and compared with the directory, in a fixed number of queries."""
    parsed = parse_people_csv(text)
    initiatives = {i.name.lower(): i for i in db.session.scalars(db.select(Initiative))}
    known = {d.name.lower(): d for d in db.session.scalars(db.select(Department))}
    department_names = {d.id: d.name for d in known.values()}
    initiative_names = {i.id: i.name for i in initiatives.values()}
    has_active = "active" in parsed.columns
    rows = [_check_row(row, initiatives, has_active) for row in parsed.rows]

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

    existing = _existing_people(list(first_line))
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
                    old=department_names.get(person.department_id, "—"),
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
        plan.outcome = Outcome.UPDATE if changes else Outcome.UNCHANGED
    return ImportPlan(parsed=parsed, rows=rows, known_departments=known, new_departments=new_departments)


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int
    departments_created: int


def apply_import(plan: ImportPlan) -> ImportResult:
    """Carry out a preview that has no rejected rows, with bulk statements (not one query per row)."""
    if plan.count(Outcome.REJECTED):
        raise ValueError("an import with rejected rows cannot be applied")
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
                "locale": "nl",
                "created_at": now,
                "updated_at": now,
            }
            for row in new_rows
        ]
        # One Core executemany on the table: the ORM's bulk insert splits rows whose NULLs differ into separate
        # statements, and RETURNING would make SQLite insert row by row. The ids come back by email instead.
        db.session.execute(insert(cast(Table, Person.__table__)), values)  # a Table, typed as any FromClause
        ids: dict[str, int] = {}
        for chunk in _chunks([row.email for row in new_rows if row.initiative_ids]):
            ids.update(db.session.execute(db.select(Person.email, Person.id).where(Person.email.in_(chunk))).all())
        for row in new_rows:
            links.extend({"person_id": ids[row.email], "initiative_id": i} for i in row.initiative_ids)
    if update_rows:
        values = []
        for row in update_rows:
            change: dict[str, object] = {"id": row.person_id, **columns(row), "updated_at": now}
            change["search_key"] = search_key_for(row.values["name"], row.email)  # the bulk UPDATE bypasses the ORM
            if row.active is not None:
                change["active"] = row.active
            values.append(change)
        # Rows with and without an 'actief' value would need different statements: group by their keys.
        by_keys: dict[tuple, list[dict]] = {}
        for change in values:
            by_keys.setdefault(tuple(sorted(change)), []).append(change)
        for group in by_keys.values():
            db.session.execute(update(Person), group)
        changed_ids = [row.person_id for row in update_rows if row.person_id is not None]  # every update has one
        for chunk in _chunks(changed_ids):
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
    )
