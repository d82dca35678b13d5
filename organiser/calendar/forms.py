"""Forms of the calendar domain."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import Optional

from ..forms import Form, Length


class NewFeedLinkForm(Form):
    """Only a button: making a new feed link is a POST with a CSRF token (mail scanners follow links)."""

    submit = SubmitField(_l("Maak een nieuwe agendalink"))


class PublicFeedFilterForm(Form):
    """?format= and ?wijk= of the public feed and its subscribe page (a GET form, so no CSRF).

    The base form refuses control characters: a NUL in ?wijk= reached PostgreSQL, which cannot compare it.
    """

    class Meta:
        csrf = False

    format = StringField(validators=[Optional(), Length(max=50)])
    wijk = StringField(validators=[Optional(), Length(max=200)])
