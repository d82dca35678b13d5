"""Every form with hostile input (hypothesis): never a 5xx, a clear message where the form comes back, nothing
half-saved. See conftest.py for the strategies and the checks."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from organiser.events.forms import to_form_value
from organiser.invitations import links
from organiser.invitations.models import InvitationState
from tests.bad_input.conftest import FAST, check_answer, dates, junk, numbers, submissions
from tests.events.test_events import event_form


def is_local(location: str) -> bool:
    """Where a browser would go stays on this site (browsers drop tabs and newlines, and read \\ as /)."""
    seen = location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    parts = urlsplit(seen)
    return not parts.scheme and not parts.netloc and seen.startswith("/") and not seen.startswith("//")


def check_redirect_is_local(response) -> None:
    if response.status_code in (301, 302, 303):
        assert is_local(response.headers["Location"]), response.headers["Location"]


# --- Logging in, the language switch -------------------------------------------------------------------------

LOGIN = {"email": "organiser@example.org", "password": "correct horse battery"}


@FAST
@given(data=submissions(LOGIN), next_=st.one_of(st.none(), junk))
def test_login_form(client, organiser, counts, data, next_):
    before = counts()
    url = "/login" if next_ is None else "/login?" + urlencode({"next": next_})
    response = client.post(url, data)
    client._csrf = None  # a successful login starts a new session
    check_answer(response, before, counts())
    check_redirect_is_local(response)


@FAST
@given(data=submissions({"lang": "en", "next": "/agenda"}))
def test_language_switch(client, counts, data):
    before = counts()
    response = client.post("/language", data)
    check_answer(response, before, counts())
    check_redirect_is_local(response)
    assert response.status_code == 302


# --- Events and stops ----------------------------------------------------------------------------------------

EVENT_SPECIAL = {
    "starts_at": dates,
    "ends_at": dates,
    "rsvp_deadline": dates,
    "capacity": numbers,
    "max_plus_ones": numbers,
    "min_office_share": numbers,
    "latitude": numbers,
    "longitude": numbers,
    "format": st.sampled_from(["wijksafari", "speurtocht", "bruiscafe", "WIJKSAFARI", "bruiscafé"]),
    "owner": st.sampled_from(["municipality", "residents", "gemeente"]),
    "neighbourhood_id": numbers,
    "hosts": numbers,
}


@FAST
@given(data=submissions(event_form(latitude="52.36", longitude="4.91"), EVENT_SPECIAL))
def test_new_event_form(logged_in, counts, data):
    before = counts()
    check_answer(logged_in.post("/events/new/bruiscafe", data), before, counts())


@pytest.fixture
def own_event(create_event, organiser):
    return create_event(organiser=organiser, format="wijksafari", capacity=10, max_plus_ones=1)


def event_row(db, event_id):
    from organiser.events.models import Event

    db.session.expire_all()
    event = db.session.get(Event, event_id)
    return {c.name: getattr(event, c.name) for c in event.__table__.columns if c.name != "updated_at"}


@FAST
@given(data=submissions(event_form(format="wijksafari"), EVENT_SPECIAL))
def test_edit_event_form(logged_in, db, counts, own_event, data):
    before, row = counts(), event_row(db, own_event.id)
    response = logged_in.post(f"/events/{own_event.id}/edit", data)
    check_answer(response, before, counts())
    if response.status_code != 302:
        assert event_row(db, own_event.id) == row


def stop_form(event) -> dict[str, str]:
    start = to_form_value(event.starts_at)
    return {
        "name": "De moestuin",
        "address": "Parkweg 3",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
        "initiative_id": "0",
    }


@FAST
@given(data=st.data())
def test_stop_form(logged_in, app, counts, own_event, data):
    with app.test_request_context():
        valid = stop_form(own_event)
    submission = data.draw(submissions(valid, {"starts_at": dates, "ends_at": dates, "initiative_id": numbers}))
    before = counts()
    check_answer(logged_in.post(f"/events/{own_event.id}/stops", submission), before, counts())


@FAST
@given(direction=junk, stop_id=st.one_of(st.integers(min_value=0, max_value=2**70).map(str), junk))
def test_stop_buttons(logged_in, counts, own_event, direction, stop_id):
    before = counts()
    for action in ("move", "delete"):
        response = logged_in.post(f"/events/{own_event.id}/stops/{stop_id}/{action}", {"direction": direction})
        assert response.status_code < 500
    assert counts() == before  # no such stop


# --- People and the CSV import --------------------------------------------------------------------------------

PERSON = {
    "name": "Fatima el Amrani",
    "email": "fatima@gemeente.example",
    "kind": "staff",
    "department_id": "",
    "new_department": "Vergunningen",
    "contact_role": "office",
}


@FAST
@given(data=submissions(PERSON, {"kind": st.sampled_from(["staff", "resident", "bewoner"])}))
@example(data={**PERSON, "email": "\x00"})  # once a 500 on PostgreSQL: validate_email looked the refused text up
@example(data={**PERSON, "contact_role": " "})  # once a 500: Optional() let the spaces through as a choice
def test_person_form(logged_in, counts, data):
    before = counts()
    check_answer(logged_in.post("/people/new", data), before, counts())


@pytest.fixture
def existing_person(create_person):
    """Made once for all examples of a test (hypothesis keeps function-scoped fixtures across examples)."""
    return create_person(email="bestaand@gemeente.example")


@FAST
@given(data=submissions(PERSON))
@example(data={**PERSON, "contact_role": " "})  # once a 500: Optional() let the spaces through as a choice
def test_edit_person_form(logged_in, counts, existing_person, data):
    before = counts()
    check_answer(logged_in.post(f"/people/{existing_person.id}/edit", data), before, counts())


@FAST
@given(
    content=st.one_of(
        st.binary(max_size=3000),
        st.text(max_size=3000).map(lambda text: ("naam;e-mail;soort\n" + text).encode("utf-8", "surrogatepass")),
        st.lists(st.lists(junk, min_size=1, max_size=8), min_size=1, max_size=20).map(
            lambda rows: "\n".join(";".join(cell.replace(";", ",") for cell in row) for row in rows).encode()
        ),
    ),
    filename=junk,
)
def test_csv_upload(logged_in, counts, content, filename):
    before = counts()
    response = logged_in.post(
        "/people/import", {"file": (io.BytesIO(content), filename or "x.csv")}, content_type="multipart/form-data"
    )
    if response.status_code == 302:  # kept for the preview: nothing imported yet, and the preview works
        preview = logged_in.get(response.headers["Location"])
        assert preview.status_code == 200
        after = counts()
        assert after["person"] == before["person"] and after["person_import"] == before["person_import"] + 1
        return
    check_answer(response, before, counts())


# --- Searching, filtering (GET forms: never a change) ----------------------------------------------------------

SEARCH_KEYS = ["zoek", "soort", "afdeling", "rol", "wijk", "initiatief", "status", "pagina", "zoeken", "aantal"]


@FAST
@given(args=st.dictionaries(st.sampled_from(SEARCH_KEYS), junk, max_size=5))
def test_directory_guest_list_and_suggestion_searches(logged_in, counts, own_event, args):
    before = counts()
    for url in (
        "/people",
        "/people/export.csv",
        f"/events/{own_event.id}/guests",
        f"/events/{own_event.id}/guests/suggestions",
    ):
        response = logged_in.get(url, query_string={**args, "zoeken": "1"})
        assert response.status_code < 500, (url, response.status_code)
    assert counts() == before


@FAST
@given(args=st.dictionaries(st.sampled_from(["from", "to", "format", "wijk"]), junk, max_size=3))
def test_reach_period_agenda_and_feed_filters(logged_in, counts, args):
    before = counts()
    for url in ("/reach", "/reach/first-timers", "/reach/departments.csv", "/agenda", "/calendar/public.ics"):
        response = logged_in.get(url, query_string=args)
        assert response.status_code < 500, (url, response.status_code)
    assert counts() == before
    if any(re.search(r"[\x00-\x1f\x7f]", f"{name}{value}") for name, value in args.items()):
        assert response.status_code == 400  # control characters are refused in every URL
    elif args.get("from") or args.get("to"):
        page = logged_in.get("/reach", query_string=args)
        if "Deze periode klopt niet" not in page.get_data(as_text=True):
            assert page.status_code == 200


# --- Guest list and answers ------------------------------------------------------------------------------------

ids = st.lists(st.one_of(st.integers(min_value=-(2**70), max_value=2**70).map(str), junk), max_size=5)


@FAST
@given(person_ids=ids, aantal=junk, next_=junk)
def test_adding_guests_and_accepting_suggestions(logged_in, counts, own_event, person_ids, aantal, next_):
    before = counts()
    for url in (f"/events/{own_event.id}/guests/add", f"/events/{own_event.id}/guests/suggestions"):
        response = logged_in.post(url, {"person_ids": person_ids, "aantal": aantal, "next": next_})
        assert response.status_code in (302, 303), (url, response.status_code)
        check_redirect_is_local(response)
    assert counts() == before  # nobody with those ids exists


@FAST
@given(invitation=ids)
def test_sending_invitations(logged_in, counts, own_event, invitation):
    """The ticked invitations on the send page ('²' and ids over 64 bits were 500s): a message, nothing sent."""
    before = counts()
    response = logged_in.post(f"/events/{own_event.id}/send", {"invitation": invitation})
    assert response.status_code in (302, 303), response.status_code
    assert counts() == before


@pytest.fixture
def invited(own_event, invitees):
    """Three colleagues invited to the organiser's event; returns (event, invitations, tokens)."""
    rows = invitees(own_event, 3)
    return own_event, rows, [links.rsvp_token(invitation) for invitation in rows]


