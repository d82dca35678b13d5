"""In a real browser: a municipality's team. An administrator invites an organiser, who sets a password, enrols
an authenticator app and logs in; signing in with the municipality's account against a real OpenID Connect
provider on loopback. Every page is checked by axe-core."""

from __future__ import annotations

import re
import threading

import pyotp
import pytest
from werkzeug.serving import make_server

from organiser.auth.models import Organiser
from organiser.events.models import EventStatus
from organiser.extensions import db as _db
from organiser.mail.models import OutboxMessage
from tests.auth.conftest import provider, provider_user  # noqa: F401  (the loopback OIDC provider)
from tests.browser.conftest import AXE, AccessibleBrowsing
from tests.conftest import make_app

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
NEW_PASSWORD = "Zomer in de Velden 2026"


@pytest.fixture
def team_server(database_url, provider):  # noqa: F811
    """The app with a second factor required for everyone and the loopback provider configured."""
    app = make_app(
        database_url,
        MFA_REQUIRED_FOR="all",
        OIDC_ISSUER=provider,
        OIDC_CLIENT_ID="organiser-browser",
        OIDC_CLIENT_SECRET="client-geheim",
        OIDC_NAME="Gemeente Voorbeeld",
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": app.config["BASE_URL"], "app": app}
    server.shutdown()
    thread.join(5)
    with app.app_context():
        _db.engine.dispose()


def log_in(page, a11y, base, email, password, secret):
    page.goto(f"{base}/login")
    a11y.check()
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(password)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url(f"{base}/login/code")
    a11y.check()
    page.get_by_role("textbox", name="Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Doorgaan").click()


def test_invite_set_password_enrol_and_log_in(team_server, browser, page, a11y, db, create_organiser):
    base, app = team_server["url"], team_server["app"]
    admin = create_organiser(email="beheer@example.org", name="Bea Beheer", is_admin=True)
    admin_secret = pyotp.random_base32()
    admin.totp_secret = admin_secret
    db.session.commit()

    # The administrator invites a colleague.
    log_in(page, a11y, base, "beheer@example.org", PASSWORD, admin_secret)
    page.get_by_role("link", name="Accounts").click()
    a11y.check()
    page.get_by_label("Naam").fill("Nina Nieuw")
    page.get_by_label("E-mailadres").fill("nina@gemeente.example")
    page.get_by_label("Rol").select_option("organiser")
    page.get_by_role("button", name="Uitnodiging versturen").click()
    page.get_by_text("krijgt een e-mail met een link").wait_for()
    a11y.check()

    # Nina opens the link from her mail, in her own browser.
    with app.app_context():
        mail = _db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.to_address == "nina@gemeente.example"))
        link = re.search(r"(http://\S+/password/new/\S+)", mail.text_body).group(1)
    context = browser.new_context(locale="nl-NL")
    context.add_init_script(path=str(AXE))
    nina = context.new_page()
    nina_a11y = AccessibleBrowsing(nina)
    nina.goto(link)
    nina.get_by_role("heading", name="Welkom bij organiser").wait_for()
    nina_a11y.check()
    nina.get_by_label("Nieuw wachtwoord").fill("aaaaaaaaaaaa")
    nina.get_by_label("Herhaal het nieuwe wachtwoord").fill("aaaaaaaaaaaa")
    nina.get_by_role("button", name="Wachtwoord opslaan").click()
    nina.get_by_text("te makkelijk te raden").first.wait_for()
    nina_a11y.check()
    nina.get_by_label("Nieuw wachtwoord").fill(NEW_PASSWORD)
    nina.get_by_label("Herhaal het nieuwe wachtwoord").fill(NEW_PASSWORD)
    nina.get_by_role("button", name="Wachtwoord opslaan").click()
    nina.wait_for_url(f"{base}/login")

    # First login: the second factor is required, so she enrols an authenticator app.
    nina.get_by_label("E-mailadres").fill("nina@gemeente.example")
    nina.get_by_label("Wachtwoord", exact=True).fill(NEW_PASSWORD)
    nina.get_by_role("button", name="Inloggen", exact=True).click()
    nina.wait_for_url(f"{base}/account/mfa")
    nina_a11y.check()
    assert nina.locator("svg[role=img]").count() == 1
    secret = nina.locator("#totp-secret").inner_text().replace(" ", "")
    nina.get_by_role("textbox", name="Code").fill(pyotp.TOTP(secret).now())
    nina.get_by_role("button", name="Instellen").click()
    nina.get_by_role("heading", name="De tweede stap staat aan").wait_for()
    nina_a11y.check()
    assert nina.locator(".recovery-codes li").count() == 10
    nina.get_by_role("link", name="Ik heb ze bewaard, ga verder").click()
    nina.get_by_role("heading", name="Mijn bijeenkomsten").wait_for()
    nina_a11y.check()

    # Logged out and in again: password, then a code from the app.
    nina.get_by_role("button", name="Uitloggen").click()
    with app.app_context():
        _db.session.execute(db.update(Organiser).values(totp_last_step=None))  # the next code may be the same
        _db.session.commit()
    log_in(nina, nina_a11y, base, "nina@gemeente.example", NEW_PASSWORD, secret)
    nina.get_by_role("heading", name="Mijn bijeenkomsten").wait_for()
    context.close()


