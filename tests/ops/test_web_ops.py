"""What production relies on in the app itself: the page while the database is away, trusted proxies, and
error pages and logs that give nothing away."""

from __future__ import annotations

import logging
import secrets

import pytest

from organiser.extensions import db as _db
from organiser.invitations import links as invitation_links
from organiser.ratelimit import ADDRESS_FACTOR
from tests.conftest import make_app

OUTAGE = "Even geen verbinding met de database. Probeer het over een minuut opnieuw."


@pytest.fixture
def unreachable_app(tmp_path):
    """The app pointed at a database that cannot be opened (as when the server is down)."""
    app = make_app(f"sqlite:///{tmp_path}/missing-directory/organiser.sqlite3")
    yield app
    with app.app_context():
        _db.engine.dispose()


def test_database_away_gives_a_friendly_503(unreachable_app):
    client = unreachable_app.test_client()
    for url in ("/agenda", "/calendar/public.ics", f"/rsvp/{secrets.token_urlsafe(32)}"):
        response = client.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 503, url
        assert OUTAGE in page and "Traceback" not in page and "sqlite" not in page.lower()
        assert response.headers["Retry-After"] == "60"


def test_an_error_that_escapes_flask_still_gets_a_page(tmp_path, caplog):
    """An error raised while another is handled (or while a request ends) escapes Flask's own handlers; the server
    would answer its bare "Internal Server Error" (seen under load while PostgreSQL restarted)."""
    from sqlalchemy.exc import OperationalError

    app = make_app(f"sqlite:///{tmp_path}/organiser.sqlite3", TESTING=False)
    failures = iter([OperationalError("SELECT 1", {}, Exception("server closed the connection")), KeyError("x")])

    @app.get("/boom")
    def boom():
        raise LookupError("a fault")

    @app.errorhandler(500)
    def fail(_error):  # the error page itself fails: the error escapes Flask
        raise next(failures)

    client = app.test_client()
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        away, other = client.get("/boom"), client.get("/boom")
    assert away.status_code == 503 and OUTAGE in away.get_data(as_text=True)
    assert away.headers["Retry-After"] == "60"
    assert other.status_code == 500 and "Er ging iets mis aan onze kant" in other.get_data(as_text=True)
    assert "Traceback" not in other.get_data(as_text=True)
    assert sum("error outside the request handling" in r.message for r in caplog.records) == 2
    with app.app_context():
        _db.engine.dispose()


def test_database_away_while_logged_in_still_renders_the_page(unreachable_app, client, organiser):
    """The 503 page must not look the organiser up (that is a query too): it shows the logged-out menu."""
    client.login()
    unreachable = unreachable_app.test_client()
    unreachable.set_cookie("session", client.raw.get_cookie("session").value)
    response = unreachable.get("/events")
    assert response.status_code == 503 and OUTAGE in response.get_data(as_text=True)


def test_unexpected_error_shows_no_details_and_logs_no_token(app, client, monkeypatch, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production, where TESTING is off

    def broken(token):
        raise RuntimeError("something internal went wrong")

    monkeypatch.setattr(invitation_links, "find_invitation_by_token", broken)
    token = secrets.token_urlsafe(32)
    with caplog.at_level(logging.ERROR):
        response = client.get(f"/rsvp/{token}")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Er ging iets mis aan onze kant." in page
    assert "something internal" not in page and "Traceback" not in page
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Exception on /rsvp/[hidden] [GET]" in logged and token not in logged


def forwarded() -> dict:
    """Headers as the proxy sends them: whatever the client claimed, then the address the proxy saw."""
    return {"X-Forwarded-For": f"198.51.100.7, 203.0.113.{secrets.randbelow(250) + 1}", "X-Forwarded-Proto": "https"}


@pytest.mark.parametrize("proxies", [0, 1])
def test_forwarded_headers_count_only_behind_a_configured_proxy(tmp_path, proxies):
    """With PROXY_FIX=1 each client behind the proxy has its own address limit; without, the headers are
    ignored (a client could otherwise pick any address to escape its limit)."""
    from flask_migrate import upgrade

    url = f"sqlite:///{tmp_path}/organiser.sqlite3"
    app = make_app(url, RATE_LIMIT_TOKEN="1/minute", PROXY_FIX=proxies)  # ADDRESS_FACTOR per minute per address
    with app.app_context():
        upgrade()
    client = app.test_client()
    proxy = {"REMOTE_ADDR": f"10.9.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"}
    first, second = forwarded(), forwarded()
    for _ in range(ADDRESS_FACTOR):
        assert client.get(f"/rsvp/{secrets.token_urlsafe(32)}", headers=first, environ_base=proxy).status_code == 404
    assert client.get(f"/rsvp/{secrets.token_urlsafe(32)}", headers=first, environ_base=proxy).status_code == 429
    other = client.get(f"/rsvp/{secrets.token_urlsafe(32)}", headers=second, environ_base=proxy).status_code
    assert other == (404 if proxies else 429)
    with app.app_context():
        _db.engine.dispose()
