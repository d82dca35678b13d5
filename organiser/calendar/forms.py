"""Forms of the calendar domain."""

from flask_babel import lazy_gettext as _l
from wtforms import SubmitField

from ..forms import Form


class NewFeedLinkForm(Form):
    """Only a button: making a new feed link is a POST with a CSRF token (mail scanners follow links)."""

    submit = SubmitField(_l("Maak een nieuwe agendalink"))
