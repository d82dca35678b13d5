"""The public feed and one-event downloads, fetched as a calendar client would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from organiser.events.models import Event, EventStatus, Owner
from organiser.extensions import utcnow
from organiser.invitations.models import InvitationState
from tests.calendar.checks import check_ical, instants_all_parsers, vevents
from tests.conftest import local
from tests.factories import route

UID = "event-{}@organiser.test"
#: What Thunderbird sends.
THUNDERBIRD_ACCEPT = "text/calendar,text/plain;q=0.8,*/*;q=0.5"


def feed(client, query=""):
    response = client.get(f"/calendar/public.ics{query}")
    assert response.status_code == 200, response.status_code
    return response


def test_public_feed_holds_published_and_cancelled_events_in_a_window(client, create_event, db):
    now = utcnow()
    published = create_event(title="Bruiscafé")
    draft = create_event(title="Nog geheim", status=EventStatus.DRAFT)
    cancelled = create_event(title="Netwerkborrel", status=EventStatus.CANCELLED, cancelled_at=now)
    cancelled.sequence = 1
    never_published = create_event(title="Concept afgelast", status=EventStatus.DRAFT)
    never_published.status = EventStatus.CANCELLED
    recent = create_event(title="Vorige maand", starts_at=now - timedelta(days=30))
    old = create_event(title="Lang geleden", starts_at=now - timedelta(days=200))
    db.session.commit()

    response = feed(client)
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'inline; filename="organiser-agenda.ics"'
    assert response.headers["Cache-Control"] == "public, max-age=300, must-revalidate, no-transform"
    assert "Content-Encoding" not in response.headers
    entries = vevents(check_ical(response.data).to_ical())
    assert set(entries) == {UID.format(e.id) for e in (published, cancelled, recent)}
    assert UID.format(draft.id) not in entries and UID.format(never_published.id) not in entries
    assert UID.format(old.id) not in entries
    gone = entries[UID.format(cancelled.id)]
    assert gone["STATUS"] == "CANCELLED" and gone["SEQUENCE"] == 1
    assert gone["SUMMARY"] == "Afgelast: Netwerkborrel"
    assert entries[UID.format(published.id)]["STATUS"] == "CONFIRMED"


def test_summer_and_winter_times_agree_in_three_parsers(client, create_event):
    summer = create_event(starts_at=local(2030, 6, 15, 13, 0), hours=3)
    winter = create_event(starts_at=local(2030, 12, 7, 14, 0), hours=2)
    body = feed(client).data
    check_ical(body)
    instants = instants_all_parsers(body)
    assert instants[UID.format(summer.id)] == (
        datetime(2030, 6, 15, 11, 0, tzinfo=UTC),
        datetime(2030, 6, 15, 14, 0, tzinfo=UTC),
    )
    assert instants[UID.format(winter.id)] == (
        datetime(2030, 12, 7, 13, 0, tzinfo=UTC),
        datetime(2030, 12, 7, 15, 0, tzinfo=UTC),
    )
    text = body.decode()
    assert "DTSTART;TZID=Europe/Amsterdam:20300615T130000\r\n" in text
    assert "DTSTART;TZID=Europe/Amsterdam:20301207T140000\r\n" in text
    assert text.count("BEGIN:VTIMEZONE") == 1


def test_route_stops_hosts_and_link_in_the_description(client, create_event, create_initiative, db):
    moestuin = create_initiative("Moestuin De Groene Vingers")
    event = create_event(
        title="Wijksafari Oosterpark",
        format="wijksafari",
        starts_at=local(2030, 6, 15, 13, 0),
        hours=3,
        owner=Owner.RESIDENTS,
        latitude=52.3601,
        longitude=4.9224,
    )
    event.hosts = [moestuin]
    event.stops = route(
        (local(2030, 6, 15, 13, 0), local(2030, 6, 15, 13, 15), "Verzamelen", "Vondelstraat 3"),
        (local(2030, 6, 15, 13, 30), local(2030, 6, 15, 14, 0), "De moestuin", "Parkweg 12", moestuin),
    )
    db.session.commit()
    vevent = vevents(feed(client).data)[UID.format(event.id)]
    description = str(vevent["DESCRIPTION"])
    assert (
        "De route:\n13:00–13:15 Verzamelen, Vondelstraat 3\n"
        "13:30–14:00 De moestuin, Parkweg 12 (Moestuin De Groene Vingers)"
    ) in description
    assert "Gastheer/-vrouw: Moestuin De Groene Vingers" in description
    assert "Wiens plan: bewoners nodigen de gemeente uit" in description
    link = f"http://organiser.test/events/{event.id}"
    assert description.endswith(f"Meer informatie: {link}")
    assert vevent["URL"] == link
    assert vevent["LOCATION"] == "Kerkstraat 41"
    assert vevent["GEO"].latitude == 52.3601 and vevent["GEO"].longitude == 4.9224


def test_no_personal_data_in_the_public_feed(client, create_event, create_person, invite, organiser, db):
    event = create_event(organiser=organiser)
    person = create_person(name="Pieter Vergunning", email="pieter.vergunning@gemeente.example")
    invite(event, person, InvitationState.YES, note="Glutenvrij, graag")
    body = feed(client).data.decode()
    assert UID.format(event.id) in body
    for private in ("Pieter", "Vergunning", "pieter.vergunning", "@gemeente.example", "Glutenvrij", organiser.name):
        assert private not in body, private
    for itip in ("ORGANIZER", "ATTENDEE", "METHOD", "CLASS:PRIVATE"):
        assert itip not in body


def test_filters_by_format_and_neighbourhood(client, create_event, create_neighbourhood):
    oost = create_neighbourhood("Oosterpark")
    west = create_neighbourhood("De Velden")
    safari_oost = create_event(format="wijksafari", neighbourhood_id=oost.id)
    cafe_oost = create_event(format="bruiscafe", neighbourhood_id=oost.id)
    safari_west = create_event(format="wijksafari", neighbourhood_id=west.id)

    def uids(query):
        return set(vevents(feed(client, query).data))

    assert uids("?format=wijksafari") == {UID.format(safari_oost.id), UID.format(safari_west.id)}
    assert uids("?wijk=oosterpark") == {UID.format(safari_oost.id), UID.format(cafe_oost.id)}
    assert uids("?format=wijksafari&wijk=oosterpark") == {UID.format(safari_oost.id)}
    assert uids("?format=&wijk=") == {UID.format(e.id) for e in (safari_oost, cafe_oost, safari_west)}
    named = check_ical(feed(client, "?format=wijksafari&wijk=oosterpark").data)
    assert named["X-WR-CALNAME"] == named["NAME"] == "Agenda organiser: Wijksafari · Oosterpark"
    assert client.get("/calendar/public.ics?format=schaakclub").status_code == 404
    assert client.get("/calendar/public.ics?wijk=nergens").status_code == 404


def test_unchanged_feed_is_byte_identical_and_changes_follow_edits(logged_in, client, create_event, organiser, db):
    event = create_event(organiser=organiser, starts_at=local(2030, 6, 15, 13, 0), hours=3, format="wijksafari")
    first = feed(client).data
    assert feed(client).data == first

    # The organiser moves the event by an hour through the edit page.
    form = {
        "title": event.title,
        "format": "wijksafari",
        "description": "",
        "starts_at": "2030-06-15T14:00",
        "ends_at": "2030-06-15T17:00",
        "location": event.location,
        "neighbourhood_id": "0",
        "owner": "municipality",
        "capacity": "20",
        "rsvp_deadline": "",
        "max_plus_ones": "0",
        "min_office_share": "50",
    }
    assert logged_in.post(f"/events/{event.id}/edit", form).status_code == 302
    moved = feed(client).data
    assert moved != first
    vevent = vevents(moved)[UID.format(event.id)]
    assert vevent["SEQUENCE"] == 1
    assert vevent.decoded("DTSTART") == local(2030, 6, 15, 14, 0)
    assert vevent.decoded("LAST-MODIFIED") == vevent.decoded("DTSTAMP") == db.session.get(Event, event.id).updated_at
    assert vevents(first)[UID.format(event.id)].decoded("DTSTAMP") < vevent.decoded("DTSTAMP")

    # Then cancels it: it stays, cancelled, with a higher SEQUENCE.
    assert logged_in.post(f"/events/{event.id}/cancel", {}).status_code == 302
    cancelled = vevents(feed(client).data)[UID.format(event.id)]
    assert cancelled["STATUS"] == "CANCELLED"
    assert cancelled["SEQUENCE"] == 2


def test_conditional_requests_get_304(client, create_event, db):
    event = create_event()
    response = feed(client)
    etag, last_modified = response.headers["ETag"], response.headers["Last-Modified"]
    assert etag.startswith('"') and etag.endswith('"')

    again = client.get("/calendar/public.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "public, max-age=300, must-revalidate, no-transform"

    assert client.get("/calendar/public.ics", headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert client.get("/calendar/public.ics", headers={"If-None-Match": '"something-else"'}).status_code == 200
    assert client.get("/calendar/public.ics", headers={"If-Modified-Since": last_modified}).status_code == 304
    earlier = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert client.get("/calendar/public.ics", headers={"If-Modified-Since": earlier}).status_code == 200
    # If-None-Match decides when both are sent.
    both = {"If-None-Match": '"something-else"', "If-Modified-Since": last_modified}
    assert client.get("/calendar/public.ics", headers=both).status_code == 200

    event.title = "Nieuwe titel"
    event.updated_at = event.updated_at + timedelta(seconds=5)
    db.session.commit()
    changed = client.get("/calendar/public.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert b"Nieuwe titel" in changed.data
    assert client.get("/calendar/public.ics", headers={"If-Modified-Since": last_modified}).status_code == 200


def test_a_new_event_changes_the_etag(client, create_event):
    create_event()
    etag = feed(client).headers["ETag"]
    create_event(title="Nog een")
    assert client.get("/calendar/public.ics", headers={"If-None-Match": etag}).status_code == 200


def test_head_accept_and_no_gzip(client, create_event):
    create_event()
    full = feed(client)
    head = client.head("/calendar/public.ics")
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert head.headers["ETag"] == full.headers["ETag"]
    assert int(head.headers["Content-Length"]) == len(full.data)
    for accept in (THUNDERBIRD_ACCEPT, "text/calendar;q=1.0", "text/html", "application/json"):
        assert client.get("/calendar/public.ics", headers={"Accept": accept}).status_code == 200
    gzip = client.get("/calendar/public.ics", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in gzip.headers and gzip.data.startswith(b"BEGIN:VCALENDAR\r\n")


def test_one_event_download(client, create_event):
    event = create_event(starts_at=local(2030, 12, 7, 14, 0))
    response = client.get(f"/events/{event.id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'inline; filename="bijeenkomst-{event.id}.ics"'
    calendar = check_ical(response.data)
    # Added as one appointment, not opened as a new calendar: no feed name, no method.
    for feed_only in ("X-WR-CALNAME", "NAME", "METHOD", "REFRESH-INTERVAL"):
        assert feed_only not in calendar
    assert instants_all_parsers(response.data) == {
        UID.format(event.id): (datetime(2030, 12, 7, 13, 0, tzinfo=UTC), datetime(2030, 12, 7, 15, 0, tzinfo=UTC))
    }
    etag = response.headers["ETag"]
    assert client.get(f"/events/{event.id}.ics", headers={"If-None-Match": etag}).status_code == 304
    assert client.head(f"/events/{event.id}.ics").status_code == 200
    assert client.get("/events/999999.ics").status_code == 404


def test_drafts_download_only_for_their_organiser(client, create_event, organiser, create_organiser):
    draft = create_event(status=EventStatus.DRAFT, organiser=organiser)
    assert client.get(f"/events/{draft.id}.ics").status_code == 404
    create_organiser(email="ander@example.org", name="Andere Organisator")
    client.login(email="ander@example.org")
    assert client.get(f"/events/{draft.id}.ics").status_code == 404
    client.login()
    response = client.get(f"/events/{draft.id}.ics")
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("private")


def test_event_page_and_agenda_link_to_the_calendar(client, create_event, create_neighbourhood):
    hood = create_neighbourhood("Oosterpark")
    event = create_event(neighbourhood_id=hood.id)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert f'href="/events/{event.id}.ics"' in page and "Zet in mijn agenda (.ics)" in page
    agenda = client.get("/agenda?format=bruiscafe&wijk=oosterpark").get_data(as_text=True)
    assert 'href="/calendar/subscribe?format=bruiscafe&amp;wijk=oosterpark"' in agenda


def test_an_unchanged_feed_is_rendered_once_per_process(client, create_event, db, monkeypatch):
    from organiser.calendar import feeds

    renders = []
    real = feeds.render_public_feed
    monkeypatch.setattr(feeds, "render_public_feed", lambda *args: renders.append(1) or real(*args))
    event = create_event()
    first = feed(client).data
    assert feed(client).data == first
    assert len(renders) == 1
    event.title = "Nieuwe titel"
    event.updated_at = event.updated_at + timedelta(seconds=5)
    db.session.commit()
    assert b"Nieuwe titel" in feed(client).data
    assert len(renders) == 2


def test_rendered_feeds_stay_within_their_bytes():
    from organiser.calendar.feeds import RenderedFeeds

    cache = RenderedFeeds(max_bytes=10)
    assert cache.get_or_render("a", lambda: b"aaaa") == b"aaaa"
    assert cache.get_or_render("a", lambda: b"changed") == b"aaaa"
    cache.get_or_render("b", lambda: b"bbbb")
    cache.get_or_render("c", lambda: b"cccc")  # 12 bytes: the least recently used ("a") goes
    assert cache.get_or_render("a", lambda: b"new a") == b"new a"
    assert cache.get_or_render("x", lambda: b"x" * 11) == b"x" * 11  # larger than the cache: not kept
    assert cache.get_or_render("x", lambda: b"again") == b"again"
    off = RenderedFeeds(max_bytes=0)
    off.get_or_render("a", lambda: b"1")
    assert off.get_or_render("a", lambda: b"2") == b"2"
