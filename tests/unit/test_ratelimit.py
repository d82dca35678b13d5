"""Token URLs are rate-limited per token (and RSVP pages per address too)."""

from __future__ import annotations

import secrets
from contextlib import contextmanager

from organiser.extensions import db
from tests.conftest import make_app


@contextmanager
def client_with(database_url, **config):
    app = make_app(database_url, **config)
    try:
        yield app.test_client()
    finally:
        with app.app_context():
            db.engine.dispose()


def test_rsvp_page_is_limited_per_token(database_url):
    with client_with(database_url, RATE_LIMIT_TOKEN="3/minute") as client:
        check_rsvp_limit(client)


def check_rsvp_limit(client):
    token = secrets.token_urlsafe(32)  # the in-process counts outlive the app: fresh tokens per run
    codes = [client.get(f"/rsvp/{token}").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]
    # Another token from the same address still gets through (the address limit is far higher).
    assert client.get("/rsvp/" + secrets.token_urlsafe(32)).status_code == 404
    page = client.get(f"/rsvp/{token}").get_data(as_text=True)
    assert "U heeft te vaak geprobeerd." in page


def test_feeds_are_limited_per_token_but_not_per_address(database_url):
    with client_with(database_url, RATE_LIMIT_TOKEN="2/minute") as client:
        check_feed_limit(client)


def check_feed_limit(client):
    token = secrets.token_urlsafe(32)
    assert [client.get(f"/calendar/personal/{token}.ics").status_code for _ in range(3)] == [404, 404, 429]
    # A big calendar service polls many feeds from one address: each token has its own budget.
    assert all(client.get(f"/calendar/personal/{secrets.token_urlsafe(32)}.ics").status_code == 404 for _ in range(10))
