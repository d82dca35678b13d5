"""Invisible format characters (Unicode category Cf) that disguise text are refused where people type names and
notes, and in the import, by one rule (organiser/characters.py); a mail header never carries them."""

from __future__ import annotations

import io

import pytest

from organiser.auth.services import AccountRefused, create_organiser
from organiser.invitations import links
from organiser.invitations.models import Invitation
from organiser.mail.rendering import one_line
from organiser.people.models import Person

REFUSED = "onzichtbare tekens"
DISGUISED = ["Jan\u202egnp.exe", "J\u200ban de Vries", "Jan\u2066de\u2069 Vries", "\ufeffJan"]


@pytest.mark.parametrize("name", DISGUISED)
def test_the_directory_refuses_a_disguised_name(logged_in, db, name):
    form = {"name": name, "email": "jan@gemeente.example", "kind": "staff", "new_department": "Vergunningen"}
    response = logged_in.post("/people/new", {**form, "contact_role": "office"})
    assert response.status_code == 200 and REFUSED in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Person)) is None


def test_names_that_need_a_joiner_are_taken(logged_in, db):
    form = {"email": "boer@gemeente.example", "kind": "staff", "new_department": "Groen", "contact_role": "office"}
    response = logged_in.post("/people/new", {**form, "name": "Boer 👩‍🌾 Ayşe"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(Person.name)) == "Boer 👩‍🌾 Ayşe"


def test_an_rsvp_note_with_a_direction_override_is_refused(client, db, create_event, invitees):
    (invitation,) = invitees(create_event(), 1)
    token = links.rsvp_token(invitation)
    response = client.post(f"/rsvp/{token}", {"answer": "yes", "plus_ones": "0", "note": "vegan \u202eeslaf"})
    assert response.status_code == 400 and REFUSED in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).note == ""


def test_the_import_refuses_a_disguised_name(logged_in, db):
    csv = "naam;e-mail;soort;afdeling;rol\r\nJan\u202egnp.exe;jan@gemeente.example;collega;Vergunningen;kantoor\r\n"
    response = logged_in.post(
        "/people/import", {"file": (io.BytesIO(csv.encode()), "mensen.csv")}, content_type="multipart/form-data"
    )
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "In de naam staan onzichtbare tekens" in page


def test_an_account_cannot_be_made_with_a_disguised_name(db):
    with pytest.raises(AccountRefused):
        create_organiser("jan@gemeente.example", "Jan\u200b", None)


def test_a_mail_header_drops_them_from_older_data():
    assert one_line("Jan\u202egnp.exe \u200bde Vries") == "Jangnp.exe de Vries"
    assert one_line("Boer 👩‍🌾") == "Boer 👩‍🌾"