def test_sign_in_with_the_municipality_account(team_server, browser, create_organiser, provider):  # noqa: F811
    base = team_server["url"]
    # A context of its own: the test provider's page loads a stylesheet from the internet (not reachable here);
    # console errors count only on our own pages.
    context = browser.new_context(locale="nl-NL")
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    a11y = AccessibleBrowsing(page)
    errors: list[str] = []
    page.on(
        "console", lambda m: errors.append(m.text) if m.type == "error" and m.location["url"].startswith(base) else None
    )
    create_organiser(email="olga@gemeente.example", name="Olga Organisator")
    provider_user(provider, "entra-olga", email="olga@gemeente.example", email_verified=True, name="Olga")
    page.goto(f"{base}/login")
    a11y.check()
    page.get_by_role("link", name="Inloggen met Gemeente Voorbeeld").click()
    page.wait_for_url(f"{provider}/oauth2/authorize*")
    page.locator("input[name=sub]").fill("entra-olga")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{base}/events")
    page.get_by_role("heading", name="Mijn bijeenkomsten").wait_for()
    a11y.check()  # signed in through the provider: no code from an app asked here (the provider does that)
    context.close()
    assert not errors


def test_a_co_organiser_edits_a_shared_event(live_server, page, a11y, db, create_organiser, create_event):
    base = live_server["url"]
    anna = create_organiser(email="anna@example.org", name="Anna A")
    create_organiser(email="bert@example.org", name="Bert B")
    event = create_event(title="Bruiscafé in de Buurtkamer", organiser=anna)

    def log_in_as(email):
        page.goto(f"{base}/login")
        page.get_by_label("E-mailadres").fill(email)
        page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Inloggen", exact=True).click()
        page.get_by_role("heading", name="Mijn bijeenkomsten").wait_for()

    # Anna lets Bert co-organise.
    log_in_as("anna@example.org")
    page.goto(f"{base}/events/{event.id}")
    page.get_by_role("link", name="Wie organiseert").click()
    a11y.check()
    page.get_by_label("Collega").select_option(label="Bert B")
    page.get_by_role("button", name="Toevoegen als mede-organisator").click()
    page.get_by_text("Bert B organiseert nu mee.").wait_for()
    a11y.check()
    page.get_by_role("button", name="Uitloggen").click()

    # Bert finds it under his own events and changes it.
    log_in_as("bert@example.org")
    a11y.check()
    page.get_by_role("link", name="Bruiscafé in de Buurtkamer").click()
    page.get_by_role("link", name="Wijzigen").click()
    a11y.check()
    page.get_by_label("Titel").fill("Bruiscafé met Anna en Bert")
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_role("heading", name="Bruiscafé met Anna en Bert").wait_for()
    a11y.check()
    with live_server["app"].app_context():
        from organiser.events.models import Event

        assert _db.session.get(Event, event.id).title == "Bruiscafé met Anna en Bert"


def test_an_initiative_host_opens_their_event_and_sees_nothing_else(
    live_server, page, a11y, db, create_organiser, create_event, create_initiative
):
    base = live_server["url"]
    anna = create_organiser(email="anna@example.org", name="Anna A")
    moestuin = create_initiative("Moestuin De Groene Vingers")
    event = create_event(title="Wijksafari Oosterpark", organiser=anna, hosts=[moestuin])
    create_event(title="Geheim concept", organiser=anna, status=EventStatus.DRAFT)
    # Anna hands out a personal link to the host of the Moestuin.
    page.goto(f"{base}/login")
    page.get_by_label("E-mailadres").fill("anna@example.org")
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.goto(f"{base}/events/{event.id}")
    page.get_by_role("link", name="Links voor initiatiefnemers en aanmeldhulp").click()
    a11y.check()
    page.get_by_label("Naam").fill("Henk Host")
    page.get_by_label("Initiatief").select_option(label="Moestuin De Groene Vingers")
    page.get_by_role("button", name="Link maken").click()
    link = page.locator("code.break").inner_text()
    a11y.check()
    page.get_by_role("button", name="Uitloggen").click()
    link = link.replace("http://organiser.test", base)

    page.goto(link)
    page.get_by_role("heading", name="Wijksafari Oosterpark").wait_for()
    a11y.check()
    page.get_by_label("Naam").fill("Rita Tuin")
    page.get_by_label("E-mailadres").fill("rita@example.org")
    page.get_by_role("button", name="Aanmelden").click()
    page.get_by_text("Rita Tuin staat op de gastenlijst").wait_for()
    a11y.check()
    # Nothing else opens: the organiser pages ask for a login, a draft is not found.
    page.goto(f"{base}/people")
    assert "/login" in page.url
    page.goto(f"{base}/events/{event.id}/guests")
    assert "/login" in page.url
    response = page.goto(f"{base}/events")
    assert "/login" in page.url and response.ok
