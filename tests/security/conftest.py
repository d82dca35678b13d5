"""Fixtures for the security checks: the people factories."""

from tests.people.conftest import create_department, create_person  # noqa: F401  (fixtures shared with people)
