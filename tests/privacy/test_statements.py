"""The privacy and accessibility statements: linked from every page, filled from the settings, and the retention
periods they promise are the ones the purge applies (issue 15)."""

from __future__ import annotations

import re

import pytest

from organiser import retention
from organiser.extensions import db
from tests.conftest import make_app


def main(page: str) -> str:
    return page.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def footer(page: str) -> str:
    return page.split('<footer class="site-footer">', 1)[1]


@pytest.mark.parametrize("path", ["/agenda", "/login", "/privacy", "/toegankelijkheid", "/calendar/subscribe"])
def test_every_page_links_both_statements_in_its_footer(client, path):
    page = client.get(path).get_data(as_text=True)
    assert 'href="/privacy"' in footer(page) and 'href="/toegankelijkheid"' in footer(page)


def test_error_pages_link_them_too(client):
    page = client.get("/no-such-page").get_data(as_text=True)
    assert 'href="/privacy"' in footer(page)


def test_the_statements_name_the_municipality_and_its_contact_from_the_settings(app, client):
    app.config.update(
        MUNICIPALITY_NAME="Gemeente Voorbeeldstad",
        PRIVACY_CONTACT="privacy@voorbeeldstad.nl",
        PRIVACY_OFFICER="fg@voorbeeldstad.nl",
        ACCESSIBILITY_STATUS="B",
        ACCESSIBILITY_STATEMENT_DATE="2026-11-01",
        ACCESSIBILITY_AUDIT_URL="https://voorbeeldstad.nl/onderzoek.pdf",
    )
    privacy = main(client.get("/privacy").get_data(as_text=True))
    assert "Gemeente Voorbeeldstad is verantwoordelijk" in privacy
    assert 'href="mailto:privacy@voorbeeldstad.nl"' in privacy and 'href="mailto:fg@voorbeeldstad.nl"' in privacy
    assert "Autoriteit Persoonsgegevens" in privacy

    accessibility = main(client.get("/toegankelijkheid").get_data(as_text=True))
    assert "Gemeente Voorbeeldstad streeft ernaar" in accessibility
    assert "Besluit digitale toegankelijkheid overheid" in accessibility
    assert "B: voldoet gedeeltelijk" in accessibility
    assert "1 november 2026" in accessibility
    assert 'href="https://voorbeeldstad.nl/onderzoek.pdf"' in accessibility
    assert "Nationale ombudsman" in accessibility and 'href="mailto:privacy@voorbeeldstad.nl"' in accessibility


def test_without_settings_the_statements_still_say_something_true(client):
    privacy = main(client.get("/privacy").get_data(as_text=True))
    assert "De gemeente is verantwoordelijk" in privacy
    assert 'href="mailto:organiser@localhost"' in privacy  # MAIL_DEFAULT_SENDER
    accessibility = main(client.get("/toegankelijkheid").get_data(as_text=True))
    assert "C: eerste maatregelen genomen" in accessibility
    assert "nog niet door de gemeente ondertekend" in accessibility


def test_both_statements_in_english(client):
    client.post("/language", {"lang": "en", "next": "/privacy"})
    privacy = main(client.get("/privacy").get_data(as_text=True))
    assert "Privacy statement" in privacy and "Privacyverklaring" not in privacy
    assert "30 days after the event" in privacy
    accessibility = main(client.get("/toegankelijkheid").get_data(as_text=True))
    assert "Accessibility statement" in accessibility


def retention_rows(page: str) -> dict[str, str]:
    """{setting: 'how long' cell} of the retention table on a page."""
    rows = re.findall(r'<tr data-setting="(\w+)">\s*<th scope="row">.*?</th>\s*<td>(.*?)</td>', page, re.S)
    return {setting: " ".join(text.split()) for setting, text in rows}


def test_the_periods_shown_are_the_settings_the_purge_uses(database_url):
    """Change every period to an unusual number: the privacy page shows exactly those (the purge tests check that
    the purge applies the same settings, through the same retention.Period objects)."""
    odd = {period.setting: 7 + index for index, period in enumerate(retention.POLICY)}
    app = make_app(database_url, **odd)
    page = app.test_client().get("/privacy").get_data(as_text=True)
    rows = retention_rows(page)
    assert set(rows) == {period.setting for period in retention.POLICY}
    with app.test_request_context():
        for period in retention.POLICY:
            unit = "uur" if period.in_hours else "dagen"
            assert rows[period.setting] == f"{odd[period.setting]} {unit} {period.counted_from}"
        db.engine.dispose()


def test_zero_days_reads_as_at_once(client):
    rows = retention_rows(client.get("/privacy").get_data(as_text=True))
    assert rows["RETENTION_SENT_MAIL_DAYS"] == "direct na het versturen"
