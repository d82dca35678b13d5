"""Forms for invitations: building the guest list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectMultipleField
from wtforms.validators import InputRequired, NumberRange, Optional

# Guest list and mix ==================================================================================================


class GuestSelectionForm(FlaskForm):
    """People ticked in a list (search results or suggestions); the service checks who may be added."""

    #: The checkboxes are drawn by the template, one per row of the table; any id is accepted here.
    person_ids = SelectMultipleField(coerce=int, validate_choice=False)
    #: Where to go back to (the search the organiser was looking at).
    next = HiddenField()


class SuggestionCountForm(FlaskForm):
    """How many colleagues to suggest (a GET form)."""

    class Meta:
        csrf = False

    aantal = IntegerField(
        _l("Aantal voorstellen"),
        default=10,
        validators=[Optional(), NumberRange(min=1, max=100, message=_l("Kies een aantal van 1 tot en met 100."))],
    )


class AcceptSuggestionsForm(FlaskForm):
    """The suggestions the organiser accepts; the number tells the service which list they were chosen from."""

    person_ids = SelectMultipleField(coerce=int, validate_choice=False)
    aantal = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=100)])
