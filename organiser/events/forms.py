"""Forms for events and their route stops; cross-field rules live here, with Dutch messages."""

from __future__ import annotations

from datetime import datetime
from typing import overload

from flask_babel import format_time, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FloatField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from .. import clock
from ..extensions import utcnow
from ..forms import (
    EmptyForm,
    Form,
    Length,
    LocalDateTimeField,
    MultiCheckboxField,
    add_error,
    choice_list,
    finite,
    nonexistent_time_message,
    repeated_time_notice,
    required,
    within_calendar,
)
from ..i18n import format_when
from .models import FORMATS, Event, Owner


@overload
def to_form_value(moment: datetime) -> datetime: ...
@overload
def to_form_value(moment: None) -> None: ...
def to_form_value(moment: datetime | None) -> datetime | None:
    """An aware moment as the naive wall-clock time a datetime-local field shows."""
    if moment is None:
        return None
    return clock.to_wall(moment)


class TimesForm(Form):
    """A form with LocalDateTimeFields: what to tell the organiser about times that happen twice."""

    def time_notices(self) -> list[str]:
        """One notice per time entered in the hour that happens twice (the view flashes them)."""
        return [
            repeated_time_notice(required(f.moment)) for f in self if isinstance(f, LocalDateTimeField) and f.repeated
        ]


