"""Hostile requests on every route: control characters in paths and query arguments, open redirects, a Host header
that is not ours, and SQL errors that would write personal data into the logs (issue 15)."""

from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa

from organiser.extensions import db as _db
from organiser.web import safe_next
from tests.conftest import make_app

#: What URL-encoded control characters look like on the wire: NUL, tab, CR LF, escape, DEL.
CONTROLS = ["%00", "%09", "%0D%0A", "%1B", "%7F"]

#: The public routes that answered 500 on PostgreSQL (with a full traceback in the log) before.
REPORTED = [
    "/agenda?wijk=%00",
    "/agenda?format=%00",
    "/calendar/public.ics?wijk=%00",
    "/calendar/public.ics?format=a%00b",
    "/calendar/subscribe?wijk=%00",
    "/people/import/%00" + "x" * 42,
    "/rsvp/%00" + "x" * 42,
    "/calendar/personal/%00x.ics",
]


PLACEHOLDER = re.compile(r"<(?:(\w+):)?(\w+)>")


def sample_paths(rule) -> tuple[list[str], str]:
    """The rule's path with ids 1 and other segments "x"; and one path per non-id segment with a NUL in it."""

    def fill(bad: str | None):
        return lambda found: "1" if found.group(1) == "int" else ("a%00b" if found.group(2) == bad else "x")

    names = [found.group(2) for found in PLACEHOLDER.finditer(rule.rule) if found.group(1) != "int"]
    return [PLACEHOLDER.sub(fill(name), rule.rule) for name in names], PLACEHOLDER.sub(fill(None), rule.rule)


def no_errors_logged(caplog) -> None:
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR or record.exc_info]
    assert errors == [], [record.getMessage() for record in errors]


def test_the_reported_routes_answer_400_without_a_traceback(client, caplog):
    caplog.set_level(logging.INFO)
    for url in REPORTED:
        response = client.get(url)
        assert response.status_code == 400, url
        assert "Traceback" not in response.get_data(as_text=True)
    no_errors_logged(caplog)


def test_control_characters_in_any_path_segment_or_query_argument_are_refused(app, logged_in, caplog):
    """Every route, as a visitor and as an organiser: a control character in a path segment, a query argument's value
    or its name never reaches a view (or the database)."""
    caplog.set_level(logging.INFO)
    tried = 0
    for rule in app.url_map.iter_rules():
        bad_paths, plain = sample_paths(rule)
        for method in sorted(rule.methods & {"GET", "POST"}):
            send = logged_in.get if method == "GET" else logged_in.post
            for path in bad_paths:
                assert send(path).status_code == 400, (method, path)
                tried += 1
            for control in CONTROLS:
                for query in (
                    f"next=/{control}/evil.example",
                    f"wijk=a{control}",
                    f"q{control}=1",
                    f"pagina={control}",
                ):
                    response = send(f"{plain}?{query}")
                    assert response.status_code == 400, (method, plain, query)
                    tried += 1
    assert tried > 500
    no_errors_logged(caplog)


def test_ordinary_query_arguments_still_work(client, create_event, create_neighbourhood):
    create_neighbourhood("Oosterpark")
    assert client.get("/agenda?wijk=oosterpark&format=bruiscafe").status_code == 200
    assert client.get("/agenda?wijk=onbekend").status_code in (200, 404)
    assert client.get("/calendar/public.ics?wijk=oosterpark").status_code == 200


# --- Redirects only to our own paths ----------------------------------------------------------------------------

OPEN_REDIRECTS = [
    "//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "evil.example",
    " //evil.example",
    "/\x00/evil.example",
]


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_safe_next_refuses_anything_but_a_local_path(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ["/", "/agenda", "/agenda?wijk=oosterpark&pagina=2", "/events/1#antwoorden"])
def test_safe_next_keeps_local_paths(target):
    assert safe_next(target) == target


