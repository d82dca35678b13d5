"""Fixtures for invitations (the factories are in tests/factories.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def in_request(app):
    """A request context, for calling services that speak Dutch (gettext needs the visitor's language)."""
    with app.test_request_context():
        yield
