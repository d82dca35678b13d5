"""The subscribe page: the feed address to copy, a webcal link, and help for each calendar app."""

from __future__ import annotations

import re


def test_subscribe_page_for_the_whole_agenda(client):
    response = client.get("/calendar/subscribe")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "U abonneert zich op: Agenda organiser." in page
    assert '<label for="feed-url">Adres van de agenda</label>' in page
    field = re.search(r'<input[^>]*id="feed-url"[^>]*>', page).group(0)
    assert 'value="http://organiser.test/calendar/public.ics"' in field and "readonly" in field
    # The copy button only appears once app.js runs (it sets hidden = false); no inline script.
    button = re.search(r"<button[^>]*data-copy-target=\"feed-url\"[^>]*>", page).group(0)
    assert " hidden" in button and 'data-copy-status="feed-url-status"' in button
    assert 'id="feed-url-status"' in page
    assert "<script>" not in page and " onclick" not in page and " style=" not in page
    assert 'href="webcal://organiser.test/calendar/public.ics"' in page


def test_subscribe_page_tells_how_each_app_subscribes_and_refreshes(client):
    page = client.get("/calendar/subscribe").get_data(as_text=True)
    for app_name, refresh in (
        ("Outlook 365 en Outlook op het web", "ongeveer elke 3 uur"),
        ("Outlook voor Windows (desktop)", "ongeveer elk uur"),
        ("Google Agenda", "elke 4 tot 12 uur"),
        ("Apple Agenda (Mac, iPhone, iPad)", "zo vaak als u instelt"),
        ("Thunderbird", "elk half uur"),
    ):
        row = re.search(rf'<th scope="row">{re.escape(app_name)}</th><td>([^<]+)</td>', page)
        assert row is not None and refresh in row.group(1), app_name
    assert "Abonneren via internet" in page and "Via URL" in page and "Nieuw agenda-abonnement" in page
    assert "Op het netwerk" in page
    assert "Wijzigingen verschijnen niet meteen" in page


def test_subscribe_page_keeps_the_agenda_filters(client, create_neighbourhood):
    create_neighbourhood("Oosterpark")
    page = client.get("/calendar/subscribe?format=wijksafari&wijk=oosterpark").get_data(as_text=True)
    url = "http://organiser.test/calendar/public.ics?format=wijksafari&amp;wijk=oosterpark"
    assert f'value="{url}"' in page
    assert f'href="{url.replace("http://", "webcal://")}"' in page
    assert "Agenda organiser: Wijksafari · Oosterpark" in page
    assert 'href="/calendar/subscribe"' in page  # the way to all events
    assert client.get("/calendar/subscribe?wijk=nergens").status_code == 404
    assert client.get("/calendar/subscribe?format=schaakclub").status_code == 404
