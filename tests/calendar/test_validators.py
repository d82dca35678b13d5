"""HTTP validators of every feed and download: a client that sends only If-Modified-Since is answered as correctly
as one that sends If-None-Match; validators never go backwards; the ETag and the body change whenever anything
shown changes (names of initiatives and wijken, hosts, stops, events leaving a feed), on every app server."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest

from organiser.events.models import Event, EventStatus, Stop
from organiser.extensions import utcnow
from organiser.invitations.models import Invitation, InvitationState
from organiser.places.models import Initiative
from tests.conftest import Client, make_app

UID = "event-{}@organiser.test"


def fetch(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code in (200, 304), (url, response.status_code)
    return response


def last_modified(response):
    return parsedate_to_datetime(response.headers["Last-Modified"])


def assert_current(client, url, response) -> None:
    """Both kinds of client get a 304 with the validators of `response`."""
    etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
    for headers in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
        again = fetch(client, url, **headers)
        assert again.status_code == 304, (url, headers)
        assert again.headers["ETag"] == etag  # (Werkzeug leaves Last-Modified out of a 304, as RFC 9110 allows)
        assert again.headers.get("Last-Modified", modified) == modified


def assert_changed(client, url, before, shown: bytes | None = None):
    """Both kinds of client get the new body; the validators moved forward. Returns the new response."""
    by_etag = fetch(client, url, **{"If-None-Match": before.headers["ETag"]})
    assert by_etag.status_code == 200, f"{url}: If-None-Match got a 304 for a changed body"
    by_date = fetch(client, url, **{"If-Modified-Since": before.headers["Last-Modified"]})
    assert by_date.status_code == 200, f"{url}: If-Modified-Since got a 304 for a changed body"
    assert by_date.data == by_etag.data != before.data
    if shown is not None:
        assert shown in by_etag.data.replace(b"\r\n ", b"")
    assert by_etag.headers["ETag"] != before.headers["ETag"]
    assert last_modified(by_etag) > last_modified(before), "Last-Modified went backwards or stood still"
    assert_current(client, url, by_etag)
    return by_etag


@pytest.fixture
def hosted_event(db, create_event, create_initiative):
    """A published wijksafari in a wijk, hosted by one initiative, with a stop at another."""
    host = create_initiative("Moestuin De Groene Vingers")
    stop_initiative = create_initiative("Repair Café Oost", neighbourhood=host.neighbourhood)
    event = create_event(format="wijksafari", hours=3, neighbourhood_id=host.neighbourhood.id, hosts=[host])
    db.session.add(
        Stop(
            event=event,
            position=1,
            name="Werkplaats",
            address="Vondelstraat 3",
            starts_at=event.starts_at,
            ends_at=event.starts_at + timedelta(minutes=45),
            initiative=stop_initiative,
        )
    )
    db.session.commit()
    return event


def feed_urls(event) -> list[str]:
    wijk = event.neighbourhood.slug
    return [
        "/calendar/public.ics",
        "/calendar/public.ics?format=wijksafari",
        f"/calendar/public.ics?wijk={wijk}",
        f"/events/{event.id}.ics",
    ]


@pytest.mark.parametrize("which", ["host", "stop"])
def test_renaming_an_initiative_changes_every_feed_that_names_it(logged_in, db, hosted_event, organiser, which):
    event = hosted_event
    initiative = event.hosts[0] if which == "host" else event.stops[0].initiative
    before = {url: fetch(logged_in, url) for url in feed_urls(event)}
    response = logged_in.post(
        f"/initiatives/{initiative.id}/edit",
        {"name": "Buurtwerkplaats Nieuw", "neighbourhood_id": str(initiative.neighbourhood_id), "address": ""},
    )
    assert response.status_code == 302
    for url, response in before.items():
        assert_changed(logged_in, url, response, shown=b"Buurtwerkplaats Nieuw")


def test_renaming_a_wijk_changes_its_feed(logged_in, db, hosted_event):
    hood = hosted_event.neighbourhood
    url = f"/calendar/public.ics?wijk={hood.slug}"
    before = fetch(logged_in, url)
    assert logged_in.post(f"/neighbourhoods/{hood.id}/edit", {"name": "Oosterpark-Noord"}).status_code == 302
    assert_changed(logged_in, url, before, shown=b"Oosterpark-Noord")


def test_an_event_leaving_a_filtered_feed_is_noticed_by_date_too(client, db, create_event):
    """Last-Modified was the newest change among the events still in the feed: when the newest left (another
    format), it went back, and a client sending only If-Modified-Since kept the old event for good."""
    url = "/calendar/public.ics?format=bruiscafe"
    older = create_event(title="Eerste bruiscafé")
    newer = create_event(title="Tweede bruiscafé")
    newer.updated_at = older.updated_at + timedelta(minutes=5)
    db.session.commit()
    before = fetch(client, url)
    assert_current(client, url, before)
    newer.format = "netwerkborrel"
    newer.updated_at += timedelta(minutes=1)
    db.session.commit()
    after = assert_changed(client, url, before)
    assert b"Tweede bruiscafe" not in after.data.replace(b"\r\n ", b"")


def test_an_event_leaving_the_window_is_noticed_by_date_too(app, client, db, create_event):
    create_event(title="Van vorige maand", starts_at=utcnow() - timedelta(days=30))
    create_event(title="Volgende week", starts_at=utcnow() + timedelta(days=7))
    url = "/calendar/public.ics"
    before = fetch(client, url)
    app.config["FEED_PAST_DAYS"] = 10  # as if three months went by
    assert_changed(client, url, before)


def test_the_personal_feed_follows_a_new_rsvp_link_and_a_declined_answer(
    logged_in, db, create_event, organiser, create_person, invite, feed_token
):
    person = create_person()
    event = create_event(organiser=organiser)
    invitation = invite(event, person, InvitationState.INVITED, token_nonce="a" * 43)
    url = f"/calendar/personal/{feed_token(person)}.ics"
    before = fetch(logged_in, url)
    # The organiser makes a new personal link: the feed shows the new link (the old one stops working).
    response = logged_in.post(f"/events/{event.id}/answers/{invitation.id}/new-link", {})
    assert response.status_code == 302
    db.session.refresh(invitation)
    assert invitation.token_nonce != "a" * 43
    after = assert_changed(logged_in, url, before)
    invitation.state, invitation.answered_at = InvitationState.NO, utcnow()
    db.session.commit()
    assert_changed(logged_in, url, after)


def test_validators_never_go_backwards_through_many_changes(logged_in, db, hosted_event):
    event = hosted_event
    url = "/calendar/public.ics?format=wijksafari"
    previous = fetch(logged_in, url)
    for step in range(4):
        if step % 2:
            event.title = f"Titel {step}"
            event.updated_at = event.updated_at - timedelta(days=1)  # a clock that went back on some server
        else:
            event.format = "speurtocht" if event.format == "wijksafari" else "wijksafari"
        db.session.commit()
        current = fetch(logged_in, url)
        assert last_modified(current) >= last_modified(previous)
        if current.data != previous.data:
            assert current.headers["ETag"] != previous.headers["ETag"]
            assert last_modified(current) > last_modified(previous)
        previous = current


def test_every_app_server_answers_with_the_same_validators(database_url, db, hosted_event):
    """Two app servers (two apps on one database, as two gunicorn instances): the same ETag and Last-Modified,
    and a 304 from the one for validators the other gave, also just after a change."""
    servers = [make_app(database_url), make_app(database_url)]
    clients = [Client(app.test_client()) for app in servers]
    try:
        for url in feed_urls(hosted_event):
            first, second = fetch(clients[0], url), fetch(clients[1], url)
            assert (first.headers["ETag"], first.headers["Last-Modified"]) == (
                second.headers["ETag"],
                second.headers["Last-Modified"],
            )
            assert_current(clients[1], url, first)
        hosted_event.title = "Andere titel"
        hosted_event.updated_at += timedelta(seconds=3)
        db.session.commit()
        for url in feed_urls(hosted_event):
            changed = fetch(clients[0], url)
            assert_current(clients[1], url, changed)
    finally:
        for app in servers:
            with app.app_context():
                from organiser.extensions import db as _db

                _db.engine.dispose()


def test_csv_downloads_are_never_cached_nor_answered_304(logged_in, db, create_event, organiser, create_person):
    event = create_event(organiser=organiser)
    db.session.add(Invitation(event=event, person=create_person(), state=InvitationState.LISTED))
    db.session.commit()
    for url in (f"/events/{event.id}/answers.csv", "/people/export.csv", "/reach/departments.csv"):
        first = logged_in.get(url)
        if first.status_code == 404:
            continue
        assert first.status_code == 200, url
        assert first.headers["Cache-Control"] == "no-store"
        assert "ETag" not in first.headers and "Last-Modified" not in first.headers
        again = logged_in.get(url, headers={"If-Modified-Since": "Sun, 01 Jan 2090 00:00:00 GMT", "If-None-Match": "*"})
        assert again.status_code == 200, url


def test_a_draft_and_its_publication(logged_in, db, create_event, organiser):
    """A draft's download is private to its organiser; publishing it changes nothing in the body, so both
    validators may stay, but they never go back."""
    event = create_event(status=EventStatus.DRAFT, organiser=organiser)
    url = f"/events/{event.id}.ics"
    before = fetch(logged_in, url)
    assert before.headers["Cache-Control"].startswith("private")
    logged_in.post(f"/events/{event.id}/publish", {})
    after = fetch(logged_in, url)
    assert last_modified(after) >= last_modified(before)
    assert_current(logged_in, url, after)


def test_initiative_fixture_names(db, hosted_event):
    names = {i.name for i in db.session.scalars(db.select(Initiative))}
    assert names == {"Moestuin De Groene Vingers", "Repair Café Oost"}
    assert db.session.get(Event, hosted_event.id).hosts
