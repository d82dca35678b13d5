"""Forms of the follow-up: the invitee's answers and contact consent (protected by the personal link's own key,
like the RSVP form), and the organiser's settings for one event."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from ..forms import Form, Length, MultiCheckboxField, choice_list, record_id
from .models import MAX_OPEN_DAYS

YES_NO = (("yes", _l("Ja")), ("no", _l("Nee")))
RATINGS = (
    ("1", _l("1 – slecht")),
    ("2", _l("2 – matig")),
    ("3", _l("3 – goed")),
    ("4", _l("4 – heel goed")),
    ("5", _l("5 – uitstekend")),
)
TEXT_LIMIT = 500


class FollowupForm(Form):
    """The follow-up questions. The labels of the questions are the event's texts (set by the view)."""

    class Meta:
        csrf = False

    #: HMAC of the personal link (invitations.links.answer_form_key), instead of a session-bound CSRF token.
    form_key = HiddenField()
    met_someone = RadioField(
        _l("Heeft u iemand nieuw leren kennen?"),
        choices=choice_list(YES_NO),
        validators=[DataRequired(_l("Kies ja of nee."))],
    )
    departments = MultiCheckboxField(_l("Collega's van deze afdelingen"), coerce=record_id)
    initiatives = MultiCheckboxField(_l("Mensen van deze bewonersinitiatieven"), coerce=record_id)
    keeps_in_touch = RadioField(
        _l("Houdt u contact met iemand die u daar leerde kennen?"), choices=choice_list(YES_NO), validators=[Optional()]
    )
    touch_about = TextAreaField(
        _l("Waarover? (optioneel)"),
        validators=[Length(max=TEXT_LIMIT, message=_l("Dit is te lang: maximaal 500 tekens."))],
    )
    rating = RadioField(_l("Hoe vond u de bijeenkomst?"), choices=choice_list(RATINGS), validators=[Optional()])
    do_differently = TextAreaField(
        _l("Wat kunnen we de volgende keer anders doen? (optioneel)"),
        validators=[Length(max=TEXT_LIMIT, message=_l("Dit is te lang: maximaal 500 tekens."))],
    )
    anonymous = BooleanField(
        _l("Anoniem antwoorden"),
        description=_l(
            "Uw antwoord telt dan mee in de cijfers, maar is aan niemand gekoppeld: de organisator ziet nooit uw "
            "naam erbij. Uw toelichtingen (waarover en wat anders kan) bewaren we dan niet, en u kunt het antwoord "
            "daarna niet meer wijzigen."
        ),
    )
    submit = SubmitField(_l("Antwoorden versturen"))

    def offer_groups(self, departments: list[tuple[int, str]], initiatives: list[tuple[int, str]]) -> None:
        """Whom they may have met: only the departments and initiatives that were there."""
        self.departments.choices = choice_list(departments)
        self.initiatives.choices = choice_list(initiatives)


class ContactForm(Form):
    """Sharing name and e-mail address with fellow attendees who share theirs (consent), or stopping."""

    class Meta:
        csrf = False

    form_key = HiddenField()
    share = HiddenField(validators=[InputRequired(), DataRequired()])
    submit = SubmitField()


class SettingsForm(Form):
    """The organiser's follow-up of one event: on or off, how long open, and the texts (empty: standard)."""

    enabled = BooleanField(_l("Stuur de deelnemers de ochtend na de bijeenkomst de vragen na afloop"))
    open_days = IntegerField(
        _l("Hoeveel dagen staan de vragen open?"),
        validators=[
            InputRequired(_l("Vul een aantal dagen in.")),
            NumberRange(1, MAX_OPEN_DAYS, _l("Kies 1 tot en met %(max)d dagen.", max=MAX_OPEN_DAYS)),
        ],
    )
    intro = TextAreaField(
        _l("Uw woorden boven de vragen (optioneel)"),
        description=_l(
            "Leeg: de standaardtekst, in de taal van de deelnemer. Wat u hier schrijft, krijgt iedereen zoals u het "
            "schrijft."
        ),
        validators=[Length(max=1000, message=_l("Dit is te lang: maximaal 1000 tekens."))],
    )
    question_met = StringField(_l("Vraag: iemand nieuw leren kennen (optioneel)"), validators=[Length(max=300)])
    question_touch = StringField(_l("Vraag: contact houden (optioneel)"), validators=[Length(max=300)])
    question_rating = StringField(_l("Vraag: hoe was het (optioneel)"), validators=[Length(max=300)])
    question_different = StringField(_l("Vraag: wat kan anders (optioneel)"), validators=[Length(max=300)])
    submit = SubmitField(_l("Opslaan"))
