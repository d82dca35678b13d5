"""The organiser's mail page (/mail) and the development mail page (/dev/mail), through HTTP."""

from __future__ import annotations

import pytest

from organiser.mail.dispatch import dispatch_due
from organiser.mail.models import OutboxMessage, OutboxStatus
from organiser.mail.outbox import queue_mail
from organiser.mail.rendering import render_mail
from tests.conftest import Client
from tests.mail.test_outbox import ICS


def queue_for(db, event=None, **fields) -> OutboxMessage:
    values = {
        "kind": "invitation",
        "to_address": "ans@example.org",
        "to_name": "Ans de Vries",
        "subject": "Uitnodiging: bruiscafé",
        "text_body": "Beste Ans,\n\nAntwoord hier: http://organiser.test/rsvp/tok3n.\n",
        "event_id": event.id if event else None,
        **fields,
    }
    message = queue_mail(**values)
    db.session.commit()
    return message


# --- /mail ----------------------------------------------------------------------------------------------


def test_mail_page_needs_a_login(client):
    response = client.get("/mail")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_mail_page_is_in_the_menu(logged_in):
    page = logged_in.get("/agenda").get_data(as_text=True)
    assert 'href="/mail"' in page


def test_refused_mail_is_shown_with_the_reason_and_can_be_retried(
    app, db, logged_in, organiser, create_event, smtp_server, use_smtp
):
    event = create_event(organiser=organiser)
    use_smtp(smtp_server.port)
    smtp_server.handler.rcpt_reply = "550 5.1.1 <ans@example.org>: Recipient address rejected"
    failed = queue_for(db, event)
    dispatch_due()
    smtp_server.handler.rcpt_reply = None
    sent = queue_for(db, event, to_address="bert@example.org", to_name="Bert")
    dispatch_due()

    page = logged_in.get("/mail").get_data(as_text=True)
    assert "Mislukt" in page and "550 5.1.1 &lt;ans@example.org&gt;: Recipient address rejected" in page
    assert "Verzonden" in page and "bert@example.org" in page
    assert page.index("ans@example.org") < page.index("bert@example.org")  # failed first
    assert "1 mail kon niet worden bezorgd." in page
    assert f'action="/mail/{failed.id}/retry"' in page and f'action="/mail/{sent.id}/retry"' not in page

    assert logged_in.post(f"/mail/{failed.id}/retry", csrf=False).status_code == 400  # CSRF required
    db.session.expire_all()
    assert failed.status == OutboxStatus.FAILED

    response = logged_in.post(f"/mail/{failed.id}/retry")
    assert response.status_code == 302 and response.headers["Location"] == "/mail"
    db.session.expire_all()
    assert failed.status == OutboxStatus.PENDING and failed.attempts == 0
    assert "wordt opnieuw verstuurd" in logged_in.get("/mail").get_data(as_text=True)
    assert dispatch_due().sent == 1
    assert smtp_server.handler.message_ids == [sent.message_id, failed.message_id]


def test_organisers_see_only_mail_about_their_own_events(
    app, db, client, organiser, create_organiser, create_event, use_smtp
):
    other = create_organiser(email="ander@example.org", name="Ander")
    admin = create_organiser(email="admin@example.org", name="Beheer", is_admin=True)
    mine = queue_for(db, create_event(title="Mijn bruiscafé", organiser=organiser), to_address="mijn@example.org")
    theirs = queue_for(db, create_event(title="Andermans safari", organiser=other), to_address="hun@example.org")
    queue_for(db, None, kind="smtp_check", to_address="test@example.org")
    for row in (mine, theirs):
        row.status = OutboxStatus.FAILED
    db.session.commit()

    client.login()
    page = client.get("/mail").get_data(as_text=True)
    assert "mijn@example.org" in page and "Mijn bruiscafé" in page
    assert "hun@example.org" not in page and "test@example.org" not in page
    assert client.post(f"/mail/{theirs.id}/retry").status_code == 404
    db.session.expire_all()
    assert theirs.status == OutboxStatus.FAILED

    admin_client = Client(app.test_client())
    admin_client.login(email="admin@example.org")
    page = admin_client.get("/mail").get_data(as_text=True)
    assert all(a in page for a in ("mijn@example.org", "hun@example.org", "test@example.org"))
    assert admin_client.post(f"/mail/{theirs.id}/retry").status_code == 302
    db.session.expire_all()
    assert theirs.status == OutboxStatus.PENDING
    assert admin.is_admin


