"""Fixtures: every test runs on SQLite and, where reachable, PostgreSQL, on a schema made by the migrations."""

from __future__ import annotations

import contextvars
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from organiser import create_app
from organiser.extensions import db as _db
from organiser.invitations.links import answer_form_key

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

#: The factories (create_person, invite, ...): one plugin module, shared by every test folder.
pytest_plugins = ["tests.factories"]


def skip_or_fail(reason: str) -> None:
    """Skip with the reason on a user's machine; in CI a missing service is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI must run every test)")
    pytest.skip(reason)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """The random order of this run (pytest-randomly) and how to repeat it: also with -q, which hides the header."""
    seed = config.getoption("randomly_seed", None)
    if seed is not None and config.pluginmanager.hasplugin("randomly"):
        terminalreporter.write_line(f"tests ran in random order; to repeat it: pytest --randomly-seed={seed}")


def make_app(url: str, **config):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "BASE_URL": "http://organiser.test",
            # The test client asks for localhost, the browser tests' live server for 127.0.0.1.
            "TRUSTED_HOSTS": ["organiser.test", "localhost", "127.0.0.1"],
            "SECRET_KEY": "test-secret",
            "RATE_LIMIT_TOKEN": "1000/minute",
            "RATE_LIMIT_LOGIN": "1000/minute",
            # Tests about the second factor ask for it (tests/auth/test_mfa.py); the rest log in with a password.
            "MFA_REQUIRED_FOR": "none",
            "RATE_LIMIT_PASSWORD_RESET": "1000/minute",
            "RATE_LIMIT_PASSWORD_RESET_ADDRESS": "1000/minute",
            **config,
        }
    )


def migrate_to_head(url: str) -> None:
    app = make_app(url)
    with app.app_context():
        upgrade()
        _db.engine.dispose()


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """The PostgreSQL server given by ORGANISER_TEST_DATABASE_URL, checked to be reachable."""
    url = os.environ.get("ORGANISER_TEST_DATABASE_URL")
    if not url:
        skip_or_fail("PostgreSQL tests need ORGANISER_TEST_DATABASE_URL (make test sets it)")
    from organiser.config import normalise_database_url

    url = normalise_database_url(url)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as error:
        skip_or_fail(f"PostgreSQL at {engine.url.render_as_string(hide_password=True)} is not reachable: {error.orig}")
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database(request, tmp_path_factory) -> Iterator[dict]:
    """A migrated, empty database per kind; each test gets a clean copy of it."""
    if request.param == "sqlite":
        template = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
        migrate_to_head(f"sqlite:///{template}")
        yield {"kind": "sqlite", "template": template}
        return
    server_url = request.getfixturevalue("postgres_server_url")
    # A database of its own, so that parallel runs (and the developers' own data) never collide.
    name = f"organiser_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    migrate_to_head(url)
    yield {"kind": "postgresql", "url": url}
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(database, tmp_path) -> str:
    """A clean database for one test: a copy of the SQLite template, or the PostgreSQL tables emptied."""
    if database["kind"] == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(database["template"], path)
        return f"sqlite:///{path}"
    engine = sa.create_engine(database["url"])
    with engine.begin() as connection:
        tables = [t.name for t in _db.metadata.sorted_tables]
        connection.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return database["url"]


@pytest.fixture
def app(database_url):
    app = make_app(database_url)
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


RSVP_FORM = re.compile(r"^/rsvp/(?P<token>[^/?]+)(?:/(?P<purpose>withdraw|followup|followup/contact))?$")


class Client:
    """A test client as a browser: each request in its own app context and database session (as in
    production, not sharing the test's), and the CSRF token sent with every POST as the form would."""

    def __init__(self, flask_client):
        self.raw = flask_client
        self._csrf = None

    def _isolated(self, method, *args, **kwargs):
        response = contextvars.Context().run(getattr(self.raw, method), *args, **kwargs)
        _db.session.expire_all()  # the test's own session sees what the request committed
        return response

    def csrf_token(self) -> str:
        if self._csrf is None:
            page = self.get("/login").get_data(as_text=True)
            self._csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        return self._csrf

    def get(self, *args, **kwargs):
        return self._isolated("get", *args, **kwargs)

    def head(self, *args, **kwargs):
        return self._isolated("head", *args, **kwargs)

    def post(self, url, data=None, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf_token())
            personal = RSVP_FORM.match(url)
            if personal:  # the personal pages' forms carry a key bound to the link instead (as the page renders it)
                with self.raw.application.app_context():
                    purpose = (personal["purpose"] or "answer").replace("/", "-")
                    key = answer_form_key(personal["token"], purpose)
                data.setdefault("form_key", key)
        return self._isolated("post", url, data=data, **kwargs)

    def login(self, email="organiser@example.org", password="correct horse battery"):
        response = self.post("/login", {"email": email, "password": password})
        assert response.status_code == 302, "login failed"
        self._csrf = None  # a new session at login
        return response


@pytest.fixture
def client(app) -> Client:
    return Client(app.test_client())


@pytest.fixture
def logged_in(client, organiser) -> Client:
    client.login()
    return client


def local(year, month, day, hour=0, minute=0) -> datetime:
    """An aware moment given as Amsterdam wall-clock time."""
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM)
