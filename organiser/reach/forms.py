"""Forms of the reach domain: the dashboard's period (a GET form) and the attendance check-in list."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField
from wtforms.validators import DataRequired, Optional

from ..forms import Form, MultiCheckboxField, add_error, choice_list, within_calendar
from .periods import Period, default_period, year_before

#: What a date field sends (ISO), and what people type by hand where a browser shows a plain text box.
DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y"]


class PeriodForm(Form):
    """The period the dashboard covers; read from the query string, so bookmarks and CSV links keep it."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    date_from = DateField(_l("Van"), name="from", format=DATE_FORMATS, validators=[Optional(), within_calendar])
    date_to = DateField(_l("Tot en met"), name="to", format=DATE_FORMATS, validators=[Optional(), within_calendar])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for date_field in (self.date_from, self.date_to):
            if date_field.errors:
                # WTForms' own message is English and technical; say what to type instead.
                date_field.errors = [_("Vul een geldige datum in, bijvoorbeeld 31-12-2025.")]
        if ok and self.date_from.data and self.date_to.data and self.date_from.data > self.date_to.data:
            add_error(self.date_to, _("De einddatum ligt vóór de begindatum."))
            ok = False
        return ok

    def period(self) -> Period:
        """The chosen period; missing ends default to a year back and today. Call only after validate()."""
        end = self.date_to.data or default_period().end
        return Period(self.date_from.data or year_before(end) + timedelta(days=1), end)


class AttendanceForm(Form):
    """Check-in: one checkbox per person expected (and on the waiting list)."""

    present = MultiCheckboxField(_l("Aanwezig"), coerce=int, choices=[])
    #: Saving a list with nobody ticked marks everyone absent: only when the organiser says so (never one click).
    nobody_came = BooleanField(_l("Ja, er is niemand van deze lijst gekomen"))

    def __init__(self, *args, invitation_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.present.choices = choice_list((i, _("aanwezig")) for i in invitation_ids)


class ClearAttendanceForm(Form):
    """Forgetting recorded attendance, confirmed by a tick (never a one-click wipe)."""

    confirm = BooleanField(
        _l("Ja, wis de vastgelegde aanwezigheid"),
        validators=[DataRequired(_l("Vink aan dat u de vastgelegde aanwezigheid wilt wissen."))],
    )