def test_login_never_sends_anyone_to_another_site(client, organiser):
    for raw in ("/%09/evil.example", "/%0D%0A/evil.example", "/%0ALocation:%20http://evil.example"):
        response = client.post(f"/login?next={raw}", {"email": "organiser@example.org", "password": "x" * 12})
        assert response.status_code == 400, raw  # refused before the password is even looked at
    response = client.post(
        "/login?next=//evil.example", {"email": "organiser@example.org", "password": "correct horse battery"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/events"


def test_the_language_switch_never_sends_anyone_to_another_site(client):
    for target in OPEN_REDIRECTS:
        response = client.post("/language", {"lang": "en", "next": target})
        assert response.status_code == 302
        assert response.headers["Location"] == "/", target
    response = client.post("/language", {"lang": "nl", "next": "/agenda?wijk=oosterpark"})
    assert response.headers["Location"] == "/agenda?wijk=oosterpark"


# --- The Host header is never trusted -----------------------------------------------------------------------------


def test_a_host_that_is_not_ours_is_refused(client, create_event):
    """`GET //events/1` with `Host: evil.example` used to answer 308 to http://evil.example/events/1."""
    event = create_event()

    def get(path, host):
        return client.raw.get("/", environ_overrides={"PATH_INFO": path, "HTTP_HOST": host})

    response = get(f"//events/{event.id}", "evil.example")
    assert response.status_code == 400 and "Location" not in response.headers
    assert get(f"/events/{event.id}", "evil.example").status_code == 400
    response = get(f"//events/{event.id}", "localhost")  # our own host: no redirect built from the path either
    assert response.status_code in (200, 404) and "Location" not in response.headers


@pytest.fixture
def own_app(database_url):
    """Factory: an app of its own with some settings; its connections are closed afterwards."""
    apps = []

    def factory(**config):
        apps.append(make_app(database_url, **config))
        return apps[-1]

    yield factory
    for app in apps:
        with app.app_context():
            _db.engine.dispose()


def test_trusted_hosts_come_from_base_url(own_app):
    app = own_app(TRUSTED_HOSTS=None, BASE_URL="https://organiser.gemeente.example")
    assert app.config["TRUSTED_HOSTS"] == ["organiser.gemeente.example"]
    client = app.test_client()
    ours = client.get("/healthz", base_url="https://organiser.gemeente.example")
    assert ours.status_code == 200
    for host in ("evil.example", "organiser.gemeente.example.evil.example", "localhost"):
        assert client.get("/agenda", headers={"Host": host}).status_code == 400, host
        # The health check answers whatever the host: a load balancer asks it by the server's address.
        assert client.get("/healthz", headers={"Host": host}).get_json() == {"status": "ok"}


def test_a_forwarded_host_that_is_not_ours_is_refused(own_app):
    app = own_app(TRUSTED_HOSTS=None, BASE_URL="https://organiser.gemeente.example", PROXY_FIX=1)
    client = app.test_client()
    headers = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
    assert client.get("//agenda", base_url="https://organiser.gemeente.example", headers=headers).status_code == 400
    headers = {"X-Forwarded-Host": "organiser.gemeente.example", "X-Forwarded-Proto": "https"}
    assert client.get("/agenda", base_url="https://organiser.gemeente.example", headers=headers).status_code == 200


def test_loopback_base_url_accepts_both_loopback_names(own_app):
    app = own_app(TRUSTED_HOSTS=None, BASE_URL="http://127.0.0.1:5000")
    assert sorted(app.config["TRUSTED_HOSTS"]) == ["127.0.0.1", "localhost"]


# --- No personal data in error logs --------------------------------------------------------------------------------


def test_a_database_error_is_logged_without_the_data(app, client, caplog):
    """A 500 from a failing statement logs the SQL and the constraint, never the values: not the parameters
    (hide_parameters), and not PostgreSQL's DETAIL, which repeats the failing row."""
    secret, address = "Jansen, dieet: glutenvrij", "jansen@example.org"

    def failing_view():
        _db.session.execute(
            sa.text("INSERT INTO person (id, name, email, kind) VALUES (:id, :name, :email, NULL)"),
            {"id": 1, "name": secret, "email": address},
        )

    app.add_url_rule("/test-failing-insert", view_func=failing_view)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: a 500 page and a log line
    caplog.set_level(logging.INFO)
    assert client.get("/test-failing-insert").status_code == 500
    (record,) = [record for record in caplog.records if record.exc_info]
    logged = logging.Formatter().format(record)
    assert secret not in logged and address not in logged
    assert "INSERT INTO person" in logged and "failing_view" in logged  # still says what failed, and where