def test_the_mail_page_does_not_change_anything(app, db, logged_in, organiser, create_event):
    message = queue_for(db, create_event(organiser=organiser))
    logged_in.get("/mail")
    db.session.expire_all()
    assert message.status == OutboxStatus.PENDING and message.attempts == 0


# --- /dev/mail ------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, create_organiser):
    """The development mail page holds everyone's personal links: administrators only."""
    create_organiser(email="beheer@example.org", name="Beheer", is_admin=True)
    client.login("beheer@example.org")
    return client


def test_dev_mail_needs_an_administrator(app, db, client, create_organiser):
    message = queue_for(db)
    dispatch_due()
    for url in ("/dev/mail", f"/dev/mail/{message.id}", f"/dev/mail/{message.id}/html"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.post("/dev/mail/deliver").status_code == 302
    create_organiser()
    client.login()
    for url in ("/dev/mail", f"/dev/mail/{message.id}", f"/dev/mail/{message.id}/html"):
        assert client.get(url).status_code == 403


def test_dev_mail_shows_kept_mail_with_working_links(app, db, admin_client):
    client = admin_client
    subject, text, html = render_mail("smtp_check", "nl", server="geen")
    queue_for(db, subject="Eerste", text_body="Oud")
    message = queue_for(db, subject=subject, text_body=text + "RSVP: http://organiser.test/rsvp/tok3n.\n",
                        html_body=html, ics=ICS, ics_method="REQUEST")  # fmt: skip

    page = client.get("/dev/mail").get_data(as_text=True)
    assert "2 mails wachten nog op de verzender" in page  # not dispatched yet
    assert client.post("/dev/mail/deliver").status_code == 302
    page = client.get("/dev/mail").get_data(as_text=True)
    assert "wachten nog" not in page
    assert page.index("Testbericht van organiser") < page.index("Eerste")  # newest first

    page = client.get(f"/dev/mail/{message.id}").get_data(as_text=True)
    assert "&lt;ans@example.org&gt;" in page and "Testbericht van organiser" in page
    assert '<a href="http://organiser.test/rsvp/tok3n">http://organiser.test/rsvp/tok3n</a>.' in page
    assert '<a href="http://organiser.test/">' in page
    assert f'src="/dev/mail/{message.id}/html"' in page and "sandbox" in page
    assert "METHOD:REQUEST" in page

    html_response = client.get(f"/dev/mail/{message.id}/html")
    assert html_response.get_data(as_text=True) == html
    policy = html_response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy and "script-src" not in policy
    ics_response = client.get(f"/dev/mail/{message.id}/uitnodiging.ics")
    assert ics_response.mimetype == "text/calendar" and "METHOD:REQUEST" in ics_response.get_data(as_text=True)


def test_dev_mail_escapes_what_the_mail_says(app, db, admin_client):
    client = admin_client
    message = queue_for(db, text_body='<script>alert(1)</script> http://organiser.test/a?b=1&c="x"><img src=x>')
    dispatch_due()
    page = client.get(f"/dev/mail/{message.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x>" not in page
    assert "&lt;script&gt;" in page
    # The address ends where a quote or angle bracket starts; what follows is text, escaped.
    assert '<a href="http://organiser.test/a?b=1&amp;c=">http://organiser.test/a?b=1&amp;c=</a>&#34;x&#34;&gt;' in page


def test_dev_mail_only_without_mail_server(app, db, admin_client):
    client = admin_client
    message = queue_for(db)
    dispatch_due()
    assert client.get(f"/dev/mail/{message.id}").status_code == 200
    app.config["MAIL_SERVER"] = "smtp.gemeente.example"
    for url in ("/dev/mail", f"/dev/mail/{message.id}", f"/dev/mail/{message.id}/html"):
        assert client.get(url).status_code == 404
    app.config["MAIL_SERVER"] = None
    app.config["TESTING"] = False  # production without SMTP: still no development page
    assert client.get("/dev/mail").status_code == 404


def test_dev_mail_shows_only_kept_mail(app, db, admin_client):
    client = admin_client
    message = queue_for(db)  # pending, not kept
    assert client.get(f"/dev/mail/{message.id}").status_code == 404
    assert client.get("/dev/mail/999999").status_code == 404
