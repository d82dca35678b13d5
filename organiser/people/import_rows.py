"""The rules for one row of an import: the values a cell may hold, and what a row lacks or gets wrong.

A row is checked together with the person already in the directory under its address (if any): a file that
does not say someone's kind, department, role, initiatives or language (an HR export says little) leaves them as
they are, and a new person gets the defaults chosen with the upload.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import addresses
from ..characters import has_format_characters
from ..enums import LabelledEnum
from ..forms import CONTROL_CHARACTERS
from ..places.models import Initiative
from .import_columns import ParsedRow
from .models import ContactRole, PersonKind


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

#: A language column as people fill it in; the value is Person.locale.
LOCALE_VALUES = {
    "nl": "nl",
    "nld": "nl",
    "ned": "nl",
    "nederlands": "nl",
    "dutch": "nl",
    "nlnl": "nl",
    "en": "en",
    "eng": "en",
    "engels": "en",
    "english": "en",
    "engb": "en",
    "enus": "en",
}


@dataclass
class Existing:
    """A person already in the directory, as far as an import compares them."""

    id: int
    name: str
    kind: PersonKind
    department_id: int | None
    contact_role: ContactRole | None
    active: bool
    locale: str
    initiative_ids: frozenset[int] = frozenset()


@dataclass
class RowPlan:
    """What happens to one row of the file."""

    line: int
    values: dict[str, str]
    cells: list[str] = field(default_factory=list)
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
    #: "nl" or "en" where the file says; None leaves the person's language (a new person gets "nl").
    locale: str | None = None
    person_id: int | None = None

    @property
    def outcome_label(self) -> str:
        return self.outcome.label


@dataclass
class RowContext:
    """What every row is checked against: the directory's initiatives and departments, the file's columns and the
    choices made with the upload."""

    initiatives: dict[str, Initiative]
    department_names: dict[int, str]
    present: frozenset[str]
    default_kind: PersonKind
    default_role: ContactRole
    sync: bool


#: An ordinary local part (RFC 5322 dot-atom); anything else goes through the full validator.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")


@functools.lru_cache(maxsize=1024)
def _valid_domain(domain: str) -> bool:
    try:
        validate_email(f"x@{domain}", check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def valid_email(value: str) -> bool:
    """Whether an address is one organiser takes (addresses.py). An import repeats the same few domains thousands
    of times: each domain is checked once, and ordinary local parts with a regular expression (the full check
    takes 0.25 ms a row)."""
    if len(value) > 254 or "@" not in value:
        return False
    local, _at, domain = value.rpartition("@")
    if len(local) <= 64 and _DOT_ATOM.match(local):
        return _valid_domain(domain)
    return addresses.refusal(value) is None


def check_row(row: ParsedRow, email: str, existing: Existing | None, context: RowContext) -> RowPlan:
    """The row's own rules, with what the file leaves out taken from the person it updates or the defaults."""
    plan = RowPlan(line=row.line, values=row.values, cells=row.cells, email=email)
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
    if not email:
        errors.append(_("Het e-mailadres ontbreekt."))
    elif not valid_email(email):
        reason = addresses.refusal(email)
        if reason is None or reason == str(addresses.INVALID):
            errors.append(_("'%(email)s' is geen geldig e-mailadres.", email=values.get("email", "")))
        else:
            errors.append(f"'{values.get('email', '')}': {reason}")
    _check_kind_and_role(plan, existing, context)
    _check_initiatives(plan, existing, context)
    active_text = values.get("active", "").lower()
    if active_text in ACTIVE_VALUES:
        plan.active = True
    elif active_text in INACTIVE_VALUES:
        plan.active = False
    elif active_text:
        errors.append(_("Onbekende waarde '%(value)s' bij actief: vul 'ja' of 'nee' in.", value=active_text))
    elif context.sync:
        plan.active = True  # a sync makes the export the truth: who is in it is active
    locale_text = "".join(ch for ch in values.get("locale", "").lower() if ch.isalpha())
    if locale_text:
        plan.locale = LOCALE_VALUES.get(locale_text)
        if plan.locale is None:
            errors.append(
                _("Onbekende taal '%(value)s': vul 'nl' (Nederlands) of 'en' (Engels) in.", value=values["locale"])
            )
    return plan


def _check_kind_and_role(plan: RowPlan, existing: Existing | None, context: RowContext) -> None:
    values, errors = plan.values, plan.errors
    kind_text = values.get("kind", "").lower()
    if kind_text:
        plan.kind = KIND_VALUES.get(kind_text)
        if plan.kind is None:
            errors.append(
                _("Onbekende soort '%(value)s': vul 'collega' of 'bewoner' in.", value=values.get("kind", ""))
            )
            return
    else:
        plan.kind = existing.kind if existing else context.default_kind
    role_text = values.get("role", "").lower()
    department = " ".join(values.get("department", "").split())
    if plan.kind == PersonKind.STAFF:
        if not department and existing and existing.kind == PersonKind.STAFF and existing.department_id:
            department = context.department_names.get(existing.department_id, "")
        values["department"] = department
        if not department:
            errors.append(_("Een collega heeft een afdeling nodig."))
        elif len(department) > 120:
            errors.append(_("De naam van de afdeling is langer dan 120 tekens."))
        else:
            plan.department_key = department.lower()
        if role_text:
            plan.role = ROLE_VALUES.get(role_text)
            if plan.role is None:
                errors.append(
                    _("Onbekende rol '%(value)s': vul 'kantoor' of 'frontlinie' in.", value=values.get("role", ""))
                )
        else:
            plan.role = existing.contact_role if existing and existing.contact_role else context.default_role
    else:
        values["department"] = department
        if role_text:
            errors.append(_("Een bewoner heeft geen rol; laat de kolom rol leeg."))
        if department:
            errors.append(_("Een bewoner hoort niet bij een afdeling; laat de kolom afdeling leeg."))


def _check_initiatives(plan: RowPlan, existing: Existing | None, context: RowContext) -> None:
    if "initiative" not in context.present:
        plan.initiative_ids = existing.initiative_ids if existing else frozenset()
        if plan.kind == PersonKind.RESIDENT and not plan.initiative_ids:
            plan.errors.append(_("Een bewoner hoort bij minstens één bewonersinitiatief."))
        return
    ids: set[int] = set()
    unknown = False
    for part in plan.values.get("initiative", "").split("|"):
        part = " ".join(part.split())
        if not part:
            continue
        initiative = context.initiatives.get(part.lower())
        if initiative is None:
            plan.errors.append(_("Onbekend bewonersinitiatief '%(name)s'.", name=part))
            unknown = True
        else:
            ids.add(initiative.id)
    plan.initiative_ids = frozenset(ids)
    if plan.kind == PersonKind.RESIDENT and not ids and not unknown:
        plan.errors.append(_("Een bewoner hoort bij minstens één bewonersinitiatief."))
