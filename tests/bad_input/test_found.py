"""The bugs the property tests found, each pinned down as a plain example (they were 500s, or bad data)."""

from __future__ import annotations

import io

import pytest

from organiser.events.models import Event
from organiser.invitations.models import InvitationState
from tests.events.test_events import event_form


def test_control_characters_in_text_are_refused_with_a_message(logged_in, db):
    """NUL cannot be stored by PostgreSQL (it was a 500 there); other control characters break calendars."""
    for title in ("Borrel\x00", "Borrel\x07"):
        response = logged_in.post("/events/new/bruiscafe", event_form(format="bruiscafe", title=title))
        assert response.status_code == 200
        assert "Hier staan onzichtbare stuurtekens in." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Event)) == 0
    # Tabs and line breaks in a description are fine.
    data = event_form(format="bruiscafe", description="Eerste regel\r\n\tTweede regel")
    assert logged_in.post("/events/new/bruiscafe", data).status_code == 302


@pytest.mark.parametrize("moment", ["0001-01-01T00:00", "9999-12-31T22:00", "1899-06-01T12:00"])
def test_dates_far_from_now_are_refused(logged_in, db, moment):
    """Year 1 overflowed when converted to UTC (a 500); such dates are typing mistakes anyway."""
    data = event_form(format="bruiscafe", starts_at=moment, ends_at="2030-06-15T16:00", rsvp_deadline="")
    page = logged_in.post("/events/new/bruiscafe", data).get_data(as_text=True)
    assert "Kies een datum tussen 2000 en 2100." in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Event)) == 0


def test_coordinates_must_be_numbers(logged_in, db):
    """'nan' passed the range check and was stored (GEO:nan;nan in the feeds)."""
    page = logged_in.post("/events/new/bruiscafe", event_form(latitude="nan", longitude="4.9")).get_data(as_text=True)
    assert "Vul een getal in." in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Event)) == 0


def test_ids_too_large_for_the_database_are_not_found(logged_in, create_event, organiser):
    """SQLite refused to look up an id over 64 bits (a 500)."""
    for url in ("/events/99999999999999999999", "/events/99999999999999999999.ics", "/people/99999999999999999999"):
        assert logged_in.get(url).status_code == 404
    event = create_event(organiser=organiser)
    assert logged_in.post(f"/events/{event.id}/teams/9223372036854775808/lock", {}).status_code == 404


def test_a_page_number_too_large_shows_the_first_page(logged_in, create_event, organiser):
    """OFFSET overflowed on both databases (a 500)."""
    event = create_event(organiser=organiser)
    assert logged_in.get("/people?pagina=99999999999999999999").status_code == 200
    url = f"/events/{event.id}/guests?zoeken=1&pagina=99999999999999999999"
    assert logged_in.get(url).status_code == 200


def test_a_blank_directory_filter_means_no_filter(logged_in, create_event, organiser):
    """' ' passed Optional() without the choice check and reached int() (a 500)."""
    event = create_event(organiser=organiser)
    for url in ("/people?afdeling=+&soort=+", f"/events/{event.id}/guests?zoeken=1&wijk=+&rol=+"):
        assert logged_in.get(url).status_code == 200


def test_strange_ids_in_guest_and_team_forms(logged_in, db, create_event, organiser):
    """Ids over 64 bits (SQLite overflow) and '²' (a digit to str.isdigit, not to int) were 500s."""
    event = create_event(organiser=organiser, forms_teams=True)
    for person_ids in (["99999999999999999999999"], ["²"], ["-1"]):
        response = logged_in.post(f"/events/{event.id}/guests/add", {"person_ids": person_ids})
        assert response.status_code == 302
    for invitation_id in ("²", "99999999999999999999999"):
        response = logged_in.post(f"/events/{event.id}/teams/guide", {"invitation_id": invitation_id})
        assert response.status_code in (302, 404)


def test_a_period_far_from_now_is_explained(logged_in):
    """Year 1 in the reach period made 'a year before' impossible (a 500)."""
    page = logged_in.get("/reach?from=0001-01-01&to=0001-06-01").get_data(as_text=True)
    assert "Deze periode klopt niet." in page


def test_recording_an_answer_without_a_valid_choice_says_so(logged_in, db, create_event, organiser, invitees):
    from organiser.invitations.models import Invitation

    event = create_event(organiser=organiser)
    [invitation] = invitees(event, 1)
    response = logged_in.post(f"/events/{event.id}/answers/{invitation.id}", {"answer": "misschien"})
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Er is niets vastgelegd" in page
    assert db.session.get(Invitation, invitation.id).state == InvitationState.INVITED


# --- Wijken and initiatives (their forms bypassed the base Form: NUL was a 500 on PostgreSQL, \x01 was stored) ---


