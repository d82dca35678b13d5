"""Pages of issues 16–18 that the other browser walks pass by: today's check-in choice, a check-in link handed out
for the day (and a walk-in refused for a missing address), deleting a draft, and the sign-up settings refused.
Every page checked by axe-core."""

from __future__ import annotations

import re

import pytest

from organiser.events.models import EventStatus
from organiser.extensions import utcnow
from organiser.invitations.models import InvitationState
from tests.browser.conftest import AXE, AccessibleBrowsing

pytestmark = pytest.mark.browser


@pytest.fixture
def page_with_refusals(browser):
    """A page of its own whose console may show the 400 of a refused form (the page that says what to correct is
    what axe checks here); any other console error fails the test, as with the shared `page`."""
    context = browser.new_context(locale="nl-NL")
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    errors: list[str] = []
    refused = "the server responded with a status of 400"
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and refused not in m.text else None)
    yield page
    context.close()
    assert not errors, f"console errors (a Content-Security-Policy violation shows here too): {errors}"


def test_the_pages_around_the_day_and_a_draft(
    live_server, page_with_refusals, db, create_organiser, create_event, create_person, invite
):
    organiser = create_organiser()
    event = create_event("Bruiscafé van vandaag", starts_at=utcnow(), organiser=organiser)
    invite(event, create_person("Vera Vergunning"), InvitationState.YES)
    draft = create_event("Concept voor volgende maand", organiser=organiser, status=EventStatus.DRAFT)
    base, page = live_server["url"], page_with_refusals
    a11y = AccessibleBrowsing(page)
    page.goto(f"{base}/login")
    page.get_by_label("E-mailadres").fill(organiser.email)
    page.get_by_label("Wachtwoord").fill("correct horse battery")
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{base}/events")

    # Today's events for whoever helps at the door, then the list of the one chosen.
    page.goto(f"{base}/checkin")
    a11y.check()
    page.get_by_role("link", name=re.compile("^Bruiscafé van vandaag")).click()
    page.get_by_role("heading", name="Bruiscafé van vandaag").wait_for()

    # A check-in link for a helper without an account; a walk-in without an address is refused, saying why.
    page.goto(f"{base}/events/{event.id}/links")
    a11y.check()
    page.get_by_label("Naam", exact=True).fill("Hulp bij de deur")
    page.get_by_role("button", name="Link maken").click()
    link = page.locator("code.break").inner_text()
    a11y.check()
    page.goto(base + link.split("organiser.test", 1)[1])
    page.get_by_text("Vera Vergunning").first.wait_for()
    a11y.check()
    page.get_by_label("Naam", exact=True).fill("Wim Inloop")
    page.get_by_label("Bewoner").check()
    page.get_by_role("button", name="Inloper toevoegen").click()
    page.get_by_text("Vul het e-mailadres in.").first.wait_for()
    a11y.check()

    # The organiser's sign-up settings refused (more seats than the event has), and deleting a draft.
    page.goto(f"{base}/events/{event.id}/aanmelden/instellingen")
    a11y.check()
    page.get_by_label("Ook open aanmelding via de agenda").check()
    page.get_by_label("Plaatsen voor aanmeldingen (met introducés)").fill("999")
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_text("Dat is meer dan het aantal plaatsen (20).").first.wait_for()
    a11y.check()
    page.goto(f"{base}/events/{draft.id}")
    page.get_by_role("link", name="Concept verwijderen").click()
    a11y.check()
    page.get_by_role("button", name="Ja, verwijderen").click()
    page.get_by_text("Het concept „Concept voor volgende maand” is verwijderd.").wait_for()
    a11y.check()
    assert len(a11y.checked) == 9
