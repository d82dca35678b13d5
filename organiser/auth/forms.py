"""Forms for logging in, passwords and managing accounts."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Optional

from ..forms import Form, Length, choice_list, mail_address
from ..i18n import language_choices
from .models import NewsDelivery, Role
from .passwords import MAX_PASSWORD_LENGTH, PASSWORD_HINT, AcceptablePassword


def _strip(value):
    return value.strip() if value else value


def email_field(label=None, missing=None) -> EmailField:
    """An address field; `missing`: the message when it is left empty (default: the user's own address)."""
    return EmailField(
        label or _l("E-mailadres"),
        filters=[_strip],
        validators=[
            DataRequired(missing or _l("Vul uw e-mailadres in.")),
            mail_address,
            Length(max=254),
        ],
    )


def new_password_fields(email_attribute: str | None = None) -> tuple[PasswordField, PasswordField]:
    """A new password and its repetition; the rules in passwords.py."""
    password = PasswordField(
        _l("Nieuw wachtwoord"),
        description=PASSWORD_HINT,
        # InputRequired, not DataRequired: twelve spaces get the rule's own message, not "fill in a password".
        validators=[InputRequired(_l("Vul een wachtwoord in.")), AcceptablePassword(email_attribute)],
    )
    repeat = PasswordField(
        _l("Herhaal het nieuwe wachtwoord"),
        validators=[
            DataRequired(_l("Vul het wachtwoord nog een keer in.")),
            EqualTo("password", _l("De twee wachtwoorden zijn niet gelijk.")),
        ],
    )
    return password, repeat


class LoginForm(Form):
    email = email_field()
    # The same maximum as a new password: whatever can be set can be typed here, nothing is cut off.
    password = PasswordField(
        _l("Wachtwoord"),
        validators=[DataRequired(_l("Vul uw wachtwoord in.")), Length(max=MAX_PASSWORD_LENGTH)],
    )
    submit = SubmitField(_l("Inloggen"))


class ForgotPasswordForm(Form):
    email = email_field()
    submit = SubmitField(_l("Stuur mij een link"))


class SetPasswordForm(Form):
    """Choosing a password through a welcome or reset link; the form knows the account's address."""

    password, repeat = new_password_fields("account_email")
    submit = SubmitField(_l("Wachtwoord opslaan"))

    def __init__(self, *args, account_email: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account_email = account_email


class ChangePasswordForm(Form):
    current = PasswordField(
        _l("Huidig wachtwoord"),
        validators=[DataRequired(_l("Vul uw huidige wachtwoord in.")), Length(max=MAX_PASSWORD_LENGTH)],
    )
    password, repeat = new_password_fields("account_email")
    submit = SubmitField(_l("Wachtwoord wijzigen"))

    def __init__(self, *args, account_email: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account_email = account_email


ROLE_CHOICES = choice_list((role.value, role.label) for role in Role)


class InviteAccountForm(Form):
    name = StringField(_l("Naam"), filters=[_strip], validators=[DataRequired(_l("Vul een naam in.")), Length(max=200)])
    email = email_field(missing=_l("Vul het e-mailadres in van wie u uitnodigt."))
    role = SelectField(_l("Rol"), choices=ROLE_CHOICES, default=Role.ORGANISER.value)
    submit = SubmitField(_l("Uitnodiging versturen"))


class RoleForm(Form):
    role = SelectField(_l("Rol"), choices=ROLE_CHOICES)
    submit = SubmitField(_l("Rol opslaan"))


class DeactivateForm(Form):
    successor = SelectField(
        _l("Bijeenkomsten overdragen aan"),
        description=_l("De bijeenkomsten van dit account gaan naar deze collega. Kies niemand om ze te laten staan."),
        validators=[Optional()],
        coerce=str,
    )
    submit = SubmitField(_l("Account uitschakelen"))


class MfaCodeForm(Form):
    code = StringField(
        _l("Code"),
        description=_l("De zes cijfers uit uw app, of een van uw herstelcodes."),
        filters=[_strip],
        validators=[DataRequired(_l("Vul de code in.")), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Doorgaan"))


class MfaOffForm(Form):
    password = PasswordField(
        _l("Uw wachtwoord"), validators=[DataRequired(_l("Vul uw wachtwoord in.")), Length(max=MAX_PASSWORD_LENGTH)]
    )
    submit = SubmitField(_l("Tweede stap uitzetten"))


class NewsSettingsForm(Form):
    """How the account hears about its events (organiser/news), and the language of those mails."""

    news_delivery = RadioField(
        _l("Berichten over uw bijeenkomsten"),
        choices=[],
        description=_l(
            "Nieuwe antwoorden, afmeldingen, de wachtlijst, een volle bijeenkomst, mail die onbestelbaar terugkwam "
            "en antwoorden uit agenda-apps, bij de bijeenkomsten die u organiseert of mede-organiseert."
        ),
        validators=[DataRequired(_l("Kies hoe u berichten wilt krijgen."))],
    )
    locale = RadioField(
        _l("Taal van deze e-mails"), choices=[], validators=[DataRequired(_l("Kies de taal van de e-mails."))]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.news_delivery.choices = choice_list((choice.value, choice.label) for choice in NewsDelivery)
        self.locale.choices = choice_list(language_choices())
