"""Helpers for account tests: the link in the last mail to an address."""

from __future__ import annotations

import re

import pytest

from organiser.mail.models import OutboxMessage


@pytest.fixture
def link_mailed_to(db):
    """Factory: the path of the set-password link in the newest mail to this address (None when there is none)."""

    def find(address: str) -> str | None:
        message = db.session.scalar(
            db.select(OutboxMessage).where(OutboxMessage.to_address == address).order_by(OutboxMessage.id.desc())
        )
        if message is None:
            return None
        match = re.search(r"http://organiser\.test(/password/new/[A-Za-z0-9_-]+)", message.text_body)
        return match.group(1) if match else None

    return find


@pytest.fixture
def admin(create_organiser):
    return create_organiser(email="beheer@example.org", name="Bea Beheer", is_admin=True)
