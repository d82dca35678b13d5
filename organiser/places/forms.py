"""Forms for wijken and initiatives; every one a base Form (text with control characters is refused)."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Optional, ValidationError

from ..extensions import db
from ..forms import Form, Length, choice_list, required
from .initiatives import InitiativeDetails
from .models import Initiative, Neighbourhood
from .names import initiative_name_taken, neighbourhood_name_taken, tidy_name


def _tidy(value: str | None) -> str | None:
    return tidy_name(value) if value else value


def _refuse_taken_name(
    field, taken: Callable[[str, int | None], bool], own: Neighbourhood | Initiative | None, message: str
) -> None:
    """Refuse the name when another row has it (`own`, being edited, aside); `message` says so for the name."""
    if field.errors:  # refused already (control characters): not a name to look up
        return
    if taken(field.data, own.id if own else None):
        raise ValidationError(message)


class NeighbourhoodForm(Form):
    name = StringField(
        _l("Naam van de wijk"),
        filters=[_tidy],
        validators=[
            DataRequired(_l("Vul de naam van de wijk in.")),
            Length(max=120, message=_l("De naam mag hoogstens 120 tekens lang zijn.")),
        ],
    )
    submit = SubmitField(_l("Opslaan"))

    def __init__(self, *args, neighbourhood: Neighbourhood | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.neighbourhood = neighbourhood

    def validate_name(self, field) -> None:
        message = _("Er is al een wijk met de naam ‘%(name)s’.", name=field.data)
        _refuse_taken_name(field, neighbourhood_name_taken, self.neighbourhood, message)


class InitiativeForm(Form):
    name = StringField(
        _l("Naam van het initiatief"),
        filters=[_tidy],
        validators=[
            DataRequired(_l("Geef het initiatief een naam.")),
            Length(max=200, message=_l("De naam mag hoogstens 200 tekens lang zijn.")),
        ],
    )
    neighbourhood_id = SelectField(
        _l("Wijk"), coerce=int, choices=[], validators=[DataRequired(_l("Kies de wijk van het initiatief."))]
    )
    address = StringField(
        _l("Adres (optioneel)"),
        description=_l("Waar het initiatief te vinden is, bijvoorbeeld voor een halte op een route."),
        filters=[_tidy],
        validators=[Optional(), Length(max=300, message=_l("Het adres mag hoogstens 300 tekens lang zijn."))],
    )
    description = TextAreaField(
        _l("Beschrijving (optioneel)"),
        description=_l("Wat doet het initiatief, en voor wie?"),
        validators=[Optional(), Length(max=5000, message=_l("De beschrijving mag hoogstens 5.000 tekens lang zijn."))],
    )
    submit = SubmitField(_l("Opslaan"))

    def __init__(self, *args, initiative: Initiative | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.initiative = initiative
        hoods = db.session.scalars(db.select(Neighbourhood).order_by(Neighbourhood.name))
        self.neighbourhood_id.choices = choice_list([(0, _("— kies een wijk —"))] + [(n.id, n.name) for n in hoods])

    def validate_name(self, field) -> None:
        message = _("Er is al een initiatief met de naam ‘%(name)s’.", name=field.data)
        _refuse_taken_name(field, initiative_name_taken, self.initiative, message)

    def details(self) -> InitiativeDetails:
        return InitiativeDetails(
            name=required(self.name.data),
            neighbourhood_id=self.neighbourhood_id.data,
            address=self.address.data or "",
            description=self.description.data or "",
        )


class InitiativeFilterForm(Form):
    """The overview's choice of wijk, read from the query string (a GET form: no CSRF needed)."""

    class Meta:
        csrf = False

    wijk = SelectField(_l("Wijk"), choices=[], validators=[Optional()])

    def __init__(self, formdata, **kwargs):
        super().__init__(formdata, **kwargs)
        hoods = db.session.scalars(db.select(Neighbourhood).order_by(Neighbourhood.name)).all()
        self.by_slug = {n.slug: n for n in hoods}
        self.wijk.choices = choice_list([("", _("Alle wijken"))] + [(n.slug, n.name) for n in hoods])

    def chosen(self) -> Neighbourhood | None:
        """The chosen wijk; an unknown slug is ignored."""
        return self.by_slug.get(self.wijk.data or "")
