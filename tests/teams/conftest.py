"""The reach tests' factories (departments, people, invitations) serve the teams tests too."""

from tests.reach.conftest import create_department, create_person, invite  # noqa: F401
