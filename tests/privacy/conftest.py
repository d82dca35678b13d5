"""Fixtures for the privacy checks: the people and invitation factories, and a real SMTP server on loopback."""

from tests.invitations.conftest import invite  # noqa: F401  (fixtures shared with invitations)
from tests.mail.conftest import smtp_server, use_smtp  # noqa: F401  (fixtures shared with mail)
from tests.people.conftest import create_department, create_person  # noqa: F401  (fixtures shared with people)
