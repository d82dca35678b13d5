"""Login throttling: failed logins are limited per account and per address (ASVS 2.2.1)."""

from __future__ import annotations

import secrets

THROTTLED = "U heeft te vaak een verkeerd wachtwoord ingevuld."


def address() -> dict:
    """A client address of its own, so that counts of other tests (same minute, same process) do not mix in."""
    return {"REMOTE_ADDR": f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"}


def login(client, email, password, environ):
    return client.post("/login", {"email": email, "password": password}, environ_base=environ)


def test_an_account_is_locked_for_a_while_after_repeated_wrong_passwords(app, client, create_organiser):
    app.config["RATE_LIMIT_LOGIN"] = "3/minute"
    email = f"target-{secrets.token_hex(4)}@example.org"
    create_organiser(email=email)
    for _ in range(3):
        page = login(client, email, "wrong guess", address()).get_data(as_text=True)
        assert "Dit e-mailadres en wachtwoord horen niet bij elkaar." in page
    # From yet another address, and with the right password: still refused, with a clear message.
    response = login(client, email, "correct horse battery", address())
    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)
    assert client.get("/events").status_code == 302  # not logged in
    # Other accounts are not affected.
    other = f"other-{secrets.token_hex(4)}@example.org"
    create_organiser(email=other)
    assert login(client, other, "correct horse battery", address()).status_code == 302


def test_one_address_trying_many_accounts_is_throttled(app, client, create_organiser):
    app.config["RATE_LIMIT_LOGIN"] = "2/minute"  # so an address may fail 20 times
    environ = address()
    for number in range(20):
        response = login(client, f"guess-{number}-{secrets.token_hex(3)}@example.org", "wrong", environ)
        assert response.status_code == 200
    email = f"real-{secrets.token_hex(4)}@example.org"
    create_organiser(email=email)
    response = login(client, email, "correct horse battery", environ)
    assert response.status_code == 429 and THROTTLED in response.get_data(as_text=True)
    # The same account from another address gets in.
    assert login(client, email, "correct horse battery", address()).status_code == 302


def test_successful_logins_do_not_count(app, client, create_organiser):
    app.config["RATE_LIMIT_LOGIN"] = "2/minute"
    email = f"often-{secrets.token_hex(4)}@example.org"
    create_organiser(email=email)
    environ = address()
    for _ in range(5):
        assert login(client, email, "correct horse battery", environ).status_code == 302
        client._csrf = None
