"""Forms for teams: how many teams to form, moving someone, choosing a guide."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from ..forms import Form
from .balance import MAX_TEAMS


class FormTeamsForm(Form):
    count = IntegerField(
        _l("Aantal teams"),
        description=_l("Vergrendelde teams tellen mee en blijven zoals ze zijn."),
        validators=[
            InputRequired(_l("Vul het aantal teams in.")),
            NumberRange(min=1, max=MAX_TEAMS, message=_l("Kies tussen 1 en 50 teams.")),
        ],
    )


class MemberForm(Form):
    """Names one invitation of the event (for 'make guide')."""

    invitation_id = HiddenField(validators=[DataRequired()])


class MoveForm(MemberForm):
    team_id = SelectField(_l("Naar team"), coerce=int, choices=[], validators=[DataRequired()])
