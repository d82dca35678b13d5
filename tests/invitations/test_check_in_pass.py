"""The QR code for the door: in the confirmation mail and on the personal page, scanned by a check-in helper to
tick the invitee present. It is not the RSVP link: whoever sees it cannot answer or see anything."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta

import pytest

from organiser.auth.models import Role
from organiser.extensions import utcnow
from organiser.invitations import links, passes
from organiser.invitations.models import EventLink, Invitation, InvitationState
from organiser.mail.deferred import rendered
from organiser.mail.models import OutboxKind, OutboxMessage
from organiser.mail.rendering import QR_CONTENT_ID, build_mime, mime_bytes, sender
from organiser.qr import qr_png, qr_svg
from tests.conftest import Client


@pytest.fixture
def today(db, organiser, create_event, create_person, invite, rsvp_token):
    """An event of today (it has just begun) that Vera said yes to, with her personal link."""
    event = create_event(title="Bruiscafé van vandaag", starts_at=utcnow(), organiser=organiser)
    vera = invite(event, create_person("Vera Vergunning"), InvitationState.YES)
    token = rsvp_token(vera)
    return {"event": event, "vera": vera, "token": token}


def test_saying_yes_brings_a_qr_code_in_the_mail_and_on_the_personal_page(client, db, create_event, invitees):
    event = create_event(max_plus_ones=0)
    [invitation] = invitees(event, names=["Anna de Vries"])
    token = links.rsvp_token(invitation)
    assert "QR-code" not in client.get(f"/rsvp/{token}").get_data(as_text=True)  # no answer yet: no pass
    assert client.get(f"/rsvp/{token}/pass.svg").status_code == 404

    client.post(f"/rsvp/{token}", {"answer": "yes", "plus_ones": "0", "note": ""})
    db.session.refresh(invitation)
    url = passes.pass_url(invitation)
    assert url and url.startswith(f"http://organiser.test/checkin/pass/{invitation.id}/")
    assert token not in url  # the QR code does not carry the personal link

    # The confirmation mail: the pass as an inline PNG (Content-ID), referred to by the HTML part.
    # (As the worker renders it: the outbox holds the confirmation's facts, not the mail.)
    mail = rendered(db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.CONFIRMATION)))
    assert mail.qr_url == url
    assert f'src="cid:{QR_CONTENT_ID}"' in mail.html_body and "QR-code" in mail.text_body
    received = email.message_from_bytes(mime_bytes(mail, *sender()), policy=email.policy.default)
    [image] = [part for part in received.walk() if part.get_content_type() == "image/png"]
    assert image["Content-ID"] == f"<{QR_CONTENT_ID}>" and image.get_content_disposition() == "inline"
    assert image.get_content() == qr_png(url)
    related = next(part for part in received.walk() if part.get_content_type() == "multipart/related")
    assert [p.get_content_type() for p in related.iter_parts()] == ["text/html", "image/png"]
    alternative = next(part for part in received.walk() if part.get_content_type() == "multipart/alternative")
    assert [p.get_content_type() for p in alternative.iter_parts()] == [
        "text/plain",
        "multipart/related",
        "text/calendar",
    ]
    built = email.message_from_bytes(build_mime(mail).as_bytes(), policy=email.policy.default)
    assert [p.get_content_type() for p in built.walk()] == [p.get_content_type() for p in received.walk()]

    # The personal page shows the same code as an SVG image.
    page = client.get(f"/rsvp/{token}").get_data(as_text=True)
    assert f'src="/rsvp/{token}/pass.svg"' in page and "Uw QR-code voor de ingang" in page
    svg = client.get(f"/rsvp/{token}/pass.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.headers["Cache-Control"] == "no-store"
    assert svg.get_data(as_text=True) == qr_svg(url, title="QR-code om u aan te melden bij de ingang")

    # A no takes the code away; the no's mail carries none.
    client.post(f"/rsvp/{token}", {"answer": "no", "plus_ones": "0", "note": ""})
    assert client.get(f"/rsvp/{token}/pass.svg").status_code == 404
    mail = rendered(db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.CONFIRMATION)))
    assert mail.qr_url is None and "cid:" not in mail.html_body


def test_a_check_in_helper_scans_the_code_and_ticks_the_person_present(app, db, today, client, create_organiser):
    vera = today["vera"]
    url = passes.pass_url(vera)
    path = url.removeprefix("http://organiser.test")
    # Nobody without an account sees anything: to the login page, and back here afterwards.
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post(path, csrf=False).status_code in (302, 400)
    assert db.session.get(Invitation, vera.id).attended is None

    helper = create_organiser(email="hulp@example.org", name="Hans Hulp")
    helper.role = Role.CHECKIN
    db.session.commit()
    client.login("hulp@example.org")
    page = client.get(path).get_data(as_text=True)
    assert "Vera Vergunning" in page and "Aanwezig melden" in page and "Bruiscafé van vandaag" in page
    assert db.session.get(Invitation, vera.id).attended is None  # GET shows, changes nothing
    response = client.post(path)
    assert response.status_code == 302 and response.headers["Location"] == path
    assert db.session.get(Invitation, vera.id).attended is True
    page = client.get(path).get_data(as_text=True)
    assert "Aanwezig: al aangevinkt." in page and "Aanwezig melden" not in page
    # The pass opens nothing of the invitee's own: not the answer page, not their data.
    key = path.rsplit("/", 1)[1]
    assert client.get(f"/rsvp/{key}").status_code == 404
    assert client.get(f"/rsvp/{key}/data").status_code == 404


def test_a_pass_that_is_wrong_renewed_or_for_another_day_does_not_work(
    db, today, logged_in, client, create_organiser, create_event, create_person, invite, rsvp_token
):
    vera = today["vera"]
    path = passes.pass_url(vera).removeprefix("http://organiser.test")
    assert logged_in.get(path).status_code == 200  # the event's organiser may scan too
    wrong = path[:-4] + ("AAAA" if not path.endswith("AAAA") else "BBBB")
    assert logged_in.get(wrong).status_code == 404
    assert logged_in.get(path.replace(f"/{vera.id}/", f"/{vera.id + 1000}/")).status_code == 404
    # A new personal link (the old one leaked, say) makes the old code stop working too.
    rsvp_token(vera)
    assert logged_in.get(path).status_code == 404
    assert logged_in.get(passes.pass_url(vera).removeprefix("http://organiser.test")).status_code == 200

    # A check-in helper scans only for today's events; another organiser's event is not theirs to scan either.
    later = create_event(title="Volgende week", starts_at=utcnow() + timedelta(days=7))
    karel = invite(later, create_person("Karel Later"), InvitationState.YES)
    rsvp_token(karel)
    helper = create_organiser(email="hulp@example.org", name="Hans Hulp")
    helper.role = Role.CHECKIN
    db.session.commit()
    client.login("hulp@example.org")
    assert client.get(passes.pass_url(karel).removeprefix("http://organiser.test")).status_code == 404
    assert client.get(passes.pass_url(vera).removeprefix("http://organiser.test")).status_code == 200


def test_the_code_of_someone_who_said_no_admits_them_as_a_walk_in(db, today, logged_in, invite, create_person):
    event = today["event"]
    nina = invite(event, create_person("Nina Nee"), InvitationState.NO)
    token = links.issue_rsvp_token(nina)
    db.session.commit()
    assert token and passes.pass_url(nina) is None  # no code is shown for a no
    key = passes._pass_key(nina.id, nina.token_nonce)  # a code she was sent while she still said yes
    path = f"/checkin/pass/{nina.id}/{key}"
    page = logged_in.get(path).get_data(as_text=True)
    assert "Komt niet" in page and "Toelaten als inloper" in page
    assert logged_in.post(path).status_code == 302
    nina = db.session.get(Invitation, nina.id)
    assert nina.state == InvitationState.YES and nina.attended is True
    assert re.search(r"Nina Nee", logged_in.get(f"/checkin/events/{event.id}").get_data(as_text=True))


def test_scanning_is_limited_per_pass(app, db, today, logged_in):
    """Like every token URL: a pass is counted on its own (a guessed key gets nowhere anyway)."""
    app.config["RATE_LIMIT_TOKEN"] = "3/minute"
    path = passes.pass_url(today["vera"]).removeprefix("http://organiser.test")
    assert [logged_in.get(path).status_code for _ in range(4)] == [200, 200, 200, 429]
    other = path.rsplit("/", 1)[0] + "/" + "x" * 43  # another pass (a wrong one) has its own count
    assert logged_in.get(other).status_code == 404


def test_a_helper_with_a_check_in_link_scans_with_the_same_phone(
    app, db, today, logged_in, create_event, create_person, invite, rsvp_token
):
    event, vera = today["event"], today["vera"]
    made = logged_in.post(f"/events/{event.id}/links", {"name": "Hulp bij de deur", "initiative_id": ""})
    page = logged_in.get(made.headers["Location"])  # Post/Redirect/Get
    link = re.search(r"http://organiser\.test(/checkin/link/[A-Za-z0-9_-]+)", page.get_data(as_text=True)).group(1)
    other = create_event(title="Ander bruiscafé", starts_at=utcnow())
    karel = invite(other, create_person("Karel Anders"), InvitationState.YES)
    rsvp_token(karel)
    path = passes.pass_url(vera).removeprefix("http://organiser.test")

    phone = Client(app.test_client())
    assert phone.get(path).status_code == 302  # no account and no link opened yet: the login page
    assert phone.get(link).status_code == 200  # the helper opens their link once
    page = phone.get(path).get_data(as_text=True)
    assert "Vera Vergunning" in page and f'href="{link}"' in page
    assert phone.post(path).status_code == 302
    assert db.session.get(Invitation, vera.id).attended is True
    # Only for the link's own event, and only while the link works.
    assert phone.get(passes.pass_url(karel).removeprefix("http://organiser.test")).status_code == 404
    link_id = db.session.scalar(db.select(EventLink.id))
    logged_in.post(f"/events/{event.id}/links/{link_id}/revoke")
    assert phone.get(path).status_code == 404
