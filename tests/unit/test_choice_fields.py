"""A choice of only spaces is the empty choice in every form (organiser.forms.Form), not a value that passed
Optional() and then failed where the choice was used (a 500 found by tests/bad_input)."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import RadioField, SelectField
from wtforms.validators import DataRequired, Optional

from organiser.forms import Form, choice_list


class Choosing(Form):
    class Meta:
        csrf = False

    role = RadioField(choices=choice_list([("office", "Kantoor"), ("contact", "Contactrol")]), validators=[Optional()])
    wijk = SelectField(choices=choice_list([("", "Alle"), ("oost", "Oost")]), validators=[Optional()])
    taal = RadioField(choices=choice_list([("nl", "Nederlands")]), validators=[DataRequired()])


@pytest.mark.parametrize("spaces", [" ", "   ", "\t", "\u00a0"])
def test_spaces_are_no_choice(app, spaces):
    with app.test_request_context():
        form = Choosing(MultiDict({"role": spaces, "wijk": spaces, "taal": spaces}))
        assert not form.validate()  # taal is required: spaces are not a language
        assert (form.role.data, form.wijk.data) == ("", "")
        assert not form.role.errors and not form.wijk.errors and form.taal.errors


def test_a_real_choice_is_kept(app):
    with app.test_request_context():
        form = Choosing(MultiDict({"role": "contact", "wijk": "oost", "taal": "nl"}))
        assert form.validate()
        assert (form.role.data, form.wijk.data, form.taal.data) == ("contact", "oost", "nl")
