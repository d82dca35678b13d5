"""The base of every form, and small helpers for hostile input that more than one domain needs.

Text fields refuse control characters: nobody types them, PostgreSQL cannot store NUL, and calendars and mail
break on the others. WTForms' own messages ("Ongeldige keuze.") come in the visitor's language through
Flask-WTF.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import TypeVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.2 has it; its stubs not yet
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

T = TypeVar("T")

#: Control characters other than tab and line breaks (C0 and DEL).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: The largest id a URL or form may name: ids are 32-bit integers in PostgreSQL (SQLite refuses > 64 bits).
MAX_ID = 2**31 - 1
#: Dates outside this range are typing mistakes, and near the ends of the calendar they overflow on conversion.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def refuse_control_characters(value):
    """A filter: a value with control characters becomes a field error (WTForms reports a ValueError)."""
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValueError(_l("Hier staan onzichtbare stuurtekens in. Typ de tekst opnieuw."))
    return value


class Form(FlaskForm):
    """FlaskForm (CSRF, translations) whose text fields refuse control characters."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, StringField):
                filters = [*unbound_field.kwargs.get("filters", ()), refuse_control_characters]
                options = {**options, "filters": filters}
            return super().bind_field(form, unbound_field, options)


def add_error(field: Field, message: str) -> None:
    """Add a message to a field found wrong after validation (one that no validator of the field can tell)."""
    field.errors = [*field.errors, message]


def required(value: T | None) -> T:
    """The data of a required field (InputRequired, DataRequired) of a validated form: never None there.

    :raise ValueError: when it is None after all, i.e. the field is not required or the form was not validated.
    """
    if value is None:
        raise ValueError("a required field has no value: validate the form first")
    return value


def record_id(value) -> int:
    """An id from a form or URL: plain ASCII digits, 1 … MAX_ID; ValueError otherwise (a WTForms `coerce`)."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ID:
        raise ValueError(f"not a record id: {text[:20]!r}")
    return int(text)


def parse_record_id(value) -> int | None:
    """record_id, or None for anything that is not one."""
    try:
        return record_id(value)
    except ValueError:
        return None


def within_calendar(form, field) -> None:
    """A validator: a date (or moment) between FIRST_YEAR and LAST_YEAR."""
    value = field.data
    if isinstance(value, date | datetime) and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(_l("Kies een datum tussen %(first)d en %(last)d.", first=FIRST_YEAR, last=LAST_YEAR))


def finite(form, field) -> None:
    """A validator: a real number (not nan or infinity, which a float field accepts)."""
    if isinstance(field.data, float) and not math.isfinite(field.data):
        raise ValidationError(_l("Vul een getal in."))


class EmptyForm(Form):
    """A form with only a button, so that POST-only actions carry a CSRF token."""

    submit = SubmitField()


def choice_list(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the choices WTForms wants."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
