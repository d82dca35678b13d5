"""Fixtures for the privacy checks: a real SMTP server on loopback (the factories come from tests/factories.py)."""

from tests.mail.conftest import smtp_server, use_smtp  # noqa: F401  (fixtures shared with mail)
