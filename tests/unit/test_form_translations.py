"""WTForms' own messages come in the request's language, and its catalogue is read from disk once per process and
language, not in every request that makes a form (Flask-WTF's way: 0.3 ms a request)."""

from __future__ import annotations

from babel import support
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField

from organiser.forms import Form, wtforms_translations


class Counting(Form):
    class Meta:
        csrf = False

    number = IntegerField()


def test_wtforms_messages_in_the_language_of_each_request_read_once(app, monkeypatch):
    loads = []
    load = support.Translations.load
    monkeypatch.setattr(
        support.Translations, "load", lambda *args, **kwargs: loads.append(args) or load(*args, **kwargs)
    )
    wtforms_translations.cache_clear()
    errors = []
    for _ in range(3):
        for locale in ("nl", "en"):
            with app.test_request_context(), force_locale(locale):
                form = Counting(MultiDict({"number": "twee"}))
                assert not form.validate()
                errors.append((locale, form.number.errors[0]))
    assert set(errors) == {("nl", "Ongeldig getal."), ("en", "Not a valid integer value.")}
    assert len(loads) == 2  # one per language, not one per request
