"""Forms for answering an invitation and for the organiser's invitation actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..events.forms import choice_list

ANSWER_CHOICES = (
    ("yes", _l("Ja, ik kom")),
    ("maybe", _l("Misschien")),
    ("no", _l("Nee, ik kom niet")),
)


class RsvpForm(FlaskForm):
    answer = RadioField(
        _l("Komt u?"),
        choices=choice_list(ANSWER_CHOICES),
        validators=[DataRequired(_l("Kies of u komt."))],
    )
    plus_ones = SelectField(_l("Hoeveel mensen neemt u mee?"), coerce=int, default=0)
    note = TextAreaField(
        _l("Opmerking (optioneel)"),
        description=_l(
            "Bijvoorbeeld een dieetwens of wat u nodig heeft om goed mee te kunnen doen (toegankelijkheid). "
            "Alleen de organisator ziet dit, en het wordt kort na de bijeenkomst verwijderd. Maximaal 500 tekens."
        ),
        validators=[Length(max=500, message=_l("Uw opmerking is te lang: maximaal 500 tekens."))],
    )
    submit = SubmitField(_l("Antwoord versturen"))

    def __init__(self, *args, max_plus_ones: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.plus_ones.choices = choice_list((n, str(n)) for n in range(max_plus_ones + 1))


class RecordAnswerForm(FlaskForm):
    """The organiser records an answer on someone's behalf (a phone call, a chat at the counter)."""

    answer = SelectField(_l("Antwoord"), choices=choice_list(ANSWER_CHOICES), validators=[DataRequired()])
    plus_ones = SelectField(_l("Introducés"), coerce=int, default=0)
    submit = SubmitField(_l("Vastleggen"))

    def __init__(self, *args, max_plus_ones: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.plus_ones.choices = choice_list((n, str(n)) for n in range(max_plus_ones + 1))
