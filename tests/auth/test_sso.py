"""Sign-in with the municipality's account, against a real OpenID Connect provider on loopback
(oidc-provider-mock, started here), not a stub of the library."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest

from organiser.auth.models import Organiser, Role, TrailEntry
from organiser.extensions import db as _db
from tests.auth.conftest import provider_user
from tests.conftest import make_app


@pytest.fixture
def sso_settings(provider) -> dict:
    return {
        "OIDC_ISSUER": provider,
        "OIDC_CLIENT_ID": "organiser-test",
        "OIDC_CLIENT_SECRET": "client-geheim",
        "OIDC_NAME": "Gemeente Voorbeeld",
    }


@pytest.fixture
def app(database_url, sso_settings):
    app = make_app(database_url, **sso_settings)
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()


def sign_in(client, provider: str, sub: str):
    """The browser's round trip: our login link, the provider's sign-in form, back to our callback."""
    start = client.get("/login/sso")
    assert start.status_code == 302 and start.headers["Location"].startswith(f"{provider}/oauth2/authorize")
    answer = httpx.post(start.headers["Location"], data={"sub": sub}, follow_redirects=False)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    assert back.path == "/login/sso/callback"
    return client.get(f"{back.path}?{back.query}")


def test_login_page_names_the_provider(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Inloggen met Gemeente Voorbeeld" in page and 'href="/login/sso' in page


def test_verified_email_of_an_existing_organiser_signs_in_as_that_organiser(client, db, organiser, provider):
    provider_user(provider, "entra-123", email="Organiser@example.org", email_verified=True, name="Olga")
    response = sign_in(client, provider, "entra-123")
    assert response.status_code == 302 and response.headers["Location"] == "/events"
    assert "Mijn bijeenkomsten" in client.get("/events").get_data(as_text=True)
    assert db.session.get(Organiser, organiser.id).oidc_subject == "entra-123"
    entry = db.session.scalar(db.select(TrailEntry).where(TrailEntry.action == "login"))
    assert "Gemeente Voorbeeld" in entry.summary
    # Next time the subject alone is enough, even when the provider's address changed.
    provider_user(provider, "entra-123", email="olga.nieuw@example.org", email_verified=True)
    other = type(client)(client.raw.application.test_client())
    assert sign_in(other, provider, "entra-123").status_code == 302
    assert other.get("/events").status_code == 200


def test_unverified_email_does_not_match(client, db, organiser, provider):
    provider_user(provider, "kwaadwillig", email="organiser@example.org", email_verified=False)
    response = sign_in(client, provider, "kwaadwillig")
    assert response.status_code == 403 and "geen account" in response.get_data(as_text=True)
    assert client.get("/events").status_code == 302
    assert db.session.get(Organiser, organiser.id).oidc_subject is None


def test_unknown_people_get_no_account_without_jit(client, db, provider):
    provider_user(provider, "vreemd", email="vreemd@gemeente.example", email_verified=True)
    assert sign_in(client, provider, "vreemd").status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(Organiser)) == 0


def test_just_in_time_accounts_for_one_domain(app, client, db, provider):
    app.config.update(OIDC_JIT_DOMAIN="gemeente.example", OIDC_JIT_ROLE="organiser")
    provider_user(provider, "jit-1", email="Nieuw@Gemeente.example", email_verified=True, name="Nina Nieuw")
    assert sign_in(client, provider, "jit-1").status_code == 302
    account = db.session.scalar(db.select(Organiser).where(Organiser.email == "nieuw@gemeente.example"))
    assert account.role == Role.ORGANISER and account.name == "Nina Nieuw" and not account.has_password
    provider_user(provider, "jit-2", email="iemand@elders.example", email_verified=True)
    other = type(client)(app.test_client())
    assert sign_in(other, provider, "jit-2").status_code == 403


def test_deactivated_accounts_cannot_sign_in(client, db, organiser, provider):
    organiser.active = False
    db.session.commit()
    provider_user(provider, "uit", email="organiser@example.org", email_verified=True)
    assert sign_in(client, provider, "uit").status_code == 403


def test_a_forged_callback_is_refused(client, organiser):
    client.get("/login/sso")
    response = client.get("/login/sso/callback?code=verzonnen&state=verzonnen")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/events").status_code == 302


def test_local_passwords_can_be_switched_off(app, client, organiser):
    client.csrf_token()  # (the test client finds its CSRF token on the password form, which goes away)
    app.config["PASSWORD_LOGIN"] = False
    page = client.get("/login").get_data(as_text=True)
    assert "Inloggen met Gemeente Voorbeeld" in page and 'name="password"' not in page
    response = client.post("/login", {"email": "organiser@example.org", "password": "correct horse battery"})
    assert response.status_code == 404
    assert client.get("/password/forgotten").status_code == 404
