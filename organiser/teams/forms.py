"""Forms for teams: how many teams to form, moving someone, choosing a guide."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, SelectField
from wtforms.validators import AnyOf, DataRequired, InputRequired, NumberRange

from ..forms import Form, record_id, required
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
    #: Re-forming empties every unlocked team, moves by hand included: only when the organiser says so.
    start_over = BooleanField(
        _l("Ja, deel de niet-vergrendelde teams opnieuw in (ook wie ik met de hand heb verplaatst)")
    )


def _record_id_unless_blank(value):
    """The one id coercion for a hidden id field; blank stays blank (DataRequired says so)."""
    return record_id(value) if value else value


class MemberForm(Form):
    """Names one invitation of the event (for 'make guide'); the view checks it is a yes of this event."""

    invitation_id = HiddenField(validators=[DataRequired()], filters=[_record_id_unless_blank])

    def chosen_id(self) -> int:
        """The invitation's id, once validated (the filter made it a record id)."""
        return record_id(required(self.invitation_id.data))


class MoveForm(MemberForm):
    team_id = SelectField(_l("Naar team"), coerce=record_id, choices=[], validators=[DataRequired()])


class LockForm(Form):
    """Lock ("1") or unlock ("0") a team: the button says which."""

    locked = HiddenField(validators=[AnyOf(["0", "1"], message=_l("Kies vergrendelen of ontgrendelen."))])