@pytest.mark.parametrize("name", ["Oost\x00park", "Oost\x01park"])
def test_control_characters_in_wijk_names_are_refused(logged_in, db, create_neighbourhood, name):
    from organiser.places.models import Neighbourhood

    response = logged_in.post("/neighbourhoods", {"name": name})
    assert response.status_code == 200
    assert "Hier staan onzichtbare stuurtekens in." in response.get_data(as_text=True)
    hood = create_neighbourhood("De Velden")
    response = logged_in.post(f"/neighbourhoods/{hood.id}/edit", {"name": name})
    assert response.status_code == 200
    assert "Hier staan onzichtbare stuurtekens in." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalars(db.select(Neighbourhood.name)).all() == ["De Velden"]


@pytest.mark.parametrize("text", ["Moes\x00tuin", "Moes\x01tuin"])
def test_control_characters_in_initiatives_are_refused(logged_in, db, create_initiative, text):
    from organiser.places.models import Initiative

    existing = create_initiative("Stadsimkers")
    hood_id = str(existing.neighbourhood_id)
    for field in ("name", "address"):
        data = {"name": "Repair Café", "neighbourhood_id": hood_id, "address": "", "description": ""}
        data[field] = text
        for url in ("/initiatives/new", f"/initiatives/{existing.id}/edit"):
            response = logged_in.post(url, data)
            assert response.status_code == 200, (url, field)
            assert "Hier staan onzichtbare stuurtekens in." in response.get_data(as_text=True)
    db.session.expire_all()
    assert [(i.name, i.address) for i in db.session.scalars(db.select(Initiative))] == [("Stadsimkers", "")]


@pytest.mark.parametrize("wijk", ["\x00", "oost\x01park", "x" * 500])
def test_a_wijk_filter_no_wijk_can_have_is_no_error(logged_in, create_initiative, wijk):
    create_initiative()
    # Control characters are refused in every URL before any view (web.refuse_control_characters_in_url): 400.
    expected = 400 if any(ord(c) < 32 for c in wijk) else 200
    for url in ("/initiatives", "/initiatives/new", "/agenda", "/people"):
        response = logged_in.get(url, query_string={"wijk": wijk})
        assert response.status_code == expected, url


def test_agenda_filters_with_control_characters_show_an_empty_agenda(client, create_event):
    """A wijk no slug can be matches no event (and is not sent to the database: NUL was a 500 on PostgreSQL)."""
    create_event(title="Bruiscafé in de moestuin")
    assert "Bruiscafé in de moestuin" in client.get("/agenda").get_data(as_text=True)
    page = client.get("/agenda", query_string={"wijk": "oost\x00park", "format": "\x00"}).get_data(as_text=True)
    assert "Bruiscafé in de moestuin" not in page


@pytest.mark.parametrize("direction", ["", "sideways", "UP", "\x00"])
def test_moving_a_stop_in_an_unknown_direction_moves_nothing(logged_in, db, create_event, organiser, direction):
    from organiser.events.models import Stop

    event = create_event(organiser=organiser, format="wijksafari")
    start = event.starts_at
    for position, name in enumerate(("Eerste", "Tweede"), start=1):
        db.session.add(
            Stop(
                event_id=event.id,
                position=position,
                name=name,
                address="Straat 1",
                starts_at=start,
                ends_at=start + (event.ends_at - event.starts_at),
            )
        )
    db.session.commit()
    first = db.session.scalar(db.select(Stop).where(Stop.position == 1))
    response = logged_in.post(f"/events/{event.id}/stops/{first.id}/move", {"direction": direction})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalars(db.select(Stop.name).order_by(Stop.position)).all() == ["Eerste", "Tweede"]
    logged_in.post(f"/events/{event.id}/stops/{first.id}/move", {"direction": "down"})
    db.session.expire_all()
    assert db.session.scalars(db.select(Stop.name).order_by(Stop.position)).all() == ["Tweede", "Eerste"]


@pytest.mark.parametrize("page", ["²", "٣", "-1", "1_0", " 2"])
def test_strange_page_numbers_show_the_first_page(logged_in, page):
    assert logged_in.get("/people", query_string={"pagina": page}).status_code == 200


@pytest.mark.parametrize("upload_id", ["%00", "abc%01def", "x" * 43 + "%00", "é" * 43])
def test_an_import_id_that_cannot_be_one_is_not_found(logged_in, upload_id):
    """An import id with NUL reached the database (a 500 on PostgreSQL)."""
    for suffix in ("", "/commit", "/cancel"):
        response = logged_in.get(f"/people/import/{upload_id}{suffix}")
        assert response.status_code in (400, 404, 405), suffix  # 400: a control character, refused in every URL
    for suffix in ("", "/cancel"):
        assert logged_in.post(f"/people/import/{upload_id}{suffix}", {}).status_code in (400, 404), suffix


@pytest.mark.parametrize("field", ["title", "starts_at", "ends_at"])
def test_a_file_sent_in_place_of_a_text_field_is_refused_with_a_message(logged_in, db, field):
    """A file in a multipart POST where the form expects text reached the field as a file object (a 500): only a
    form's file fields take files; the text field is then as good as empty."""
    data = event_form(format="bruiscafe")
    data[field] = (io.BytesIO(b"%PDF-1.4 niet dit"), "uitnodiging.pdf")
    response = logged_in.post("/events/new/bruiscafe", data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Event)) == 0
