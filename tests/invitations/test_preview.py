"""A look before sending (issue 17): the invitation mail exactly as the first invitee will receive it, in both
languages, text, HTML and .ics; a placeholder instead of the personal link; a GET that changes nothing."""

from __future__ import annotations

import re

from sqlalchemy import func

from organiser.invitations.models import Invitation, InvitationState
from organiser.invitations.preview import PREVIEW_TOKEN, preview_invitation
from organiser.mail.deferred import rendered
from organiser.mail.models import OutboxKind, OutboxMessage

PLACEHOLDER = f"http://organiser.test/rsvp/{PREVIEW_TOKEN}"


def _stamp_free(ics: str) -> str:
    """The calendar part without DTSTAMP (the moment it was written: the preview's and the mail's differ)."""
    return re.sub(r"^DTSTAMP:.*\r?\n", "", ics, flags=re.M)


def _mail_count(db) -> int:
    return db.session.scalar(db.select(func.count()).select_from(OutboxMessage))


def test_the_preview_is_the_first_invitees_mail_except_the_link(db, logged_in, organiser, create_event, invitees):
    event = create_event(title="Wijksafari Oosterpark", organiser=organiser, max_plus_ones=1)
    first, second = invitees(event, names=["Fatma Yilmaz", "Joost de Vries"], send=False)
    expected = preview_invitation(first)  # the service the pages show, before anything is sent

    page = logged_in.get(f"/events/{event.id}/send/preview")
    html = logged_in.get(f"/events/{event.id}/send/preview.html")
    ics = logged_in.get(f"/events/{event.id}/send/preview.ics")
    assert page.status_code == html.status_code == ics.status_code == 200
    text = page.get_data(as_text=True)
    assert "Zo krijgt Fatma Yilmaz de uitnodiging" in text and "Beste Fatma Yilmaz" in expected.text
    assert expected.subject in text and PLACEHOLDER in text
    assert "geen echte link" in text
    assert html.get_data(as_text=True) == expected.html
    assert "default-src 'none'" in html.headers["Content-Security-Policy"]
    assert ics.headers["Content-Disposition"].startswith("attachment")
    assert _stamp_free(ics.get_data(as_text=True)) == _stamp_free(expected.ics)

    # Nothing changed: no token, no reply key, no SEQUENCE stored, no mail queued.
    db.session.refresh(first)
    assert first.state == InvitationState.LISTED and first.token_hash is None and first.reply_nonce is None
    assert first.calendar_sequence == 0 and _mail_count(db) == 0

    # Now send for real: the first mail is the preview with the personal link where the placeholder was.
    logged_in.post(f"/events/{event.id}/send", {"invitation": [str(first.id), str(second.id)]})
    sent = rendered(  # as the worker renders it when it sends it (the outbox holds its facts, not the mail)
        db.session.scalars(
            db.select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.INVITATION).order_by(OutboxMessage.id)
        ).first()
    )
    assert sent.invitation_id == first.id
    link = re.search(r"http://organiser\.test/rsvp/[A-Za-z0-9_-]{43}", sent.text_body).group(0)
    assert sent.subject == expected.subject
    assert sent.text_body == expected.text.replace(PLACEHOLDER, link)
    assert sent.html_body == expected.html.replace(PLACEHOLDER, link)
    assert sent.ics_method == expected.ics_method == "REQUEST"
    assert _stamp_free(sent.ics) == _stamp_free(expected.ics)
    assert PREVIEW_TOKEN not in sent.text_body + sent.html_body + sent.ics


def test_both_languages_the_invitees_own_first(db, logged_in, organiser, create_event, create_person, invite):
    event = create_event(title="Netwerkborrel", organiser=organiser)
    invite(event, create_person("Ann Smith", locale="en"), InvitationState.LISTED)

    own = logged_in.get(f"/events/{event.id}/send/preview").get_data(as_text=True)
    assert "Invitation: Netwerkborrel" in own and "de taal van Ann Smith" in own
    assert f'href="/events/{event.id}/send/preview?taal=nl"' in own

    dutch = logged_in.get(f"/events/{event.id}/send/preview?taal=nl").get_data(as_text=True)
    assert "Uitnodiging: Netwerkborrel" in dutch and "Beste Ann Smith" in dutch
    dutch_ics = logged_in.get(f"/events/{event.id}/send/preview.ics?taal=nl").get_data(as_text=True)
    english_ics = logged_in.get(f"/events/{event.id}/send/preview.ics?taal=en").get_data(as_text=True)
    assert "Meer informatie" in dutch_ics and "More information" in english_ics
    assert logged_in.get(f"/events/{event.id}/send/preview?taal=fr").status_code == 404


def test_with_nobody_to_invite_the_page_says_so(logged_in, organiser, create_event, invite):
    event = create_event(organiser=organiser)
    invite(event, "Al Uitgenodigd")  # invited already: gets no new invitation
    page = logged_in.get(f"/events/{event.id}/send/preview").get_data(as_text=True)
    assert "Er staat niemand op de gastenlijst die nog een uitnodiging krijgt" in page
    assert logged_in.get(f"/events/{event.id}/send/preview.html").status_code == 404


def test_the_send_page_links_the_preview(logged_in, organiser, create_event, invitees):
    event = create_event(organiser=organiser)
    invitees(event, 1, send=False)
    page = logged_in.get(f"/events/{event.id}/send").get_data(as_text=True)
    assert f'href="/events/{event.id}/send/preview"' in page


def test_another_organisers_event_has_no_preview(db, client, create_organiser, create_event, invitees):
    owner = create_organiser("eigenaar@example.org", "Eigenaar")
    create_organiser()
    event = create_event(organiser=owner)
    invitees(event, 1, send=False)
    client.login()
    assert client.get(f"/events/{event.id}/send/preview").status_code in (403, 404)
    issued = db.select(func.count()).select_from(Invitation).where(Invitation.token_hash.is_not(None))
    assert db.session.scalar(issued) == 0
