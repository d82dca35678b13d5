"""Security checks from the OWASP ASVS level 2 review (SECURITY.md), where no other test covers the point:
sessions, CSRF and access control on every route, rate limits (also through Redis), output escaping, CSV
downloads, headers."""

from __future__ import annotations

import csv
import io
import re
import secrets
import time
from datetime import timedelta

import pytest

from organiser.events.models import EventStatus, Stop
from organiser.extensions import utcnow
from organiser.invitations.models import Invitation, InvitationState
from organiser.teams.models import Team
from tests.bad_input.conftest import row_counts

# --- Sessions ---------------------------------------------------------------------------------------------------


def test_logout_ends_the_session_also_for_a_copied_cookie(client, organiser):
    """The session lives in a signed cookie; logging out must make a copy of it worthless (ASVS 3.3.1)."""
    client.login()
    copied = client.raw.get_cookie("session").value
    client._csrf = None
    assert client.post("/logout").status_code == 302
    thief = client.raw.application.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/events").status_code == 302  # to the login page
    client._csrf = None
    client.login()  # logging in again works
    assert client.get("/events").status_code == 200


def test_a_login_lasts_at_most_session_hours(app, client, organiser, monkeypatch):
    """ASVS 3.3.2: log in again after a while, even when the session is used all the time."""
    client.login()
    assert client.get("/events").status_code == 200
    later = time.time() + app.config["SESSION_HOURS"] * 3600 + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get("/events").status_code == 302


def test_a_new_session_at_login(client, organiser):
    """Nothing planted in the session before login survives it, but the chosen language (ASVS 3.2.1)."""
    client.post("/language", {"lang": "en", "next": "/agenda"})
    with client.raw.session_transaction() as session:
        session["planted"] = "by someone else"
    client.login()
    with client.raw.session_transaction() as session:
        assert "planted" not in session and session["lang"] == "en"


# --- CSRF and access control on every route ------------------------------------------------------------------------


def url_values(rule, values: dict) -> dict:
    return {
        name: values.get(name, 1 if rule._converters[name].regex == r"\d+" else "x" * 43) for name in rule.arguments
    }


#: The invitee's personal pages: their forms carry a key bound to the link instead of the session (so that a browser
#: without cookies can answer); tests/invitations/test_answers_kept.py checks that they refuse a missing key.
LINK_BOUND_FORMS = {"invitations.respond", "invitations.withdraw", "followup.answer", "followup.contact"}


def test_every_post_route_refuses_a_missing_csrf_token(app, logged_in):
    """Flask-WTF's CSRFProtect guards every POST, also on pages without a form class (ASVS 4.2.2)."""
    adapter = app.url_map.bind("organiser.test")
    checked = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint == "static" or rule.endpoint in LINK_BOUND_FORMS:
            continue
        url = adapter.build(rule.endpoint, url_values(rule, {}))
        response = logged_in.raw.post(url, data={})
        assert response.status_code == 400, (rule.rule, response.status_code)
        assert "Formulier verlopen" in response.get_data(as_text=True)
        checked += 1
    assert checked >= 25


@pytest.fixture
def someone_elses_event(db, create_event, create_organiser, create_person, invite):
    """A draft event of another organiser, with an invitation, a stop and a team."""
    owner = create_organiser(email="ander@example.org", name="Andere Organisator")
    event = create_event(organiser=owner, status=EventStatus.DRAFT, format="wijksafari", forms_teams=True)
    invitation = invite(event, create_person(), InvitationState.YES)
    stop = Stop(
        event=event,
        position=1,
        name="Moestuin",
        address="Parkweg 3",
        starts_at=event.starts_at,
        ends_at=event.starts_at + timedelta(minutes=30),
    )
    team = Team(event=event, number=1, name="Team 1")
    db.session.add_all([invitation, stop, team])
    db.session.commit()
    return {"event_id": event.id, "invitation_id": invitation.id, "stop_id": stop.id, "team_id": team.id}


def test_organisers_cannot_reach_each_others_events(app, db, logged_in, someone_elses_event):
    """Every route about an event, read or write, answers 404 to an organiser who does not manage it, and
    changes nothing (ASVS 4.1.2, 4.2.1); the owner gets through (so the check can fail)."""
    adapter = app.url_map.bind("organiser.test")
    before = row_counts(db)
    routes = [r for r in app.url_map.iter_rules() if "event_id" in r.arguments]
    for rule in routes:
        url = adapter.build(rule.endpoint, url_values(rule, someone_elses_event))
        if "GET" in rule.methods:
            assert logged_in.get(url).status_code == 404, rule.rule
        if "POST" in rule.methods:
            assert logged_in.post(url, {"answer": "no", "count": "2", "present": "1"}).status_code == 404, rule.rule
    assert row_counts(db) == before
    assert len(routes) >= 20
    owner = logged_in.raw.application.test_client()
    from tests.conftest import Client

    owner = Client(owner)
    owner.login("ander@example.org")
    assert owner.get(f"/events/{someone_elses_event['event_id']}/answers").status_code == 200


# --- Rate limits ---------------------------------------------------------------------------------------------------


def test_a_token_is_limited_even_from_many_addresses(app, client):
    """Guessing at one token from a botnet: the per-token limit holds whatever the address (ASVS 2.2.1)."""
    app.config["RATE_LIMIT_TOKEN"] = "5/minute"
    token = secrets.token_urlsafe(32)
    statuses = [
        client.get(
            f"/rsvp/{token}", environ_base={"REMOTE_ADDR": f"10.77.{n}.{secrets.randbelow(250) + 1}"}
        ).status_code
        for n in range(6)
    ]
    assert statuses == [404] * 5 + [429]


