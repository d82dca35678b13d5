"""Forms for invitations: building the guest list, answering, and the organiser's actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from ..forms import Form, Length, choice_list, mail_address, record_id

ANSWER_CHOICES = (
    ("yes", _l("Ja, ik kom")),
    ("maybe", _l("Misschien")),
    ("no", _l("Nee, ik kom niet")),
)


def plus_one_choices(allowed: int, limit: int) -> list:
    """0 … allowed; a number above the event's current limit is one the invitee already had, and says so."""
    return choice_list(
        (n, str(n) if n <= limit else _l("%(num)d (eerder opgegeven)", num=n)) for n in range(allowed + 1)
    )


def plus_ones_field() -> SelectField:
    """How many guests the invitee brings (choices set per form: plus_one_choices)."""
    return SelectField(_l("Hoeveel mensen neemt u mee?"), coerce=int, default=0)


def invitee_note_field() -> TextAreaField:
    """The invitee's note to the organiser (diet, accessibility): at most 500 characters, erased after the event
    (retention.NOTES), as its description tells them."""
    return TextAreaField(
        _l("Opmerking (optioneel)"),
        description=_l(
            "Bijvoorbeeld een dieetwens of wat u nodig heeft om goed mee te kunnen doen (toegankelijkheid). "
            "Alleen de organisator ziet dit, en het wordt na de bijeenkomst verwijderd. Maximaal 500 tekens."
        ),
        validators=[Length(max=500, message=_l("Uw opmerking is te lang: maximaal 500 tekens."))],
    )


class RsvpForm(Form):
    """The invitee's answer. Protected against cross-site requests by the personal link's own secret (see
    `invitations.links.answer_form_key`), so it works in a browser without cookies."""

    class Meta:
        csrf = False

    #: HMAC of the personal link: a cross-site form cannot know it without knowing the link itself.
    form_key = HiddenField()
    answer = RadioField(
        _l("Komt u?"),
        choices=choice_list(ANSWER_CHOICES),
        validators=[DataRequired(_l("Kies of u komt."))],
    )
    plus_ones = plus_ones_field()
    note = invitee_note_field()
    submit = SubmitField(_l("Antwoord versturen"))

    def __init__(self, *args, max_plus_ones: int = 0, limit: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        limit = max_plus_ones if limit is None else limit
        self.plus_ones.choices = plus_one_choices(max_plus_ones, limit)

    def only_down(self, current: str) -> None:
        """After the deadline: keep the current answer (fewer guests, another note) or say no."""
        self.answer.choices = choice_list(pair for pair in ANSWER_CHOICES if pair[0] in (current, "no"))


class WithdrawForm(Form):
    """Withdrawing through the personal link; protected like RsvpForm, by the link's own secret."""

    class Meta:
        csrf = False

    form_key = HiddenField()
    submit = SubmitField()


class RecordAnswerForm(Form):
    """The organiser records an answer on someone's behalf (a phone call, a chat at the counter)."""

    answer = SelectField(_l("Antwoord"), choices=choice_list(ANSWER_CHOICES), validators=[DataRequired()])
    plus_ones = SelectField(_l("Introducés"), coerce=int, default=0)
    note = StringField(
        _l("Opmerking"), validators=[Length(max=500, message=_l("De opmerking is te lang: maximaal 500 tekens."))]
    )
    submit = SubmitField(_l("Vastleggen"))

    def __init__(self, *args, max_plus_ones: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.plus_ones.choices = choice_list((n, str(n)) for n in range(max_plus_ones + 1))


# Guest list and mix ==================================================================================================


class GuestSelectionForm(Form):
    """People ticked in a list (search results or suggestions); the service checks who may be added."""

    #: The checkboxes are drawn by the template, one per row of the table; any id is accepted here.
    person_ids = SelectMultipleField(coerce=record_id, validate_choice=False)
    #: Where to go back to (the search the organiser was looking at).
    next = HiddenField()


class SuggestionCountForm(Form):
    """How many colleagues to suggest (a GET form)."""

    class Meta:
        csrf = False

    aantal = IntegerField(
        _l("Aantal voorstellen"),
        default=10,
        validators=[Optional(), NumberRange(min=1, max=100, message=_l("Kies een aantal van 1 tot en met 100."))],
    )


class AcceptSuggestionsForm(Form):
    """The suggestions the organiser accepts; the number tells the service which list they were chosen from."""

    person_ids = SelectMultipleField(coerce=record_id, validate_choice=False)
    aantal = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=100)])


class SendInvitationsForm(Form):
    """The invitations ticked on the send page; the service sends only this event's unsent ones among them."""

    invitation = SelectMultipleField(coerce=record_id, validate_choice=False)


class EventLinkForm(Form):
    """A personal link for an initiative host (with their initiative) or a check-in helper (without)."""

    name = StringField(_l("Naam"), validators=[DataRequired(_l("Vul een naam in.")), Length(max=200)])
    email = EmailField(
        _l("E-mailadres (om de link te mailen)"),
        filters=[lambda value: value.strip() if value else value],
        validators=[Optional(), mail_address, Length(max=254)],
    )
    initiative_id = SelectField(_l("Initiatief"), choices=[], validators=[Optional()])
    submit = SubmitField(_l("Link maken"))


class HostResidentForm(Form):
    """An initiative host adds a resident of their own initiative."""

    name = StringField(_l("Naam"), validators=[DataRequired(_l("Vul een naam in.")), Length(max=200)])
    email = EmailField(
        _l("E-mailadres"),
        filters=[lambda value: value.strip() if value else value],
        validators=[
            DataRequired(_l("Vul een e-mailadres in.")),
            mail_address,
            Length(max=254),
        ],
    )
    submit = SubmitField(_l("Aanmelden"))
