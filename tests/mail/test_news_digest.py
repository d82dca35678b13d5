"""The organiser's daily digest (issue 17) arrives through real SMTP: `flask jobs` builds it, the outbox worker
sends it, once."""

from __future__ import annotations

from datetime import datetime, timedelta

from organiser.auth.models import NewsDelivery
from organiser.extensions import utcnow
from organiser.i18n import to_local
from organiser.invitations import answers
from organiser.jobs import run_scheduled_jobs
from organiser.mail.dispatch import dispatch_due
from tests.conftest import AMSTERDAM


def test_the_daily_digest_reaches_the_organiser_over_smtp(db, smtp_server, use_smtp, organiser, create_event, invitees):
    organiser.news_delivery = NewsDelivery.DAILY.value
    db.session.commit()
    event = create_event(title="Wijksafari Oosterpark", organiser=organiser, capacity=1)
    anna, bram = invitees(event, names=["Anna de Vries", "Bram Bakker"])
    day = to_local(utcnow()).date() + timedelta(days=1)
    answers.record_answer(anna, "yes", now=datetime(day.year, day.month, day.day, 7, 0, tzinfo=AMSTERDAM))
    answers.record_answer(bram, "yes", now=datetime(day.year, day.month, day.day, 7, 5, tzinfo=AMSTERDAM))
    db.session.commit()

    use_smtp(smtp_server.port)
    dispatch_due()  # the invitations and confirmations go first
    before = len(smtp_server.handler.messages)
    digest_time = datetime(day.year, day.month, day.day, 8, 0, tzinfo=AMSTERDAM)
    assert run_scheduled_jobs(digest_time)["news_mails"] == 1
    assert run_scheduled_jobs(digest_time + timedelta(minutes=1))["news_mails"] == 0  # never twice
    dispatch_due()

    received = smtp_server.handler.messages[before:]
    assert [message["To"] for message in received] == ["Olga Organisator <organiser@example.org>"]
    (digest,) = received
    assert str(digest["Subject"]) == "Overzicht van organiser: 3 berichten over uw bijeenkomsten"
    text = digest.get_body(("plain",)).get_content()
    assert "Wijksafari Oosterpark" in text
    assert "Anna de Vries komt." in text and "De bijeenkomst is vol" in text
    assert "Bram Bakker wil komen, maar de bijeenkomst is vol: op de wachtlijst (plaats 1)." in text
    assert f"http://organiser.test/events/{event.id}/answers" in text
    html = digest.get_body(("html",)).get_content()
    assert "<li>" in html and "Anna de Vries komt." in html
