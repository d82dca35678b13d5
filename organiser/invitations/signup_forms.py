"""Forms of the open sign-up: the visitor's sign-up on the public event page, its confirmation, and the
organiser's settings (issue 16)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import (
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, InputRequired, NumberRange, Optional

from ..events.models import Event, WaitingRule
from ..forms import Form, Length, LocalDateTimeField, add_error, choice_list, required, within_calendar
from ..people.models import ContactRole
from .forms import invitee_note_field, plus_one_choices, plus_ones_field
from .models import SignupKind

#: How a colleague says what their work is like (the contact role, in words a colleague recognises).
WORK_CHOICES = (
    (ContactRole.OFFICE.value, _l("Ik werk vooral op kantoor (bijvoorbeeld vergunningen, beleid, financiën)")),
    (
        ContactRole.FRONTLINE.value,
        _l("Ik spreek in mijn werk vaak bewonersinitiatieven (bijvoorbeeld als wijkmanager)"),
    ),
)


class SignupForm(Form):
    """Signing up on the public event page. `website` is a honeypot: people do not see it, robots fill it in."""

    name = StringField(
        _l("Uw naam"),
        validators=[DataRequired(_l("Vul uw naam in.")), Length(max=200)],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("Uw e-mailadres"),
        description=_l("U krijgt een e-mail met een link om uw aanmelding te bevestigen."),
        validators=[
            DataRequired(_l("Vul uw e-mailadres in.")),
            Email(_l("Dit is geen geldig e-mailadres.")),
            Length(max=254),
        ],
        render_kw={"autocomplete": "email"},
    )
    kind = RadioField(
        _l("Wie bent u?"),
        choices=choice_list(SignupKind.choices()),
        validators=[DataRequired(_l("Kies wie u bent."))],
    )
    initiative_id = SelectField(_l("Uw bewonersinitiatief (alleen voor bewoners, optioneel)"), coerce=int, default=0)
    department_id = SelectField(_l("Uw afdeling (alleen voor collega's)"), coerce=int, default=0)
    work = RadioField(
        _l("Uw werk (alleen voor collega's)"),
        choices=choice_list(WORK_CHOICES),
        default=ContactRole.OFFICE.value,
        validators=[Optional()],
    )
    plus_ones = plus_ones_field()
    note = invitee_note_field()
    #: The honeypot: hidden from people (and from screen readers); whoever fills it in is not a person.
    website = StringField(_l("Laat dit veld leeg"), validators=[Optional()])
    submit = SubmitField(_l("Aanmelden"))

    def __init__(self, *args, event: Event, initiatives=(), departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.plus_ones.choices = plus_one_choices(event.max_plus_ones, event.max_plus_ones)
        self.initiative_id.choices = choice_list(
            [(0, _("— geen, of weet ik niet —"))] + [(i.id, i.name) for i in initiatives]
        )
        self.department_id.choices = choice_list(
            [(0, _("— kies uw afdeling —"))] + [(d.id, d.name) for d in departments]
        )

    @property
    def is_robot(self) -> bool:
        return bool((self.website.data or "").strip())

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        chosen_department = bool(self.department_id.data) or len(self.department_id.choices or []) <= 1
        if self.kind.data == SignupKind.STAFF.value and not chosen_department:
            add_error(self.department_id, _("Kies uw afdeling."))
            ok = False
        return ok


class ConfirmSignupForm(Form):
    """The confirm button behind the mailed link; protected by the link's own secret (as the RSVP page)."""

    class Meta:
        csrf = False

    form_key = HiddenField()
    submit = SubmitField(_l("Ja, bevestig mijn aanmelding"))


class SignupSettingsForm(Form):
    """The organiser's choice: by invitation only, or also open sign-up; the seats and the waiting-list rule."""

    signup_open = RadioField(
        _l("Wie kan komen?"),
        choices=choice_list([("0", _l("Alleen op uitnodiging")), ("1", _l("Ook open aanmelding via de agenda"))]),
        validators=[DataRequired()],
    )
    signup_seats = IntegerField(
        _l("Plaatsen voor aanmeldingen (met introducés)"),
        description=_l("Zoveel plaatsen kunnen mensen die zich zelf aanmelden samen innemen."),
        default=0,
        validators=[InputRequired(_l("Vul een aantal in.")), NumberRange(min=0, max=10000)],
    )
    signup_until = LocalDateTimeField(
        _l("Aanmelden kan tot (optioneel)"),
        description=_l("Leeg: tot de reactietermijn, of zonder termijn tot het begin."),
        validators=[Optional(), within_calendar],
    )
    held_seats = IntegerField(
        _l("Plaatsen vastgehouden voor uitgenodigde collega's"),
        description=_l(
            "Tot de reactietermijn (of zonder termijn tot het begin) neemt geen aanmelding deze plaatsen in. "
            "Daarna kunnen ze naar de wachtlijst gaan."
        ),
        default=0,
        validators=[InputRequired(_l("Vul een aantal in.")), NumberRange(min=0, max=10000)],
    )
    contact = StringField(
        _l("Wie kan men vragen om een uitnodiging of met vragen?"),
        description=_l("Naam en e-mailadres of telefoonnummer; staat op de openbare pagina."),
        validators=[Optional(), Length(max=300)],
    )
    waiting_rule = RadioField(
        _l("Wie krijgt een vrije plaats als eerste?"),
        choices=choice_list(WaitingRule.choices()),
        default=WaitingRule.ARRIVAL.value,
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Opslaan"))

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.signup_until.keep = event.signup_until

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        ok, event = True, self.event
        seats, held = required(self.signup_seats.data), required(self.held_seats.data)
        if seats < event.signup_seats_taken:
            add_error(
                self.signup_seats,
                ngettext(
                    "Aanmeldingen nemen al %(num)d plaats in; het aantal kan niet lager zijn.",
                    "Aanmeldingen nemen al %(num)d plaatsen in; het aantal kan niet lager zijn.",
                    event.signup_seats_taken,
                ),
            )
            ok = False
        if seats > event.capacity:
            add_error(self.signup_seats, _("Dat is meer dan het aantal plaatsen (%(num)d).", num=event.capacity))
            ok = False
        if held > event.capacity:
            add_error(self.held_seats, _("Dat is meer dan het aantal plaatsen (%(num)d).", num=event.capacity))
            ok = False
        until = self.signup_until.moment
        if until is not None and until > event.starts_at:
            add_error(self.signup_until, _("Aanmelden moet vóór het begin van de bijeenkomst sluiten."))
            ok = False
        return ok
