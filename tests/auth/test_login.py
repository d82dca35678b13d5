"""Logging in and out as an organiser."""

from __future__ import annotations

from organiser.auth.models import Organiser


def test_login_and_logout(client, organiser):
    response = client.post("/login", {"email": "Organiser@Example.org ", "password": "correct horse battery"})
    assert response.status_code == 302 and response.headers["Location"] == "/events"
    assert "Mijn bijeenkomsten" in client.get("/events").get_data(as_text=True)
    client._csrf = None
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/events").status_code == 302  # back to the login page


def test_wrong_password_gets_a_clear_message(client, organiser):
    response = client.post("/login", {"email": "organiser@example.org", "password": "wrong"})
    assert response.status_code == 200
    assert "Dit e-mailadres en wachtwoord horen niet bij elkaar." in response.get_data(as_text=True)


def test_empty_login_form_says_what_is_missing(client):
    page = client.post("/login", {"email": "", "password": ""}).get_data(as_text=True)
    assert "Vul uw e-mailadres in." in page and "Vul uw wachtwoord in." in page


def test_next_only_to_local_paths(client, organiser):
    data = {"email": "organiser@example.org", "password": "correct horse battery"}
    response = client.post("/login?next=https://evil.example/", data)
    assert response.headers["Location"] == "/events"
    client._csrf = None
    client.post("/logout")
    client._csrf = None
    response = client.post("/login?next=/events/new", data)
    assert response.headers["Location"] == "/events/new"


def test_login_needs_csrf(client, organiser):
    response = client.post(
        "/login", {"email": "organiser@example.org", "password": "correct horse battery"}, csrf=False
    )
    assert response.status_code == 400


def test_session_cookie_flags(client, organiser):
    response = client.post("/login", {"email": "organiser@example.org", "password": "correct horse battery"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_password_is_hashed_strongly(db, organiser):
    stored = db.session.get(Organiser, organiser.id).password_hash
    assert stored.startswith("scrypt:") and "correct horse battery" not in stored


def test_password_change_ends_old_sessions(client, db, organiser):
    client.login()
    assert client.get("/events").status_code == 200
    organiser.set_password("another long password")
    db.session.commit()
    assert client.get("/events").status_code == 302


def test_inactive_organiser_cannot_log_in(client, db, organiser):
    organiser.active = False
    db.session.commit()
    response = client.post("/login", {"email": "organiser@example.org", "password": "correct horse battery"})
    assert response.status_code == 200


def test_create_organiser_command(app, db):
    result = app.test_cli_runner().invoke(
        args=["create-organiser", "--email", "new@example.org", "--name", "Nieuw", "--password", "long enough pw"]
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(Organiser).where(Organiser.email == "new@example.org"))
    result = app.test_cli_runner().invoke(
        args=["create-organiser", "--email", "x@example.org", "--name", "X", "--password", "short"]
    )
    assert result.exit_code != 0 and "minstens 12 tekens" in result.output
