"""Forms of the reach domain: the dashboard's period (a GET form), the attendance check-in list, and the day
itself (one tick, a walk-in)."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, RadioField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Optional, ValidationError

from ..forms import (
    DayField,
    Form,
    Length,
    MultiCheckboxField,
    add_error,
    choice_list,
    mail_address,
    parse_record_id,
    record_id,
    required,
    within_calendar,
)
from ..people.directory import PersonDetails, departments, normalise_email
from ..people.models import ContactRole, PersonKind
from .periods import Period, default_period, year_before


class PeriodForm(Form):
    """The period the dashboard covers; read from the query string, so bookmarks and CSV links keep it."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    date_from = DayField(_l("Van"), name="from", validators=[Optional(), within_calendar])
    date_to = DayField(_l("Tot en met"), name="to", validators=[Optional(), within_calendar])

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
    #: Who was ticked when the page was shown (ids, comma-separated): only the ticks changed here are saved.
    shown = HiddenField()
    #: Saving a list with nobody ticked marks everyone absent: only when the organiser says so (never one click).
    nobody_came = BooleanField(_l("Ja, er is niemand van deze lijst gekomen"))

    def __init__(self, *args, invitation_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.present.choices = choice_list((i, _("aanwezig")) for i in invitation_ids)

    def shown_present(self) -> list[int] | None:
        """The ids ticked when the page was shown; None when the form did not say (an older page)."""
        if self.shown.data is None:
            return None
        return [number for number in (parse_record_id(part) for part in self.shown.data.split(",")) if number]


class ClearAttendanceForm(Form):
    """Forgetting recorded attendance, confirmed by a tick (never a one-click wipe)."""

    confirm = BooleanField(
        _l("Ja, wis de vastgelegde aanwezigheid"),
        validators=[DataRequired(_l("Vink aan dat u de vastgelegde aanwezigheid wilt wissen."))],
    )


class TickForm(Form):
    """One tap on the check-in list: this person is present ("1"), or the tick is undone ("0")."""

    present = HiddenField(validators=[AnyOf(["0", "1"])])
    #: The search the list was narrowed to, so that the page comes back the same after the tap.
    q = HiddenField(filters=[lambda value: (value or "")[:100]])


class AdmitForm(Form):
    """A walk-in from the directory: the person chosen from the search results."""

    person_id = HiddenField(validators=[DataRequired()])

    def chosen_id(self) -> int | None:
        try:
            return record_id(self.person_id.data)
        except ValueError:
            return None


#: Who a new walk-in is: the choice sets the kind and, for a colleague, the contact role.
WALK_IN_ROLES = {
    "office": (PersonKind.STAFF, ContactRole.OFFICE),
    "frontline": (PersonKind.STAFF, ContactRole.FRONTLINE),
    "resident": (PersonKind.RESIDENT, None),
}


class WalkInForm(Form):
    """A walk-in who is not in the directory: name, address and who they are (enough for reach to count them)."""

    name = StringField(_l("Naam"), validators=[DataRequired(_l("Vul de naam in.")), Length(max=200)])
    email = EmailField(
        _l("E-mailadres"),
        validators=[
            DataRequired(_l("Vul het e-mailadres in.")),
            mail_address,
            Length(max=254),
        ],
    )
    role = RadioField(
        _l("Wie is het?"),
        choices=choice_list(
            [
                ("office", _l("Collega die vooral op kantoor werkt")),
                ("frontline", _l("Collega met een contactrol (zoals wijkmanager)")),
                ("resident", _l("Bewoner")),
            ]
        ),
        validators=[DataRequired(_l("Kies of dit een collega of een bewoner is."))],
    )
    department_id = SelectField(
        _l("Afdeling (voor een collega)"), choices=[], validators=[Optional()], validate_choice=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        known = [(str(d.id), d.name) for d in departments()]
        self.department_id.choices = choice_list([("", _("— weet ik niet —"))] + known)
        self._department_values = {value for value, _name in known}

    def details(self) -> PersonDetails:
        """The new person's details; call only after validate()."""
        kind, contact_role = WALK_IN_ROLES[required(self.role.data)]
        department = self.department_id.data if kind == PersonKind.STAFF else ""
        return PersonDetails(
            name=required(self.name.data).strip(),
            email=normalise_email(required(self.email.data)),
            kind=kind,
            department_id=record_id(department) if department else None,
            contact_role=contact_role,
        )

    def validate_department_id(self, field) -> None:
        if field.data and field.data not in self._department_values:
            raise ValidationError(_("Kies een afdeling uit de lijst."))
