"""Every token URL with hostile tokens (hypothesis): never a 5xx, nothing changes, unknown tokens all look the
same, and the secret-URL headers are there on every answer."""

from __future__ import annotations

import re
import string
from urllib.parse import quote, quote_from_bytes

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from organiser.calendar.links import issue_feed_token
from organiser.invitations import links, sending
from organiser.invitations.models import Invitation
from tests.bad_input.conftest import FAST, NASTY

#: Refused in any URL (organiser.web.URL_CONTROL_CHARACTERS).
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
URL_SAFE = string.ascii_letters + string.digits + "-_"

hostile_tokens = st.one_of(
    st.text(min_size=1, max_size=80).map(lambda text: quote(text, safe="")),
    st.text(alphabet=URL_SAFE, min_size=1, max_size=100),  # well-shaped (20-64 characters) or not, never issued
    st.binary(min_size=1, max_size=60).map(lambda raw: quote_from_bytes(raw, safe="")),  # not even UTF-8
    st.sampled_from([quote(value, safe="") for value in NASTY if value]),
    st.integers(min_value=1, max_value=5000).map(lambda n: "A" * n),
)


def token_requests(client, token: str):
    """Every token URL, as a reader (GET, HEAD) and as a form would (POST with CSRF)."""
    yield client.get(f"/rsvp/{token}")
    yield client.post(f"/rsvp/{token}", {"answer": "yes", "plus_ones": "0", "note": ""})
    yield client.get(f"/rsvp/{token}/data")
    yield client.post(f"/rsvp/{token}/withdraw", {})
    yield client.get(f"/calendar/personal/{token}.ics")
    yield client.head(f"/calendar/personal/{token}.ics")
    yield client.get(f"/calendar/personal/manage/{token}")
    yield client.post(f"/calendar/personal/manage/{token}", {})


@pytest.fixture
def unknown_page(client):
    """What an unknown RSVP link shows (a revoked one must look exactly the same)."""
    return main(client.get(f"/rsvp/{'x' * 43}").get_data(as_text=True))


def main(page: str) -> str:
    """The page's own content (the header carries a fresh CSRF token and the current path)."""
    return page.split('<main id="main"', 1)[1].split("</main>", 1)[0]


@FAST
@given(token=hostile_tokens)
@example(token="%2F%2Fevil.example%2F")  # decoded to "//": once a 308 built from the path (Werkzeug's merge_slashes)
def test_hostile_tokens(client, counts, unknown_page, token):
    before = counts()
    for response in token_requests(client, token):
        # 400: a control character in the URL, refused before any lookup (the same for every token).
        assert response.status_code in (400, 404, 405, 410), (token, response.request.path, response.status_code)
        request = response.request
        if request.method == "GET" and request.path.startswith("/rsvp/") and request.path.count("/") == 2:
            if response.status_code == 400:
                assert CONTROL.search(request.path)
                continue
            assert main(response.get_data(as_text=True)) == unknown_page  # /rsvp/<token> itself
    assert counts() == before


@pytest.fixture
def real_tokens(db, create_event, create_person):
    """A working RSVP token and feed token, to combine with hostile additions."""
    event = create_event()
    person = create_person()
    invitation = Invitation(event=event, person=person)
    db.session.add(invitation)
    db.session.flush()
    from flask import current_app

    with current_app.test_request_context():
        sending.send_invitations(event)
    feed = issue_feed_token(person)
    rsvp = links.rsvp_token(invitation)
    db.session.commit()
    return rsvp, feed


@FAST
@given(suffix=st.text(min_size=1, max_size=30).map(lambda text: quote(text, safe="")), query=st.text(max_size=200))
def test_real_tokens_with_hostile_additions(client, counts, real_tokens, suffix, query):
    """A token with something stuck to it is another token (unknown); junk in the query string is ignored."""
    rsvp, feed = real_tokens
    before = counts()
    for response in token_requests(client, rsvp + suffix):
        assert response.status_code in (400, 404, 405, 410)
    # Junk in the query string is ignored, but control characters, which are refused everywhere (400).
    expected = 400 if CONTROL.search(query) else 200
    assert client.get(f"/rsvp/{rsvp}", query_string={"q": query}).status_code == expected
    feed_response = client.get(f"/calendar/personal/{feed}.ics", query_string={"q": query})
    assert feed_response.status_code == expected
    assert counts() == before


def test_secret_url_headers_also_on_errors(client):
    """No token in a Referer header or a shared cache, whether the link works or not."""
    for url in ("/rsvp/" + "y" * 43, "/rsvp/" + "y" * 43 + "/data", "/calendar/personal/manage/" + "y" * 43):
        response = client.get(url)
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/calendar/personal/" + "y" * 43 + ".ics").headers["Referrer-Policy"] == "no-referrer"
