"""Helpers for account tests: the link in the last mail to an address."""

from __future__ import annotations

import importlib.util
import re
import socket
import subprocess
import sys
import time

import httpx
import pytest

from organiser.mail.models import OutboxMessage
from tests.conftest import skip_or_fail


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def provider() -> str:
    """The provider's issuer URL: oidc-provider-mock in a process of its own on loopback, for this module."""
    if importlib.util.find_spec("oidc_provider_mock") is None:
        skip_or_fail("oidc-provider-mock is not installed (make install)")
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port), "-n", "true"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{issuer}/.well-known/openid-configuration").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                skip_or_fail("oidc-provider-mock did not start")
            time.sleep(0.1)
        yield issuer
    finally:
        server.terminate()
        server.wait(timeout=10)


def provider_user(provider: str, sub: str, **claims) -> None:
    """What the provider will say about this subject (its ID token and userinfo claims)."""
    response = httpx.put(f"{provider}/users/{sub}", json=claims)
    assert response.status_code == 204
