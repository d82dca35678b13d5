"""The loopback production set-up (deploy.local) for the load and fault tests: PostgreSQL, two gunicorn
instances, one outbox worker, an SMTP sink. One stack for the whole run (starting one takes seconds)."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from deploy.local import LocalProduction
from organiser.extensions import db
from tests.conftest import skip_or_fail

#: Settings of the stack: every visitor comes from 127.0.0.1, so the per-address limit would count all of
#: them as one; failed mail is retried after a second instead of a minute; claimed mail is taken over by
#: another worker after 6 s (the lease is never shorter than six SMTP timeouts).
STACK_SETTINGS = {
    "ORGANISER_RATE_LIMIT_TOKEN": "600/minute",
    "ORGANISER_MAIL_BACKOFF_SECONDS": "1",
    "ORGANISER_MAIL_TIMEOUT": "1",
    "ORGANISER_MAIL_LEASE_SECONDS": "3",
    # Confirmations go out at once here: the fault tests wait for the whole outbox to be sent.
    "ORGANISER_CONFIRMATION_DELAY_SECONDS": "0",
}


@pytest.fixture(scope="session")
def production(postgres_server_url, tmp_path_factory):
    """The running stack; tests may stop and start its SMTP sink and worker, but leave them running."""
    os.environ.setdefault("ORGANISER_TEST_DATABASE_URL", postgres_server_url)
    stack = LocalProduction(tmp_path_factory.mktemp("production"), env=STACK_SETTINGS, worker_interval=0.5)
    try:
        stack.start()
    except sa.exc.OperationalError as error:  # pragma: no cover - PostgreSQL went away after the check
        skip_or_fail(f"PostgreSQL is not reachable: {error.orig}")
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def production_app(production):
    """An app object on the stack's database (same secret key: tokens made with it work on the servers)."""
    app = production.app()
    yield app
    with app.app_context():
        db.engine.dispose()  # before the stack drops the database
