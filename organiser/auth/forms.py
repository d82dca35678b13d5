"""Forms for logging in."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from ..forms import Form


class LoginForm(Form):
    email = EmailField(
        _l("E-mailadres"),
        filters=[lambda value: value.strip() if value else value],
        validators=[
            DataRequired(_l("Vul uw e-mailadres in.")),
            Email(_l("Dit is geen geldig e-mailadres.")),
            Length(max=254),
        ],
    )
    password = PasswordField(_l("Wachtwoord"), validators=[DataRequired(_l("Vul uw wachtwoord in.")), Length(max=200)])
    submit = SubmitField(_l("Inloggen"))
