"""Personal feeds: what is in them, who may fetch them, and how a person makes a new link."""

from __future__ import annotations

import base64
import re
import zlib
from datetime import UTC, datetime, timedelta

import pytest

from organiser.calendar.links import REVOKED, find_person_by_feed_token, issue_feed_token
from organiser.calendar.models import FeedToken
from organiser.events.models import EventStatus
from organiser.extensions import utcnow
from organiser.invitations.models import Invitation, InvitationState
from organiser.tokens import new_token
from tests.calendar.checks import check_ical, instants_all_parsers, vevents
from tests.conftest import local

UID = "event-{}@organiser.test"


def personal(client, token, **headers):
    return client.get(f"/calendar/personal/{token}.ics", headers=headers)


def test_personal_feed_holds_every_invitation_not_declined(client, create_event, create_person, invite, feed_token, db):
    pieter = create_person(name="Pieter Vergunning", email="pieter.vergunning@gemeente.example")
    other = create_person(name="Anna Andermans", email="anna@gemeente.example")
    events = {
        state: create_event(
            title=f"Bijeenkomst {state.value}",
            starts_at=local(2030, 6, 10 + i, 13, 0),
            capacity=1 if state == InvitationState.WAITING else 20,  # Anna's yes fills it: Pieter waits
        )
        for i, state in enumerate(InvitationState)
    }
    for state, event in events.items():
        invite(event, other, InvitationState.YES, note="Rolstoel")
        invite(event, pieter, state)
    cancelled = create_event(title="Afgelaste borrel", starts_at=local(2030, 12, 7, 14, 0))
    invite(cancelled, pieter, InvitationState.YES)
    cancelled.status, cancelled.sequence = EventStatus.CANCELLED, 1
    uninvited = create_event(title="Niet voor Pieter")
    invite(uninvited, other, InvitationState.YES)
    db.session.commit()

    response = personal(client, feed_token(pieter))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, max-age=300, must-revalidate, no-transform"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    body = response.data
    calendar = check_ical(body)
    entries = vevents(body)
    expected = {
        InvitationState.YES: "CONFIRMED",
        InvitationState.INVITED: "TENTATIVE",
        InvitationState.MAYBE: "TENTATIVE",
        InvitationState.WAITING: "TENTATIVE",
    }
    assert set(entries) == {UID.format(events[s].id) for s in expected} | {UID.format(cancelled.id)}
    for state, status in expected.items():
        assert entries[UID.format(events[state].id)]["STATUS"] == status, state
    assert entries[UID.format(cancelled.id)]["STATUS"] == "CANCELLED"
    assert entries[UID.format(cancelled.id)]["SEQUENCE"] == 1
    assert all(entry["CLASS"] == "PRIVATE" for entry in entries.values())
    assert calendar["X-WR-CALNAME"] == "Mijn uitnodigingen (organiser)"
    text = body.decode()
    for absent in ("ATTENDEE", "ORGANIZER", "METHOD", "Anna", "anna@", "Rolstoel", "pieter.vergunning@"):
        assert absent not in text, absent

    waiting = str(entries[UID.format(events[InvitationState.WAITING].id)]["DESCRIPTION"])
    assert "U staat op de wachtlijst." in waiting
    assert "Uw antwoord geven of wijzigen: gebruik de link in uw uitnodigingsmail." in waiting
    assert waiting.endswith(f"Meer informatie: http://organiser.test/events/{events[InvitationState.WAITING].id}")
    assert "Uw antwoord: ja, u komt." in str(entries[UID.format(events[InvitationState.YES].id)]["DESCRIPTION"])

    instants = instants_all_parsers(body)
    assert instants[UID.format(events[InvitationState.YES].id)][0] == datetime(2030, 6, 12, 11, 0, tzinfo=UTC)
    assert instants[UID.format(cancelled.id)][0] == datetime(2030, 12, 7, 13, 0, tzinfo=UTC)


