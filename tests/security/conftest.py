"""Fixtures for the security checks: app servers sharing one Redis (the factories are in tests/factories.py)."""

from __future__ import annotations

import pytest

from organiser.extensions import db
from tests.conftest import make_app, skip_or_fail

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_url() -> str:
    """The local Redis (a database of its own; other runs may use it at the same time: keys must not collide)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.exceptions.RedisError as error:
        skip_or_fail(f"Redis at {REDIS_URL} is not reachable: {error}")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def servers(database_url):
    """Factory: app objects on the test's database, as separate app servers would be; closed afterwards."""
    made = []

    def factory(count: int = 1, **config):
        apps = [make_app(database_url, **config) for _ in range(count)]
        made.extend(apps)
        return apps

    yield factory
    for app in made:
        storage = app.extensions["organiser_limiter"].storage
        if hasattr(storage, "storage"):  # Redis: its connection pool
            storage.storage.close()
        with app.app_context():
            db.engine.dispose()
