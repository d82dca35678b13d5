"""In a real browser: a look at the invitation before sending, in both languages, and the choice of news by mail
on the account page; each page checked by axe-core."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_preview_the_invitation_then_choose_news(
    live_server, page, a11y, log_in, organiser, create_event, create_person, invite
):
    event = create_event("Wijksafari Oosterpark", organiser=organiser)
    invite(event, create_person("Ann Smith", locale="en"), "listed")
    base = live_server["url"]

    log_in()
    page.goto(f"{base}/events/{event.id}/send")
    a11y.check()
    page.get_by_role("link", name="Bekijk eerst de uitnodiging zoals de genodigde hem krijgt").click()
    page.get_by_role("heading", name="Voorbeeld van de uitnodiging").wait_for()
    assert page.get_by_text("Invitation: Wijksafari Oosterpark").first.is_visible()
    assert page.get_by_text("geen echte link").is_visible()
    assert page.frame_locator("iframe.mail-preview").get_by_text("Dear Ann Smith").is_visible()
    a11y.check()

    page.get_by_role("link", name="Nederlands").click()
    page.get_by_text("Uitnodiging: Wijksafari Oosterpark").first.wait_for()
    assert page.frame_locator("iframe.mail-preview").get_by_text("Beste Ann Smith").is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="uitnodiging.ics downloaden").click()
    assert download.value.suggested_filename == "uitnodiging.ics"
    a11y.check()

    page.goto(f"{base}/account")
    page.get_by_label("Eén keer per dag: een overzicht van wat er veranderde").check()
    page.get_by_label("English").check()
    page.get_by_role("button", name="Keuze opslaan").click()
    page.get_by_text("Uw keuze voor berichten is opgeslagen.").wait_for()
    assert page.get_by_label("Eén keer per dag: een overzicht van wat er veranderde").is_checked()
    a11y.check()