def test_past_window_and_unpublished_events(client, create_event, create_person, invite, feed_token):
    person = create_person()
    recent = create_event(title="Vorige maand", starts_at=utcnow() - timedelta(days=30))
    old = create_event(title="Vorig jaar", starts_at=utcnow() - timedelta(days=365))
    invite_only = create_event(title="Alleen op uitnodiging", status=EventStatus.DRAFT)
    for event in (recent, old, invite_only):
        invite(event, person, InvitationState.YES)
    entries = vevents(personal(client, feed_token(person)).data)
    assert set(entries) == {UID.format(recent.id), UID.format(invite_only.id)}
    # An event without a public page gets no link to one, only the way to answer.
    description = str(entries[UID.format(invite_only.id)]["DESCRIPTION"])
    assert "http" not in description and "URL" not in entries[UID.format(invite_only.id)]
    assert "gebruik de link in uw uitnodigingsmail" in description


def test_unchanged_personal_feed_is_identical_and_follows_answers(
    client, create_event, create_person, invite, feed_token, db
):
    person = create_person()
    invitation = invite(create_event(), person, InvitationState.INVITED)
    token = feed_token(person)
    first = personal(client, token)
    assert personal(client, token).data == first.data
    etag = first.headers["ETag"]
    assert personal(client, token, **{"If-None-Match": etag}).status_code == 304
    assert personal(client, token, **{"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304

    invitation.state = InvitationState.YES
    invitation.answered_at = utcnow() + timedelta(seconds=2)
    db.session.commit()
    answered = personal(client, token, **{"If-None-Match": etag})
    assert answered.status_code == 200
    assert vevents(answered.data)[UID.format(invitation.event_id)]["STATUS"] == "CONFIRMED"

    # Declining takes the event out of the feed, and clients that only send If-Modified-Since notice too.
    invitation.state = InvitationState.NO
    invitation.answered_at = utcnow() + timedelta(seconds=4)
    db.session.commit()
    declined = personal(client, token, **{"If-Modified-Since": answered.headers["Last-Modified"]})
    assert declined.status_code == 200
    assert vevents(declined.data) == {}


def test_regenerated_link_answers_410_and_unknown_404(client, create_person, feed_token, db):
    person = create_person()
    old = feed_token(person)
    new = feed_token(person)
    assert personal(client, new).status_code == 200
    gone = personal(client, old)
    assert gone.status_code == 410
    unknown = personal(client, new_token())
    assert unknown.status_code == 404
    assert personal(client, "kort").status_code == 404
    for response in (gone, unknown):
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
        assert new not in response.get_data(as_text=True) and person.name not in response.get_data(as_text=True)
    rows = db.session.scalars(db.select(FeedToken).order_by(FeedToken.id)).all()
    assert [row.revoked_at is not None for row in rows] == [True, False]
    assert all(old not in row.token_hash and new not in row.token_hash for row in rows)


def test_deleted_person_feed_is_gone(client, create_person, feed_token, db):
    person = create_person()
    token = feed_token(person)
    person.deleted_at, person.email = utcnow(), None
    db.session.commit()
    assert personal(client, token).status_code == 410


def test_token_lookup_service(create_person, db):
    person = create_person()
    first = issue_feed_token(person)
    second = issue_feed_token(person)
    db.session.commit()
    assert find_person_by_feed_token(second) == person
    assert find_person_by_feed_token(first) == REVOKED
    assert find_person_by_feed_token(new_token()) is None
    assert find_person_by_feed_token("../../etc/passwd") is None


# --- The page to make a new link, reached through an RSVP link ---------------------------------------------------


@pytest.fixture
def invited(create_event, create_person, invite, rsvp_token):
    """A person invited to an event, and the RSVP token of their invitation."""
    person = create_person()
    invitation = invite(create_event(), person, InvitationState.YES)
    return person, rsvp_token(invitation)


def feed_tokens(db):
    return db.session.scalars(db.select(FeedToken).order_by(FeedToken.id)).all()


def shown_feed_url(page: str) -> str | None:
    found = re.search(r'id="feed-url"[^>]*value="(http://organiser\.test/calendar/personal/[^"]+\.ics)"', page)
    return found.group(1) if found else None


def test_manage_page_get_changes_nothing(client, invited, feed_token, db):
    person, rsvp = invited
    response = client.get(f"/calendar/personal/manage/{rsvp}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert "U heeft nog geen agendalink." in page
    # Nothing to replace yet: the button makes "my" link, not a "new" one.
    assert 'value="Maak mijn agendalink"' in page and "nieuwe agendalink" not in page and 'name="csrf_token"' in page
    assert feed_tokens(db) == []

    token = feed_token(person)
    for _ in range(2):  # a mail scanner opening the link twice
        page = client.get(f"/calendar/personal/manage/{rsvp}").get_data(as_text=True)
        assert "U heeft al een agendalink, gemaakt op" in page and 'value="Maak een nieuwe agendalink"' in page
        assert shown_feed_url(page) is None
    assert [t.revoked_at for t in feed_tokens(db)] == [None]
    assert personal(client, token).status_code == 200


def test_manage_page_makes_a_new_link_once(client, invited, feed_token, db):
    person, rsvp = invited
    old = feed_token(person)
    response = client.post(f"/calendar/personal/manage/{rsvp}", {})
    # Post/Redirect/Get: the page after the redirect shows the link, kept by no cache, sealed in the session.
    assert response.status_code == 303
    assert response.headers["Location"] == f"/calendar/personal/manage/{rsvp}"
    shown = client.get(response.headers["Location"])
    assert shown.headers["Cache-Control"] == "no-store"
    page = shown.get_data(as_text=True)
    url = shown_feed_url(page)
    assert url is not None
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    cookie = client.raw.get_cookie("session").value
    assert token not in cookie and token not in decoded_session(cookie)
    assert "U ziet hem alleen op deze pagina" in page
    assert f'href="{url.replace("http://", "webcal://")}"' in page
    assert '<label for="feed-url">' in page and "readonly" in page
    copy_button = re.search(r"<button[^>]*data-copy-target=\"feed-url\"[^>]*>", page).group(0)
    assert " hidden" in copy_button
    for client_name in ("Outlook 365", "Outlook voor Windows", "Google Agenda", "Apple Agenda", "Thunderbird"):
        assert client_name in page

    # A refresh shows the same link again: no new link, so the one just saved keeps working.
    assert shown_feed_url(client.get(f"/calendar/personal/manage/{rsvp}").get_data(as_text=True)) == url
    assert len(feed_tokens(db)) == 2
    path = url.removeprefix("http://organiser.test")
    assert client.get(path).status_code == 200
    assert personal(client, old).status_code == 410
    assert [t.revoked_at is None for t in feed_tokens(db)] == [False, True]

    # Once replaced (from another browser, or the directory), the page no longer shows it.
    feed_token(person)
    again = client.get(f"/calendar/personal/manage/{rsvp}").get_data(as_text=True)
    assert shown_feed_url(again) is None and "U heeft al een agendalink" in again


def test_manage_page_needs_csrf_and_a_valid_rsvp_link(client, invited, db):
    _person, rsvp = invited
    assert client.post(f"/calendar/personal/manage/{rsvp}", {}, csrf=False).status_code == 400
    assert feed_tokens(db) == []
    assert client.get(f"/calendar/personal/manage/{new_token()}").status_code == 404
    assert client.post(f"/calendar/personal/manage/{new_token()}", {}).status_code == 404
    assert feed_tokens(db) == []


def test_new_link_is_shown_only_to_the_browser_that_made_it(app, client, invited):
    _person, rsvp = invited
    made = client.post(f"/calendar/personal/manage/{rsvp}", {})
    assert shown_feed_url(client.get(made.headers["Location"]).get_data(as_text=True)) is not None
    from tests.conftest import Client

    stranger = Client(app.test_client())
    assert shown_feed_url(stranger.get(f"/calendar/personal/manage/{rsvp}").get_data(as_text=True)) is None


def decoded_session(cookie: str) -> str:
    """What anyone holding the session cookie can read: its payload is base64 (maybe zlib), signed, not encrypted."""
    payload = cookie.lstrip(".").split(".", 1)[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(raw) if cookie.startswith(".") else raw).decode("utf-8", "replace")


# --- Sending the link by mail ----------------------------------------------------------------------------------


def test_send_feed_link_queues_a_mail_with_a_working_link(client, create_person, feed_token, db):
    from organiser.calendar.links import send_feed_link
    from organiser.mail.models import OutboxMessage

    person = create_person()
    old = feed_token(person)
    send_feed_link(person)
    db.session.commit()
    (message,) = db.session.scalars(db.select(OutboxMessage)).all()
    assert message.kind == "feed_link"
    assert message.to_address == person.email and message.to_name == person.name
    url = re.search(r"http://organiser\.test/calendar/personal/\S+\.ics", message.text_body).group(0)
    assert url in message.html_body and url.replace("http://", "webcal://") in message.text_body
    assert client.get(url.removeprefix("http://organiser.test")).status_code == 200
    assert personal(client, old).status_code == 410


def test_send_feed_link_mail_says_how_to_subscribe(client, create_person, feed_token, db):
    """What the mail says, and that a deleted person gets none."""
    from organiser.calendar.links import send_feed_link
    from organiser.mail.models import OutboxMessage

    def queued():
        return db.session.scalars(db.select(OutboxMessage)).all()

    person = create_person(name="Pieter <Vergunning>")
    old = feed_token(person)
    send_feed_link(person)
    db.session.commit()
    (mail,) = queued()
    assert mail.kind == "feed_link"
    assert mail.to_address == person.email and mail.to_name == person.name
    assert mail.subject == "Uw persoonlijke agendalink"
    assert mail.text_body.startswith("Beste Pieter <Vergunning>,")
    assert "Beste Pieter &lt;Vergunning&gt;," in mail.html_body
    url = re.search(r"http://organiser\.test/calendar/personal/\S+\.ics", mail.text_body).group(0)
    assert f'<a href="{url}">' in mail.html_body
    assert url.replace("http://", "webcal://") in mail.text_body
    for client_name in ("Outlook", "Google Agenda", "Apple Agenda", "Thunderbird"):
        assert client_name in mail.text_body and client_name in mail.html_body
    assert client.get(url.removeprefix("http://organiser.test")).status_code == 200
    assert personal(client, old).status_code == 410

    person.deleted_at, person.email = utcnow(), None
    with pytest.raises(ValueError, match="geen e-mailadres"):
        send_feed_link(person)
    assert len(queued()) == 1


def test_feed_link_command_prints_a_new_working_link(app, client, create_person, feed_token):
    person = create_person(email="pieter.vergunning@gemeente.example")
    old = feed_token(person)
    result = app.test_cli_runner().invoke(args=["feed-link", "Pieter.Vergunning@gemeente.example"])
    assert result.exit_code == 0, result.output
    url = result.output.strip()
    assert re.fullmatch(r"http://organiser\.test/calendar/personal/[A-Za-z0-9_-]{43}\.ics", url)
    assert client.get(url.removeprefix("http://organiser.test")).status_code == 200
    assert personal(client, old).status_code == 410
    unknown = app.test_cli_runner().invoke(args=["feed-link", "niemand@gemeente.example"])
    assert unknown.exit_code != 0 and "No person" in unknown.output


def test_personal_feed_repeats_the_personal_rsvp_link(client, create_event, create_person, invite, feed_token, db):
    """The RSVP token is derived from a stored nonce, so the feed can repeat the link; a new link changes it."""
    from organiser.invitations.links import issue_rsvp_token

    person = create_person()
    invitation = invite(create_event(), person, InvitationState.INVITED)
    rsvp = issue_rsvp_token(invitation)
    db.session.commit()
    token = feed_token(person)
    first = personal(client, token)
    entry = next(iter(vevents(first.data).values()))
    assert f"Uw antwoord geven of wijzigen: http://organiser.test/rsvp/{rsvp}" in str(entry["DESCRIPTION"])
    assert entry["URL"] == f"http://organiser.test/rsvp/{rsvp}"
    assert client.get(f"/rsvp/{rsvp}").status_code == 200
    new = issue_rsvp_token(db.session.get(Invitation, invitation.id))
    db.session.commit()
    second = personal(client, token, **{"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and rsvp not in second.get_data(as_text=True)
    assert new in second.get_data(as_text=True).replace("\r\n ", "")
