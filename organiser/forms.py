"""The base of every form, and small helpers for hostile input that more than one domain needs.

Text fields refuse control characters: nobody types them, PostgreSQL cannot store NUL, and calendars and mail
break on the others. WTForms' own messages ("Ongeldige keuze.") come in the visitor's language through
Flask-WTF.
"""

from __future__ import annotations

import functools
import math
import re
from datetime import date, datetime
from typing import TypeVar

from babel import support
from flask import current_app, has_request_context, request
from flask_babel import format_date, format_time, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import (
    DateField,
    DateTimeLocalField,
    Field,
    FileField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    validators,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.2 has it; its stubs not yet
from wtforms.i18n import messages_path
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from . import addresses, clock
from .characters import has_format_characters

T = TypeVar("T")

#: Control characters other than tab and line breaks (C0 and DEL).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Line breaks, as Python's splitlines() and mail and calendar software see them (CR, LF, NEL, LS, PS).
LINE_BREAKS = re.compile(r"[\n\r\x85\u2028\u2029]")
#: The largest id a URL or form may name: ids are 32-bit integers in PostgreSQL (SQLite refuses > 64 bits).
MAX_ID = 2**31 - 1
#: Dates outside this range are typing mistakes, and near the ends of the calendar they overflow on conversion.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def refuse_control_characters(value):
    """A filter: a value with control characters becomes a field error (WTForms reports a ValueError)."""
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValueError(_l("Hier staan onzichtbare stuurtekens in. Typ de tekst opnieuw."))
    return value


def refuse_format_characters(value):
    """A filter: a value with invisible format characters that can disguise it (a right-to-left override, a zero
    width space: characters.py, the one rule) becomes a field error."""
    if isinstance(value, str) and has_format_characters(value):
        raise ValueError(
            _l(
                "Hier staan onzichtbare tekens in die de tekst anders laten lijken dan hij is (zoals een teken dat "
                "de schrijfrichting omdraait, of een spatie zonder breedte). Typ de tekst opnieuw, zonder kopiëren "
                "en plakken."
            )
        )
    return value


def refuse_line_breaks(value):
    """A filter for one-line fields: a line break (a crafted POST can send one) becomes a field error."""
    if isinstance(value, str) and LINE_BREAKS.search(value):
        raise ValueError(_l("Dit veld is één regel: haal de regelovergang weg."))
    return value


def normalise_line_breaks(value):
    """A filter for textareas: CRLF and CR become LF. Browsers send a line break as CRLF but count it as one
    character against `maxlength`; normalised first, a length limit counts what is stored (and shown)."""
    if isinstance(value, str) and "\r" in value:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def is_single_line(field_class: type) -> bool:
    """Whether a field holds one line of text: every text field but a textarea."""
    return issubclass(field_class, StringField) and not issubclass(field_class, TextAreaField)


class Form(FlaskForm):
    """FlaskForm (CSRF, translations) whose text fields refuse control characters and disguising format characters
    (not in passwords), and line breaks where the
    field is one line (a title with a newline breaks mail headers, calendars and CSV files); a textarea's line
    breaks become LF before any validator counts them."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            """WTForms' own messages in the request's language, loaded once per process and language: Flask-WTF
            loads them from disk again in every request that makes a form (a sixth of the public feed's unchanged
            answer in-process, which checks its filters with a form)."""
            if not current_app.config.get("WTF_I18N_ENABLED", True) or not has_request_context():
                return super().get_translations(form)
            return wtforms_translations(str(get_locale()))

        def wrap_formdata(self, form, formdata):
            """The request's form, with its files only under the names of this form's file fields: Flask-WTF
            hands every field the files too, and a file sent where a text field is expected reached that field as
            a file object (a 500). Such a field is then as good as empty, and says so."""
            data = super().wrap_formdata(form, formdata)
            if not isinstance(data, CombinedMultiDict) or not request.files:
                return data
            names = {field.name for field in form if isinstance(field, FileField)}
            files = MultiDict([(k, v) for k, v in request.files.items(multi=True) if k in names])
            return CombinedMultiDict((files, request.form))

        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, StringField):
                # First, on the text as sent: a field's own filter (tidying spaces) would hide a line break.
                refusals = [refuse_control_characters]
                if not issubclass(unbound_field.field_class, PasswordField):  # a password is never shown
                    refusals.append(refuse_format_characters)
                if is_single_line(unbound_field.field_class):
                    refusals.append(refuse_line_breaks)
                else:  # a textarea: its limit counts a line break once, as the browser does
                    refusals.append(normalise_line_breaks)
                options = {**options, "filters": [*refusals, *unbound_field.kwargs.get("filters", ())]}
                field = super().bind_field(form, unbound_field, options)
                field.pre_validate = _stop_when_refused(field, field.pre_validate)
                return field
            if issubclass(unbound_field.field_class, SelectField):  # RadioField too
                options = {**options, "filters": [*unbound_field.kwargs.get("filters", ()), blank_choice_is_empty]}
            return super().bind_field(form, unbound_field, options)


@functools.lru_cache(maxsize=16)
def wtforms_translations(locale: str) -> support.NullTranslations:
    """WTForms' catalogue (its own messages: "Not a valid integer value.") for `locale`, as Flask-WTF loads it."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def blank_choice_is_empty(value):
    """A filter for choice fields: a choice of only spaces (a crafted POST) is the empty choice. WTForms's
    Optional() takes whitespace for empty and clears the "not a valid choice" error, but left the spaces as the
    field's data: a form that then read it as a choice failed (ContactRole(" ")), where it should say to choose."""
    if isinstance(value, str) and value and value.isspace():
        return ""
    return value


def _stop_when_refused(field: Field, pre_validate):
    """A text refused by a filter (its characters) goes no further: no validator sees it, so none can carry it into
    a query (PostgreSQL refuses NUL in a parameter; a form's `validate_email` looks the address up)."""

    def checked(form) -> None:
        if field.process_errors:
            raise StopValidation()
        pre_validate(form)

    return checked


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


class OnlyWhen:
    """A field that applies only when another field of the form has one of `values` (the series form's "how many
    weeks" only for "every so many weeks"): otherwise whatever it holds, garbage included, is ignored with its
    errors, as its hint promises. First among the field's validators; its data is then not to be read."""

    field_flags = {"optional": True}

    def __init__(self, other: str, *values: str) -> None:
        self.other, self.values = other, values

    def __call__(self, form, field) -> None:
        if form[self.other].data not in self.values:
            field.errors[:] = []
            raise StopValidation()


def within_calendar(form, field) -> None:
    """A validator: a date (or moment) between FIRST_YEAR and LAST_YEAR."""
    value = field.data
    if isinstance(value, date | datetime) and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(_l("Kies een datum tussen %(first)d en %(last)d.", first=FIRST_YEAR, last=LAST_YEAR))


def mail_address(form, field) -> None:
    """A validator: an address organiser mails to (one rule for every form and the import: addresses.py), with
    the reason when it is not one (not an address; letters outside ASCII before the @)."""
    if field.data and (reason := addresses.refusal(field.data)):
        raise ValidationError(reason)


def finite(form, field) -> None:
    """A validator: a real number (not nan or infinity, which a float field accepts)."""
    if isinstance(field.data, float) and not math.isfinite(field.data):
        raise ValidationError(_l("Vul een getal in."))


class Length(validators.Length):
    """WTForms' Length, saying "Dit is te lang: maximaal N tekens." when only a maximum is set and no message is
    given (WTForms' own "Veld mag niet langer zijn dan N karakters" reads unlike the rest of the app)."""

    def __init__(self, min: int = -1, max: int = -1, message=None) -> None:  # noqa: A002 (WTForms' names)
        if message is None and min == -1 and max != -1:
            message = _l("Dit is te lang: maximaal %(max)d tekens.")
        super().__init__(min=min, max=max, message=message)


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


#: What a date and time field reads: the browser's datetime-local value first (also how the field is shown), then
#: what someone types where the browser shows a plain text box instead of a picker (older Safari, some screen
#: readers' forms modes): 2027-03-28 14:30, or the Dutch order 28-03-2027 14:30 (or 14.30).
DATETIME_FORMAT = [
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y %H.%M",
]


#: What a date field reads: the browser's date value (ISO, also how it is shown), then the Dutch order typed where
#: the browser shows a plain text box.
DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y"]


class DayField(DateField):
    """A date (no time), read as the browser sends it or as typed by hand (DATE_FORMATS); text that is no date
    gets an example of one instead of WTForms' "Ongeldige datum."."""

    def __init__(self, label=None, validators=None, format=None, **kwargs):
        super().__init__(label, validators, format=format or DATE_FORMATS, **kwargs)

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata([value.strip() for value in valuelist])
        except ValueError:
            raise ValueError(_("Dit is geen datum. Schrijf bijvoorbeeld 28-03-2027.")) from None


class LocalDateTimeField(DateTimeLocalField):
    """A date and time typed as wall-clock time in the municipality's zone; `moment` is the aware moment.

    A time the clock skips (the spring gap) is refused. A time that happens twice (the autumn hour) means its
    first occurrence, and `repeated` tells the view to say so; but when the text is the stored moment unchanged
    (`keep`), that moment stays, whichever occurrence it is.
    """

    def __init__(self, label=None, validators=None, format=None, **kwargs):
        super().__init__(label, validators, format=format or DATETIME_FORMAT, **kwargs)
        #: The stored moment the field shows (an edit form): unchanged text keeps it.
        self.keep: datetime | None = None
        #: The aware moment the text means, after validation (None where the field is empty or refused).
        self.moment: datetime | None = None
        self.repeated = False

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata([value.strip() for value in valuelist])
        except ValueError:
            # WTForms says only "Ongeldige datum/tijd.": say how to write one.
            raise ValueError(_("Dit is geen datum met tijd. Schrijf bijvoorbeeld 28-03-2027 14:30.")) from None

    def post_validate(self, form, validation_stopped) -> None:
        self.moment, self.repeated = None, False
        if validation_stopped or self.errors or not isinstance(self.data, datetime):
            return
        if self.keep is not None and clock.to_wall(self.keep) == self.data:
            self.moment = self.keep
            return
        try:
            self.moment = clock.to_moment(self.data)
        except clock.NonexistentTime as gap:
            add_error(self, nonexistent_time_message(gap))
            return
        self.repeated = clock.happens_twice(self.data)


def nonexistent_time_message(gap: clock.NonexistentTime) -> str:
    """'28 maart 2027 om 02:30 bestaat niet: …', for a form error."""
    return _(
        "Op %(date)s bestaat %(time)s niet: die nacht gaat de klok van %(before)s naar %(after)s (zomertijd). "
        "Kies een tijd vóór %(before)s of vanaf %(after)s.",
        date=format_date(gap.wall, "d MMMM y", rebase=False),
        time=format_time(gap.wall, "HH:mm", rebase=False),
        before=format_time(gap.jump.before, "HH:mm", rebase=False),
        after=format_time(gap.jump.after, "HH:mm", rebase=False),
    )


def repeated_time_notice(moment: datetime) -> str:
    """What the organiser is told after entering a time in the hour that happens twice."""
    local = clock.to_wall(moment)
    jump = required(clock.jump_of(local))
    return _(
        "Let op: %(time)s komt op %(date)s twee keer voor, want die nacht gaat de klok terug van %(before)s naar "
        "%(after)s. Wij gaan uit van de eerste keer (nog zomertijd); overal staat dat er bij.",
        date=format_date(local, "d MMMM y", rebase=False),
        time=format_time(local, "HH:mm", rebase=False),
        before=format_time(jump.before, "HH:mm", rebase=False),
        after=format_time(jump.after, "HH:mm", rebase=False),
    )