class EventForm(TimesForm):
    title = StringField(_l("Titel"), validators=[DataRequired(_l("Geef de bijeenkomst een titel.")), Length(max=200)])
    format = SelectField(_l("Werkvorm"), choices=[], validators=[DataRequired()])
    description = TextAreaField(
        _l("Beschrijving"),
        description=_l("Wat gaan we doen, voor wie is het, wat moet men meenemen?"),
        validators=[Optional(), Length(max=5000)],
    )
    starts_at = LocalDateTimeField(
        _l("Begint op"),
        validators=[InputRequired(_l("Vul een geldige begindatum en -tijd in.")), within_calendar],
        # static/js/app.js moves the end along when the start changes.
        render_kw={"data-end-field": "ends_at"},
    )
    ends_at = LocalDateTimeField(
        _l("Eindigt op"),
        validators=[InputRequired(_l("Vul een geldige einddatum en -tijd in.")), within_calendar],
    )
    location = StringField(
        _l("Adres of verzamelpunt"),
        validators=[DataRequired(_l("Vul een adres of verzamelpunt in.")), Length(max=300)],
    )
    latitude = FloatField(_l("Breedtegraad (optioneel)"), validators=[Optional(), finite, NumberRange(-90, 90)])
    longitude = FloatField(_l("Lengtegraad (optioneel)"), validators=[Optional(), finite, NumberRange(-180, 180)])
    neighbourhood_id = SelectField(_l("Wijk"), coerce=int, choices=[], validators=[Optional()])
    owner = RadioField(
        _l("Wiens plan is het?"),
        choices=choice_list(Owner.choices()),
        default=Owner.MUNICIPALITY.value,
        validators=[DataRequired(_l("Kies wie eigenaar is van het plan."))],
    )
    hosts = MultiCheckboxField(_l("Gastheer of -vrouw (bewonersinitiatieven)"), coerce=int, choices=[])
    capacity = IntegerField(
        _l("Aantal plaatsen"),
        validators=[
            InputRequired(_l("Vul het aantal plaatsen in.")),
            NumberRange(min=1, max=10000, message=_l("Het aantal plaatsen moet tussen 1 en 10.000 liggen.")),
        ],
    )
    rsvp_deadline = LocalDateTimeField(_l("Reageren kan tot (optioneel)"), validators=[Optional(), within_calendar])
    max_plus_ones = IntegerField(
        _l("Maximaal aantal introducés per genodigde"),
        default=0,
        validators=[
            InputRequired(_l("Vul het aantal introducés in (0 als niemand iemand mag meenemen).")),
            NumberRange(min=0, max=10, message=_l("Het aantal introducés moet tussen 0 en 10 liggen.")),
        ],
    )
    forms_teams = BooleanField(_l("Deelnemers in teams indelen"))
    min_office_share = IntegerField(
        _l("Minimaal aandeel kantoorcollega's onder de uitgenodigde collega's (%)"),
        validators=[
            InputRequired(_l("Vul een percentage in.")),
            NumberRange(min=0, max=100, message=_l("Het percentage moet tussen 0 en 100 liggen.")),
        ],
    )
    submit = SubmitField(_l("Opslaan"))

    def __init__(self, *args, event: Event | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.format.choices = choice_list((code, f.label) for code, f in FORMATS.items())
        if event is not None:
            self.starts_at.keep, self.ends_at.keep = event.starts_at, event.ends_at
            self.rsvp_deadline.keep = event.rsvp_deadline
        #: The route's new time slots when the start moves: [(stop, starts_at, ends_at)], for the service.
        self.moved_stops: list[tuple] = []

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        ok = True
        # Moments, never naive wall-clock times: 02:30-03:15 on the night summer time starts is no span at all.
        new_start, end = required(self.starts_at.moment), required(self.ends_at.moment)
        deadline = self.rsvp_deadline.moment
        if end <= new_start:
            add_error(self.ends_at, _("Het einde moet na het begin liggen."))
            ok = False
        if deadline and deadline > new_start:
            add_error(self.rsvp_deadline, _("De reactietermijn moet vóór het begin van de bijeenkomst liggen."))
            ok = False
        if (self.latitude.data is None) != (self.longitude.data is None):
            add_error(self.longitude, _("Vul beide coördinaten in, of geen van beide."))
            ok = False
        now = utcnow()
        start_changed = self.event is None or new_start != self.event.starts_at
        if start_changed and new_start <= now:
            add_error(self.starts_at, _("De bijeenkomst moet in de toekomst liggen."))
            ok = False
        deadline_changed = self.event is None or deadline != self.event.rsvp_deadline
        if deadline is not None and deadline_changed and deadline <= now:
            add_error(self.rsvp_deadline, _("De reactietermijn moet in de toekomst liggen."))
            ok = False
        if self.event is not None:
            if required(self.capacity.data) < self.event.seats_taken:
                add_error(
                    self.capacity,
                    ngettext(
                        "Er heeft al %(num)d persoon (met introducés) toegezegd; "
                        "het aantal plaatsen kan niet lager zijn.",
                        "Er hebben al %(num)d mensen (met introducés) toegezegd; "
                        "het aantal plaatsen kan niet lager zijn.",
                        self.event.seats_taken,
                    ),
                )
                ok = False
            stops = self.event.stops
            if stops and not FORMATS[self.format.data].has_route:
                add_error(
                    self.format,
                    _("Deze werkvorm heeft geen route. Verwijder eerst de haltes, of kies een werkvorm met een route."),
                )
                ok = False
            elif stops:
                # The route moves along with the start (by wall-clock time); it must still exist and end in time.
                ok = self._move_route(new_start) and ok
                last = max((e for _s, _b, e in self.moved_stops), default=end)
                if last > end:
                    add_error(
                        self.ends_at,
                        _(
                            "De route loopt dan tot %(time)s, na het einde. "
                            "Maak de bijeenkomst langer of pas de haltes aan.",
                            time=format_when(last, "time"),
                        ),
                    )
                    ok = False
        return ok

    def _move_route(self, new_start: datetime) -> bool:
        """Each stop's slot moved with the start; False (with the reason on the field) if one would fall in the
        hour the clock skips."""
        event = required(self.event)
        self.moved_stops = []
        old_start = event.starts_at
        for stop in event.stops:
            try:
                begins = clock.move(stop.starts_at, old_start, new_start)
                ends = clock.move(stop.ends_at, old_start, new_start)
            except clock.NonexistentTime as gap:
                add_error(
                    self.starts_at,
                    _(
                        "De route schuift mee: halte %(position)d (%(name)s) komt dan op een tijd die niet bestaat.",
                        position=stop.position,
                        name=stop.name,
                    )
                    + " "
                    + nonexistent_time_message(gap),
                )
                return False
            if ends <= begins:
                add_error(
                    self.starts_at,
                    _(
                        "De route schuift mee: halte %(position)d (%(name)s) valt dan in de nacht dat de klok "
                        "verspringt en heeft geen tijd meer. Pas eerst de haltes aan.",
                        position=stop.position,
                        name=stop.name,
                    ),
                )
                return False
            self.moved_stops.append((stop, begins, ends))
        return True


class StopForm(TimesForm):
    name = StringField(
        _l("Naam van de halte"), validators=[DataRequired(_l("Geef de halte een naam.")), Length(max=200)]
    )
    address = StringField(_l("Adres"), validators=[DataRequired(_l("Vul het adres van de halte in.")), Length(max=300)])
    starts_at = LocalDateTimeField(
        _l("Van"),
        validators=[InputRequired(_l("Vul een geldige begintijd in.")), within_calendar],
        render_kw={"data-end-field": "ends_at"},
    )
    ends_at = LocalDateTimeField(
        _l("Tot"),
        validators=[InputRequired(_l("Vul een geldige eindtijd in.")), within_calendar],
    )
    initiative_id = SelectField(_l("Bewonersinitiatief op deze halte"), coerce=int, choices=[], validators=[Optional()])
    submit = SubmitField(_l("Halte toevoegen"))

    def __init__(self, *args, event: Event, stop=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.stop = stop
        if stop is not None:
            self.starts_at.keep, self.ends_at.keep = stop.starts_at, stop.ends_at

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        start, end = required(self.starts_at.moment), required(self.ends_at.moment)
        if end <= start:
            add_error(
                self.ends_at,
                _(
                    "Het einde van de halte (%(end)s) moet na het begin (%(start)s) liggen. Kies een eindtijd na "
                    "%(start)s, bijvoorbeeld een half uur later.",
                    start=format_time(clock.to_wall(start), "HH:mm", rebase=False),
                    end=format_time(clock.to_wall(end), "HH:mm", rebase=False),
                ),
            )
            return False
        if start < self.event.starts_at or end > self.event.ends_at:
            add_error(self.starts_at, _("De halte moet binnen de tijd van de bijeenkomst vallen."))
            return False
        for other in self.event.stops:
            if other is self.stop:
                continue
            if start < other.ends_at and other.starts_at < end:
                add_error(
                    self.starts_at,
                    _(
                        "Deze tijd overlapt met halte %(position)d (%(name)s).",
                        position=other.position,
                        name=other.name,
                    ),
                )
                return False
        return True


class MoveStopForm(EmptyForm):
    """The up and down buttons on the route; any other direction is refused (nothing moves)."""

    direction = SelectField(choices=choice_list([("up", "up"), ("down", "down")]), validators=[InputRequired()])

    @property
    def offset(self) -> int:
        return -1 if self.direction.data == "up" else 1


class AgendaFilterForm(Form):
    """The agenda's filters, read from the query string (a GET form: no CSRF needed)."""

    class Meta:
        csrf = False

    format = StringField(validators=[Optional(), Length(max=20)])
    wijk = StringField(validators=[Optional(), Length(max=120)])

    def format_code(self) -> str | None:
        """The chosen format; an unknown one is ignored (the whole agenda)."""
        return self.format.data if self.format.data in FORMATS and not self.format.errors else None

    def slug(self) -> str | None:
        """The chosen wijk's slug, as given (an unknown wijk has no events)."""
        return self.wijk.data or None

    def impossible_wijk(self) -> bool:
        """A wijk that no slug can be (too long, control characters): no events, without asking the database."""
        return bool(self.wijk.errors)


class CancelForm(Form):
    reason = TextAreaField(
        _l("Reden (optioneel)"),
        description=_l("Komt in het bericht aan de genodigden."),
        validators=[Optional(), Length(max=500, message=_l("De reden mag maximaal 500 tekens lang zijn."))],
    )
    submit = SubmitField(_l("Ja, afgelasten"))


class ColleagueForm(Form):
    """A colleague to plan an event with."""

    organiser_id = SelectField(_l("Collega"), choices=[], validators=[DataRequired(_l("Kies een collega."))])
    submit = SubmitField(_l("Toevoegen als mede-organisator"))


class HandOverForm(Form):
    """The colleague who takes the event over."""

    organiser_id = SelectField(
        _l("Nieuwe organisator"),
        choices=[],
        description=_l("U blijft mede-organisator en kunt de bijeenkomst dus nog zien en wijzigen."),
        validators=[DataRequired(_l("Kies een collega."))],
    )
    submit = SubmitField(_l("Overdragen"))
