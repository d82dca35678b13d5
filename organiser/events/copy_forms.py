"""Forms for copying an event, repeating it as a series, editing a series and deleting a draft."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, SelectField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional

from ..forms import DayField, Form, LocalDateTimeField, OnlyWhen, add_error, choice_list, within_calendar
from .forms import EventForm
from .series import FREQUENCIES, MAX_OCCURRENCES, WEEKS_OF_MONTH, Rule

WITH_GUESTS_LABEL = _l("Gastenlijst meenemen (zonder wie heeft afgezegd)")
WITH_GUESTS_HINT = _l("Zij komen op de lijst als nieuwe uitnodigingen; er gaat niets weg tot u zelf verstuurt.")


class CopyForm(Form):
    """Copy an event to a new date and time."""

    starts_at = LocalDateTimeField(
        _l("Nieuwe datum en begintijd"),
        description=_l("De eindtijd en de tijden van de haltes schuiven mee."),
        validators=[InputRequired(_l("Vul een geldige datum en begintijd in.")), within_calendar],
    )
    with_guests = BooleanField(WITH_GUESTS_LABEL, description=WITH_GUESTS_HINT)
    submit = SubmitField(_l("Kopiëren"))


class SeriesForm(Form):
    """Repeat an event by a rule ("elke eerste dinsdag van de maand, tot juni")."""

    frequency = RadioField(
        _l("Hoe vaak?"),
        choices=choice_list(FREQUENCIES),
        default="monthly_weekday",
        validators=[InputRequired(_l("Kies hoe vaak de bijeenkomst terugkomt."))],
    )
    interval = IntegerField(
        _l("Om de hoeveel weken?"),
        description=_l("Alleen bij ‘om de zoveel weken’."),
        default=2,
        validators=[
            OnlyWhen("frequency", "weeks"),
            Optional(),
            NumberRange(min=2, max=12, message=_l("Kies een getal van 2 tot en met 12.")),
        ],
    )
    week_of_month = SelectField(
        _l("Welke weekdag van de maand?"),
        description=_l("Alleen bij ‘elke maand op dezelfde weekdag’."),
        coerce=int,
        choices=choice_list(WEEKS_OF_MONTH),
        validators=[OnlyWhen("frequency", "monthly_weekday"), Optional()],
    )
    end = RadioField(
        _l("Tot wanneer?"),
        choices=choice_list([("until", _l("Tot en met een datum")), ("count", _l("Een aantal keer"))]),
        default="until",
        validators=[InputRequired(_l("Kies hoe de reeks eindigt."))],
    )
    until = DayField(_l("Tot en met"), validators=[OnlyWhen("end", "until"), Optional()])
    count = IntegerField(
        _l("Aantal keer (deze bijeenkomst meegeteld)"),
        validators=[
            OnlyWhen("end", "count"),
            Optional(),
            NumberRange(
                min=2,
                max=MAX_OCCURRENCES,
                message=_l("Kies een aantal van 2 tot en met %(max)d.", max=MAX_OCCURRENCES),
            ),
        ],
    )
    with_guests = BooleanField(WITH_GUESTS_LABEL, description=WITH_GUESTS_HINT)
    submit = SubmitField(_l("Reeks maken"))

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.end.data == "until" and self.until.data is None:
            add_error(self.until, _("Vul de datum in waarop de reeks eindigt."))
            return False
        if self.end.data == "count" and self.count.data is None:
            add_error(self.count, _("Vul in hoe vaak de bijeenkomst plaatsvindt."))
            return False
        if self.frequency.data == "weeks" and self.interval.data is None:
            add_error(self.interval, _("Vul in om de hoeveel weken de bijeenkomst plaatsvindt."))
            return False
        return True

    def rule(self) -> Rule:
        """The rule chosen (after validation)."""
        frequency = self.frequency.data
        weekly = frequency in ("weekly", "weeks")
        return Rule(
            frequency="weekly" if weekly else frequency,
            interval=(self.interval.data or 2) if frequency == "weeks" else 1,
            week_of_month=self.week_of_month.data if frequency == "monthly_weekday" else None,
            until=self.until.data if self.end.data == "until" else None,
            count=self.count.data if self.end.data == "count" else None,
        )


#: On the edit page of an occurrence: change only this one, or this and every later one in the series.
SCOPES = (("this", _l("Alleen deze bijeenkomst")), ("following", _l("Deze en alle volgende in de reeks")))


class OccurrenceForm(EventForm):
    """The event form of an occurrence in a series: the change is for this one, or this and all following."""

    scope = RadioField(
        _l("Wat wilt u wijzigen?"),
        choices=choice_list(SCOPES),
        default="this",
        description=_l(
            "Bij ‘alle volgende’ krijgen de latere bijeenkomsten wat u hier verandert; "
            "een nieuwe tijd op hun eigen datum."
        ),
        validators=[InputRequired(_l("Kies wat u wilt wijzigen."))],
    )

    @property
    def following(self) -> bool:
        return self.scope.data == "following"
