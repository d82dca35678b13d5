"""A line break in a one-line field (a crafted POST can send one) is refused with a message, in every form: it
would split mail headers, calendar lines and CSV rows. Multi-line fields (descriptions, notes) keep theirs."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms.fields.core import UnboundField

import organiser
from organiser.events.models import Event, Stop
from organiser.forms import Form, is_single_line
from organiser.people.models import Person
from organiser.places.models import Initiative, Neighbourhood
from tests.bad_input.test_forms import PERSON
from tests.events.test_events import event_form

MESSAGE = "Dit veld is één regel: haal de regelovergang weg."
#: CR, LF, CRLF, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR.
BREAKS = ["\n", "\r", "\r\n", "\x85", "\u2028", "\u2029"]


def every_form_class() -> list[type]:
    classes = set()
    for module_info in pkgutil.walk_packages(organiser.__path__, "organiser."):
        if not module_info.name.endswith("forms"):
            continue
        module = importlib.import_module(module_info.name)
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, FlaskForm) and value.__module__ == module.__name__:
                classes.add(value)
    return sorted(classes, key=lambda c: (c.__module__, c.__name__))


def test_every_form_uses_the_base_that_refuses_line_breaks():
    classes = every_form_class()
    assert len(classes) > 15
    assert [c for c in classes if not issubclass(c, Form)] == []


@pytest.mark.parametrize("form_class", every_form_class(), ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_one_line_field_of_every_form_refuses_each_line_break(app, form_class):
    with app.test_request_context():
        # The Meta WTForms builds for the form (from every Meta in its bases), without calling its constructor.
        meta = type("Meta", tuple(c.Meta for c in form_class.__mro__ if "Meta" in c.__dict__), {})()
        fields = [(name, value) for name, value in inspect.getmembers(form_class) if isinstance(value, UnboundField)]
        for name, unbound in fields:
            if not is_single_line(unbound.field_class):
                continue
            for line_break in BREAKS:
                field = meta.bind_field(None, unbound, {"name": name, "prefix": "", "_meta": meta})
                field.process(MultiDict({name: f"Eerste{line_break}Tweede"}))
                assert field.process_errors, (name, repr(line_break))
                assert MESSAGE in str(field.process_errors[0])


def test_a_newline_in_an_event_title_or_place_is_refused(logged_in, db):
    for field in ("title", "location"):
        for line_break in BREAKS:
            data = event_form(format="bruiscafe", **{field: f"Borrel{line_break}Bcc: iedereen@example.org"})
            response = logged_in.post("/events/new/bruiscafe", data)
            assert response.status_code == 200, (field, repr(line_break))
            assert MESSAGE in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Event)) == 0
    # The description is several lines on purpose.
    assert logged_in.post("/events/new/bruiscafe", event_form(description="Regel 1\nRegel 2")).status_code == 302
    event = db.session.scalar(db.select(Event))
    response = logged_in.post(f"/events/{event.id}/edit", event_form(title="Wijksafari\nOosterpark"))
    assert MESSAGE in response.get_data(as_text=True)
    db.session.refresh(event)
    assert event.title == "Wijksafari Oosterpark"


def test_a_newline_in_a_stop_is_refused(logged_in, db):
    logged_in.post("/events/new/wijksafari", event_form())
    event = db.session.scalar(db.select(Event))
    for field in ("name", "address"):
        data = {
            "name": "Moestuin",
            "address": "Parkweg 12",
            "starts_at": "2030-06-15T13:00",
            "ends_at": "2030-06-15T13:30",
            "initiative_id": "0",
        }
        data[field] += "\r\nX"
        response = logged_in.post(f"/events/{event.id}/stops", data)
        assert MESSAGE in response.get_data(as_text=True), field
    assert db.session.scalar(db.select(Stop)) is None


def test_a_newline_in_a_wijk_or_initiative_name_is_refused(logged_in, db, create_neighbourhood):
    response = logged_in.post("/neighbourhoods", {"name": "Ooster\npark"})
    assert MESSAGE in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Neighbourhood)) is None
    hood = create_neighbourhood()
    for field in ("name", "address"):
        data = {"name": "Moestuin", "neighbourhood_id": str(hood.id), "address": "Parkweg 12", "description": ""}
        data[field] = "Moes\u2028tuin"
        response = logged_in.post("/initiatives/new", data)
        assert MESSAGE in response.get_data(as_text=True), field
    assert db.session.scalar(db.select(Initiative)) is None


def test_a_newline_in_a_person_is_refused(logged_in, db):
    person = PERSON
    for field in ("name", "email", "new_department"):
        response = logged_in.post("/people/new", {**person, field: person[field][:4] + "\n" + person[field][4:]})
        assert response.status_code == 200
        assert MESSAGE in response.get_data(as_text=True), field
    assert db.session.scalar(db.select(Person)) is None


def test_the_create_organiser_command_refuses_a_line_break(app, db):
    from organiser.auth.models import Organiser

    for name, email in (("Olga\nBcc: x@example.org", "olga@example.org"), ("Olga", "olga@example.org\r\nX: y")):
        result = app.test_cli_runner().invoke(
            args=["create-organiser", "--name", name, "--email", email, "--password", "correct horse battery"]
        )
        assert result.exit_code != 0
        assert "Naam en e-mailadres zijn elk één regel, zonder stuurtekens." in result.output
    assert db.session.scalar(db.select(Organiser)) is None
