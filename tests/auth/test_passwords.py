"""Passwords: the rules (ASVS 2.1), changing one, a forgotten one by mail, ending sessions everywhere."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest

from organiser.auth.models import AccountLink, Organiser, TrailEntry
from organiser.auth.passwords import MAX_PASSWORD_LENGTH
from organiser.extensions import utcnow
from organiser.mail.models import OutboxMessage

GOOD = "Zomer in de Velden 2026"


def change(client, new, current="correct horse battery", repeat=None):
    return client.post("/account", {"current": current, "password": new, "repeat": repeat or new})


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("aaaaaaaaaaaa", "te makkelijk te raden"),
        (" " * 12, "alleen spaties"),
        ("abcabcabcabc", "te makkelijk te raden"),
        ("123456789012", "te makkelijk te raden"),
        ("Password1234!", "veelgebruikte of uitgelekte"),
        ("iloveyou2026", "veelgebruikte of uitgelekte"),
        ("qwertyuiop123", "veelgebruikte of uitgelekte"),
        ("kort", "minstens 12 tekens"),
        ("x7" * 64 + "y", "hoogstens 128 tekens"),
        ("organiser@example.org", "niet uw naam of e-mailadres"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(logged_in, db, password, message):
    response = change(logged_in, password)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Organiser)).check_password("correct horse battery")


def test_a_password_of_the_maximum_length_can_be_set_and_used(logged_in, client, db):
    longest = ("Lange zin over de wijksafari " * 5)[:MAX_PASSWORD_LENGTH]
    assert len(longest) == 128
    assert change(logged_in, longest).status_code == 302
    client._csrf = None
    client.post("/logout")
    client._csrf = None
    client.login("organiser@example.org", longest)
    # Nothing is cut off: one character less is a different password.
    response = client.post("/login", {"email": "organiser@example.org", "password": longest[:-1]})
    assert "horen niet bij elkaar" in response.get_data(as_text=True)


def test_change_password_needs_the_current_one_and_ends_other_sessions(app, logged_in, db):
    other = type(logged_in)(app.test_client())
    other.login()
    response = change(logged_in, GOOD, current="niet mijn wachtwoord")
    assert "Dit is niet uw huidige wachtwoord." in response.get_data(as_text=True)
    assert "gelijk" in change(logged_in, GOOD, repeat=GOOD + "!").get_data(as_text=True)
    assert change(logged_in, GOOD).status_code == 302
    assert logged_in.get("/events").status_code == 200  # this session goes on
    assert other.get("/events").status_code == 302  # the other one ended
    assert db.session.scalar(db.select(Organiser)).check_password(GOOD)


def test_logout_everywhere_keeps_only_this_session(app, logged_in):
    other = type(logged_in)(app.test_client())
    other.login()
    assert logged_in.post("/account/logout-everywhere").status_code == 302
    assert logged_in.get("/events").status_code == 200
    assert other.get("/events").status_code == 302


def test_forgotten_password_by_mail_single_use_and_short_lived(client, db, organiser, link_mailed_to):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgotten"' in page
    known = client.post("/password/forgotten", {"email": "Organiser@example.org"})
    unknown = client.post("/password/forgotten", {"email": "niemand@example.org"})
    # No account enumeration: the same answer whether or not the address has an account; a redirect, so that a
    # reload of the page that says so mails nothing again (a new link would end the one just mailed).
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == "/password/forgotten/verstuurd"
    known, unknown = client.get(known.headers["Location"]), client.get(unknown.headers["Location"])
    assert known.status_code == 200 and "Kijk in uw mail" in known.get_data(as_text=True)

    # (The CSRF token of the language form carries the second it was made in: not part of the comparison.)
    def page(response):
        return re.sub(r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True))

    assert page(known) == page(unknown)
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 1
    link = link_mailed_to("organiser@example.org")
    stored = db.session.scalar(db.select(AccountLink))
    assert stored.expires_at - stored.created_at == timedelta(minutes=30)

    assert client.post(link, {"password": GOOD, "repeat": GOOD}).status_code == 302
    assert client.post(link, {"password": GOOD + "x", "repeat": GOOD + "x"}).status_code == 404
    client.login("organiser@example.org", GOOD)
    assert db.session.scalar(db.select(TrailEntry).where(TrailEntry.action == "password_set")) is not None


def test_the_reset_mail_is_in_the_language_the_account_chose(client, db, organiser):
    organiser.locale = "en"
    db.session.commit()
    client.post("/password/forgotten", {"email": "organiser@example.org"})
    mail = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.to_address == "organiser@example.org"))
    assert "password" in mail.subject.lower() and "wachtwoord" not in mail.text_body.lower()


def test_reset_link_expires_and_a_newer_one_replaces_it(client, db, organiser, link_mailed_to):
    client.post("/password/forgotten", {"email": "organiser@example.org"})
    first = link_mailed_to("organiser@example.org")
    client.post("/password/forgotten", {"email": "organiser@example.org"})
    second = link_mailed_to("organiser@example.org")
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200
    for link in db.session.scalars(db.select(AccountLink)):
        link.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(second).status_code == 404


def test_a_weak_password_does_not_use_up_the_link(client, db, organiser, link_mailed_to):
    client.post("/password/forgotten", {"email": "organiser@example.org"})
    link = link_mailed_to("organiser@example.org")
    page = client.post(link, {"password": "aaaaaaaaaaaa", "repeat": "aaaaaaaaaaaa"}).get_data(as_text=True)
    assert "te makkelijk te raden" in page
    assert client.post(link, {"password": GOOD, "repeat": GOOD}).status_code == 302


def test_reset_mails_are_limited_per_account(app, client, db, create_organiser):
    address = f"limiet-{secrets.token_hex(4)}@example.org"  # the counts outlive one test's database
    create_organiser(email=address)
    app.config["RATE_LIMIT_PASSWORD_RESET"] = "2/hour"
    for _ in range(4):
        assert client.post("/password/forgotten", {"email": address}).status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 2


def test_no_reset_for_a_deactivated_account(client, db, organiser):
    organiser.active = False
    db.session.commit()
    client.post("/password/forgotten", {"email": "organiser@example.org"})
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0


def test_create_organiser_refuses_bad_addresses_and_weak_passwords(app, db):
    runner = app.test_cli_runner()
    for email, password in (("a@", GOOD), ("x@example.org", "aaaaaaaaaaaa"), ("x@example.org", " " * 12)):
        result = runner.invoke(args=["create-organiser", "--email", email, "--name", "X", "--password", password])
        assert result.exit_code != 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Organiser)) == 0
