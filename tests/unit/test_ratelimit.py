"""Token URLs are rate-limited per token (and RSVP pages per address too, a hundredfold more generously); every
refusal says when to retry; the counts belong to one app."""

from __future__ import annotations

import secrets
from contextlib import contextmanager

from organiser.extensions import db
from organiser.ratelimit import ADDRESS_FACTOR
from tests.conftest import make_app


@contextmanager
def client_with(database_url, **config):
    app = make_app(database_url, **config)
    try:
        yield app.test_client()
    finally:
        with app.app_context():
            db.engine.dispose()


def address() -> dict:
    return {"REMOTE_ADDR": f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"}


def assert_says_when_to_retry(response, at_most: int = 60) -> None:
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= at_most


def test_rsvp_page_is_limited_per_token(database_url):
    with client_with(database_url, RATE_LIMIT_TOKEN="3/minute") as client:
        token = secrets.token_urlsafe(32)
        codes = [client.get(f"/rsvp/{token}").status_code for _ in range(4)]
        assert codes == [404, 404, 404, 429]
        # Another token from the same address still gets through (the address limit is far higher).
        assert client.get("/rsvp/" + secrets.token_urlsafe(32)).status_code == 404
        refused = client.get(f"/rsvp/{token}")
        assert "U heeft te vaak geprobeerd." in refused.get_data(as_text=True)
        assert_says_when_to_retry(refused)


def test_a_tokens_budget_is_shared_by_its_pages(database_url):
    """The answer page, the data page and the feed-link page of one RSVP token count together."""
    with client_with(database_url, RATE_LIMIT_TOKEN="3/minute") as client:
        token = secrets.token_urlsafe(32)
        pages = [f"/rsvp/{token}", f"/rsvp/{token}/data", f"/calendar/personal/manage/{token}", f"/rsvp/{token}"]
        assert [client.get(page).status_code for page in pages] == [404, 404, 404, 429]


def test_token_urls_are_limited_per_address_a_hundredfold(database_url):
    """Guessing many tokens from one address: after a hundred times the per-token limit, that address waits;
    another address (a colleague at another town hall) does not."""
    with client_with(database_url, RATE_LIMIT_TOKEN="1/hour") as client:
        guesser = address()
        codes = [
            client.get(f"/rsvp/{secrets.token_urlsafe(32)}", environ_base=guesser).status_code
            for _ in range(ADDRESS_FACTOR + 1)
        ]
        assert codes == [404] * ADDRESS_FACTOR + [429]
        refused = client.get(f"/rsvp/{secrets.token_urlsafe(32)}/data", environ_base=guesser)
        assert_says_when_to_retry(refused, at_most=3600)
        assert client.get(f"/rsvp/{secrets.token_urlsafe(32)}", environ_base=address()).status_code == 404


def test_feeds_are_limited_per_token_but_not_per_address(database_url):
    with client_with(database_url, RATE_LIMIT_TOKEN="2/minute") as client:
        token = secrets.token_urlsafe(32)
        responses = [client.get(f"/calendar/personal/{token}.ics") for _ in range(3)]
        assert [r.status_code for r in responses] == [404, 404, 429]
        assert_says_when_to_retry(responses[-1])  # a calendar app waits that long before it asks again
        # A big calendar service polls many feeds from one address: each token has its own budget.
    with client_with(database_url, RATE_LIMIT_TOKEN="1/minute") as client:
        codes = {client.get(f"/calendar/personal/{secrets.token_urlsafe(32)}.ics").status_code for _ in range(150)}
        assert codes == {404}


def test_the_counts_belong_to_one_app(database_url):
    """A new app (a restarted server without Redis, or the next test) starts counting afresh."""
    token = secrets.token_urlsafe(32)
    with client_with(database_url, RATE_LIMIT_TOKEN="1/minute") as client:
        assert [client.get(f"/rsvp/{token}").status_code for _ in range(2)] == [404, 429]
    with client_with(database_url, RATE_LIMIT_TOKEN="1/minute") as client:
        assert client.get(f"/rsvp/{token}").status_code == 404


def test_the_limits_follow_the_settings(database_url):
    """RATE_LIMIT_TOKEN as N per minute, hour or day (or second) (ORGANISER_RATE_LIMIT_TOKEN in the environment)."""
    for setting in ("2/minute", "2/hour", "2/day", "2 per 5 minutes"):
        with client_with(database_url, RATE_LIMIT_TOKEN=setting) as client:
            token = secrets.token_urlsafe(32)
            assert [client.get(f"/rsvp/{token}").status_code for _ in range(3)] == [404, 404, 429], setting