RSVP = {"answer": "yes", "plus_ones": "1", "note": "Ik eet vegetarisch."}


@FAST
@given(data=submissions(RSVP, {"answer": st.sampled_from(["yes", "no", "maybe", "waiting", "YES"])}))
def test_rsvp_form(client, counts, invited, data):
    _event, _rows, tokens = invited
    before = counts()
    response = client.post(f"/rsvp/{tokens[0]}", data)
    check_answer(response, before, counts())


@FAST
@given(data=submissions({"answer": "maybe", "plus_ones": "0"}, {"answer": st.sampled_from(["yes", "no", "x"])}))
def test_record_on_behalf(logged_in, counts, invited, data):
    event, rows, _tokens = invited
    before = counts()
    response = logged_in.post(f"/events/{event.id}/answers/{rows[1].id}", data)
    assert response.status_code == 302
    valid = data.get("answer") in ("yes", "no", "maybe") and as_int(data.get("plus_ones", "0")) in (0, 1)
    if not valid:
        assert counts() == before
        page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
        assert "flash--error" in page


def as_int(value: str) -> int | None:
    """What WTForms' coerce=int makes of a value ('00', ' 1', '+1' and '١' are numbers to int())."""
    try:
        return int(value)
    except ValueError:
        return None


@FAST
@given(present=ids)
def test_attendance_list(logged_in, db, counts, invited, present):
    event, _rows, _tokens = invited
    before = counts()
    response = logged_in.post(f"/events/{event.id}/attendance", {"present": present})
    assert response.status_code < 500
    assert counts() == before  # a check-in changes rows, never their number


# --- Teams -----------------------------------------------------------------------------------------------------


@pytest.fixture
def teams_event(db, invited):
    event, rows, _tokens = invited
    event.forms_teams = True
    for row in rows:
        row.state = InvitationState.YES
    event.seats_taken = len(rows)
    db.session.commit()
    return event


@FAST
@given(
    count=st.one_of(numbers, junk),
    invitation_id=st.one_of(st.integers(min_value=-(2**70), max_value=2**70).map(str), junk),
    team_id=st.one_of(st.integers(min_value=-(2**70), max_value=2**70).map(str), junk),
    locked=junk,
)
def test_teams_forms(logged_in, counts, teams_event, count, invitation_id, team_id, locked):
    base = f"/events/{teams_event.id}/teams"
    for url, data in (
        (f"{base}/form", {"count": count}),
        (f"{base}/move", {"invitation_id": invitation_id, "team_id": team_id}),
        (f"{base}/guide", {"invitation_id": invitation_id}),
        (f"{base}/{team_id}/lock", {"locked": locked}),
    ):
        response = logged_in.post(url, data)
        assert response.status_code < 500, (url, data, response.status_code)
