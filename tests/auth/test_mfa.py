"""The second factor: enrolling an app, logging in with a code or a recovery code, required for administrators."""

from __future__ import annotations

import re
import secrets
import time

import pyotp
import pytest

from organiser.auth.models import Organiser, RecoveryCode, TrailEntry

PASSWORD = "correct horse battery"


@pytest.fixture
def required_for_admins(app):
    app.config["MFA_REQUIRED_FOR"] = "administrator"


def enrol(client, db, email="organiser@example.org") -> tuple[str, list[str]]:
    """Go through enrolment as the user would; returns the secret and the recovery codes shown."""
    page = client.get("/account/mfa").get_data(as_text=True)
    assert '<svg role="img" aria-label="QR-code' in page
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    assert client.post("/account/mfa", {"code": "000000"}).status_code == 200  # wrong code: not switched on
    assert not db.session.scalar(db.select(Organiser).where(Organiser.email == email)).has_totp
    switched_on = client.post("/account/mfa", {"code": pyotp.TOTP(secret).now()})
    assert switched_on.status_code == 303  # Post/Redirect/Get: a refresh shows the codes, sends no code again
    page = client.get(switched_on.headers["Location"]).get_data(as_text=True)
    codes = re.findall(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", page)
    assert len(codes) == 10
    return secret, codes


def password_step(client, email="organiser@example.org"):
    response = client.post("/login", {"email": email, "password": PASSWORD})
    client._csrf = None
    return response


def test_enrol_then_log_in_with_a_code_used_once(app, logged_in, client, db):
    secret, codes = enrol(logged_in, db)
    account = db.session.scalar(db.select(Organiser))
    assert account.has_totp and account.totp_secret == secret
    stored = db.session.scalars(db.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)  # only hashes kept

    visitor = type(client)(app.test_client())
    response = password_step(visitor)
    assert response.headers["Location"] == "/login/code"
    assert visitor.get("/events").status_code == 302  # not logged in by the password alone
    assert "horen niet" not in visitor.post("/login/code", {"code": "123456"}).get_data(as_text=True)
    assert visitor.get("/events").status_code == 302
    # The code of the enrolment step was used already; the next time step gives a fresh one.
    code = pyotp.TOTP(secret).at(time.time() + 30)
    assert visitor.post("/login/code", {"code": code}).status_code == 302
    assert visitor.get("/events").status_code == 200

    again = type(client)(app.test_client())
    password_step(again)
    assert again.post("/login/code", {"code": code}).status_code == 200  # the same code does not work twice
    assert again.get("/events").status_code == 302


def test_recovery_codes_work_once(app, logged_in, client, db):
    _secret, codes = enrol(logged_in, db)
    visitor = type(client)(app.test_client())
    password_step(visitor)
    response = visitor.post("/login/code", {"code": codes[0].upper()})
    assert response.status_code == 302 and visitor.get("/events").status_code == 200
    other = type(client)(app.test_client())
    password_step(other)
    assert other.post("/login/code", {"code": codes[0]}).status_code == 200
    assert other.get("/events").status_code == 302


def test_wrong_codes_are_rate_limited(app, client, db, create_organiser):
    email = f"limiet-{secrets.token_hex(4)}@example.org"  # rate-limit counts outlive one test's database
    account = create_organiser(email=email)
    db.session.execute(db.update(Organiser).where(Organiser.id == account.id).values(id=secrets.randbelow(10**6) + 10))
    db.session.commit()
    client.login(email)
    secret, _codes = enrol(client, db, email=email)
    app.config["RATE_LIMIT_MFA"] = "3/minute"
    visitor = type(client)(app.test_client())
    password_step(visitor, email)
    statuses = [visitor.post("/login/code", {"code": "000000"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    right = pyotp.TOTP(secret).at(time.time() + 30)
    response = visitor.post("/login/code", {"code": right})
    assert response.status_code == 429 and visitor.get("/events").status_code == 302


def test_administrators_must_enrol_before_anything_else(required_for_admins, client, db, create_organiser):
    create_organiser(email="beheer@example.org", name="Bea", is_admin=True)
    response = client.post("/login", {"email": "beheer@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/account/mfa"
    client._csrf = None
    for path in ("/events", "/accounts", "/people"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/account/mfa"
    assert "verplicht" in client.get("/account/mfa").get_data(as_text=True)
    enrol(client, db, email="beheer@example.org")
    assert client.get("/accounts").status_code == 200
    # Required: cannot be switched off.
    client.post("/account/mfa/off", {"password": PASSWORD})
    assert db.session.scalar(db.select(Organiser)).has_totp
    assert db.session.scalar(db.select(TrailEntry).where(TrailEntry.action == "mfa_enrolled"))


def test_organisers_may_switch_it_off_with_their_password(logged_in, db):
    enrol(logged_in, db)
    logged_in.post("/account/mfa/off", {"password": "niet het wachtwoord"})
    assert db.session.scalar(db.select(Organiser)).has_totp
    logged_in.post("/account/mfa/off", {"password": PASSWORD})
    assert not db.session.scalar(db.select(Organiser)).has_totp
    assert db.session.scalar(db.select(db.func.count()).select_from(RecoveryCode)) == 0


def test_password_step_expires(app, logged_in, client, db, monkeypatch):
    secret, _codes = enrol(logged_in, db)
    visitor = type(client)(app.test_client())
    password_step(visitor)
    later = time.time() + 301
    monkeypatch.setattr(time, "time", lambda: later)
    response = visitor.post("/login/code", {"code": pyotp.TOTP(secret).at(later)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
