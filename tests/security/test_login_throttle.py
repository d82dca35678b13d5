"""Login throttling: attempts are limited per account and per address (ASVS 2.2.1), counted before the password
is checked, so that concurrent guesses on several app servers get no more checks than the limit."""

from __future__ import annotations

import secrets
import threading

import pytest

THROTTLED = "U heeft te vaak een verkeerd wachtwoord ingevuld."
WRONG = "Dit e-mailadres en wachtwoord horen niet bij elkaar."


def address() -> dict:
    """A client address of its own, so that counts of other tests (same minute, same Redis) do not mix in."""
    return {"REMOTE_ADDR": f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"}


def login(client, email, password, environ):
    return client.post("/login", {"email": email, "password": password}, environ_base=environ)


def test_the_eleventh_wrong_password_is_refused(app, client, create_organiser):
    """With the default limit (ten a minute per account), from ever other addresses: the eleventh attempt is
    refused, with the right password too, with a clear message and when to try again."""
    app.config["RATE_LIMIT_LOGIN"] = "10/minute"
    email = f"target-{secrets.token_hex(4)}@example.org"
    create_organiser(email=email)
    for _ in range(10):
        page = login(client, email, "wrong guess", address()).get_data(as_text=True)
        assert WRONG in page
    response = login(client, email, "correct horse battery", address())
    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert client.get("/events").status_code == 302  # not logged in
    # Other accounts are not affected.
    other = f"other-{secrets.token_hex(4)}@example.org"
    create_organiser(email=other)
    assert login(client, other, "correct horse battery", address()).status_code == 302


def test_one_address_trying_many_accounts_is_throttled(app, client, create_organiser):
    app.config["RATE_LIMIT_LOGIN"] = "2/minute"  # so an address may try 20 times
    environ = address()
    for number in range(20):
        response = login(client, f"guess-{number}-{secrets.token_hex(3)}@example.org", "wrong", environ)
        assert response.status_code == 200
    email = f"real-{secrets.token_hex(4)}@example.org"
    create_organiser(email=email)
    response = login(client, email, "correct horse battery", environ)
    assert response.status_code == 429 and THROTTLED in response.get_data(as_text=True)
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    # The same account from another address gets in.
    assert login(client, email, "correct horse battery", address()).status_code == 302


def test_a_successful_login_starts_the_accounts_count_again(app, client, create_organiser):
    app.config["RATE_LIMIT_LOGIN"] = "2/minute"
    email = f"often-{secrets.token_hex(4)}@example.org"
    create_organiser(email=email)
    environ = address()
    for _ in range(5):  # a typo, then the right password: never locked out
        assert WRONG in login(client, email, "typo", environ).get_data(as_text=True)
        assert login(client, email, "correct horse battery", environ).status_code == 302
        client._csrf = None
    # Failures still count after that.
    for _ in range(2):
        assert login(client, email, "typo", environ).status_code == 200
    assert login(client, email, "correct horse battery", environ).status_code == 429


@pytest.mark.parametrize("target", ["one account", "one address"])
def test_concurrent_guesses_on_two_servers_get_no_more_checks_than_the_limit(
    redis_url, servers, create_organiser, target
):
    """Sixty wrong passwords at once, spread over two app servers sharing Redis: exactly as many are checked as
    the limit allows, the rest refused (a limit checked before and counted after the check let 24 through)."""
    limit = 10 if target == "one account" else 2  # per address: ten times the account limit
    allowed = limit if target == "one account" else 10 * limit
    apps = servers(2, REDIS_URL=redis_url, RATE_LIMIT_LOGIN=f"{limit}/minute", WTF_CSRF_ENABLED=False)
    email = f"concurrent-{secrets.token_hex(4)}@example.org"
    create_organiser(email=email)
    shared_address = address()
    attempts = 60
    start = threading.Barrier(attempts)
    statuses: list[tuple[int, bool]] = []

    def guess(number: int) -> None:
        client = apps[number % 2].test_client()
        if target == "one account":
            account, environ = email, address()
        else:
            account, environ = f"guess-{number}-{secrets.token_hex(3)}@example.org", shared_address
        start.wait()
        response = client.post("/login", data={"email": account, "password": "wrong"}, environ_base=environ)
        statuses.append((response.status_code, WRONG in response.get_data(as_text=True)))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    checked = sum(1 for status, wrong in statuses if status == 200 and wrong)
    refused = sum(1 for status, _wrong in statuses if status == 429)
    assert (checked, refused) == (allowed, attempts - allowed)