def test_rate_limits_are_shared_through_redis(redis_url, servers):
    """With ORGANISER_REDIS_URL every app server counts in one place: two app objects (two servers) share the
    limit, and the count is in Redis under a key without the token itself."""
    import redis

    from organiser.tokens import hash_token

    token = secrets.token_urlsafe(32)
    apps = servers(2, REDIS_URL=redis_url, RATE_LIMIT_TOKEN="4/minute")
    address = {"REMOTE_ADDR": f"10.88.{secrets.randbelow(256)}.{secrets.randbelow(250) + 1}"}
    responses = [apps[n % 2].test_client().get(f"/rsvp/{token}", environ_base=address) for n in range(5)]
    assert [r.status_code for r in responses] == [404] * 4 + [429]
    assert 1 <= int(responses[-1].headers["Retry-After"]) <= 60
    store = redis.Redis.from_url(redis_url)
    keys = [key.decode() for key in store.keys("*organiser*")]
    store.close()
    assert any(hash_token(token)[:32] in key for key in keys)
    assert not any(token in key for key in keys)


def test_rate_limits_fall_back_to_the_process_when_redis_is_away(servers, caplog):
    """An unreachable Redis must not take the RSVP pages (or the login) down: counting goes on per process,
    with a warning, and a refusal still says when to retry."""
    (app,) = servers(REDIS_URL="redis://127.0.0.1:1/0", RATE_LIMIT_TOKEN="2/minute", RATE_LIMIT_LOGIN="2/minute")
    client = app.test_client()
    token = secrets.token_urlsafe(32)
    responses = [client.get(f"/rsvp/{token}") for _ in range(3)]
    assert [r.status_code for r in responses] == [404, 404, 429]
    assert 1 <= int(responses[-1].headers["Retry-After"]) <= 60
    assert "storage unreachable" in caplog.text.lower()
    app.config["WTF_CSRF_ENABLED"] = False
    attempt = {"email": f"nobody-{secrets.token_hex(4)}@example.org", "password": "wrong"}
    assert [client.post("/login", data=attempt).status_code for _ in range(3)] == [200, 200, 429]


# --- Output: escaping, CSV, headers ---------------------------------------------------------------------------


def test_names_are_escaped_in_pages(logged_in, db, create_person, create_event, organiser):
    """What people type is shown as text, never run (ASVS 5.3.3)."""
    person = create_person(name='<script>alert("x")</script>', email="xss@gemeente.example")
    event = create_event(organiser=organiser, title="<img src=x onerror=alert(1)>")
    db.session.add(Invitation(event=event, person=person))
    db.session.commit()
    for url in ("/people", f"/people/{person.id}", f"/events/{event.id}", f"/events/{event.id}/guests", "/agenda"):
        page = logged_in.get(url).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page, url


FORMULA = '=HYPERLINK("http://kwaad.example","klik")'


def test_every_csv_download_defuses_formulas(logged_in, db, create_person, create_event, organiser):
    """Answers, the directory and the reach tables: a cell that starts like a formula gets an apostrophe
    (ASVS 5.3.10)."""
    person = create_person(name=FORMULA, email="formule@gemeente.example", department="@Afdeling")
    event = create_event(organiser=organiser)
    db.session.add(Invitation(event=event, person=person, state=InvitationState.YES, sent_at=utcnow(), note="+31 6"))
    db.session.commit()
    downloads = [f"/events/{event.id}/answers.csv", "/people/export.csv"]
    downloads += [f"/reach/{key}.csv" for key in ("departments",)]
    for url in downloads:
        response = logged_in.get(url)
        assert response.status_code == 200 and response.mimetype == "text/csv", url
        cells = [
            cell for row in csv.reader(io.StringIO(response.get_data(as_text=True)), delimiter=";") for cell in row
        ]
        assert not [c for c in cells if re.match(r"[=+\-@\t\r]", c)], (url, cells)
    answers = logged_in.get(f"/events/{event.id}/answers.csv").get_data(as_text=True)
    assert "'" + FORMULA.replace('"', '""') in answers and "'+31 6" in answers


@pytest.mark.parametrize("url", ["/agenda", "/calendar/public.ics", "/healthz", "/nergens", "/people/export.csv"])
def test_security_headers_on_every_kind_of_answer(client, url):
    """HTML, calendars, JSON, errors and downloads alike (ASVS 14.4)."""
    response = client.get(url)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")


def test_hsts_and_secure_cookies_when_served_over_https(database_url):
    from tests.conftest import make_app

    app = make_app(database_url, BASE_URL="https://organiser.gemeente.example")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/agenda", base_url="https://organiser.gemeente.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    with app.app_context():
        from organiser.extensions import db

        db.engine.dispose()


def test_the_feed_link_page_is_limited_like_the_rsvp_page(app, client):
    """It takes an RSVP token too: without the limit it was a way around the RSVP page's limit. (The feeds
    themselves are not limited: a town hall's calendar apps all poll from one address.)"""
    app.config["RATE_LIMIT_TOKEN"] = "3/minute"
    token = secrets.token_urlsafe(32)
    address = {"REMOTE_ADDR": f"10.66.{secrets.randbelow(256)}.{secrets.randbelow(250) + 1}"}
    statuses = [client.get(f"/calendar/personal/manage/{token}", environ_base=address).status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
    other = secrets.token_urlsafe(32)  # another token is counted on its own
    assert client.get(f"/calendar/personal/manage/{other}", environ_base=address).status_code == 404
