"""The organiser hears what matters without opening the app (issue 17): news about answers, declines, the waiting
list, a full event, bounced mail and calendar answers, recorded in the change's transaction and mailed at once or
in a daily digest (`flask jobs`), once; kept and erased as personal data."""

from __future__ import annotations

from datetime import datetime, timedelta

from organiser.auth.models import NewsDelivery
from organiser.extensions import utcnow
from organiser.i18n import to_local
from organiser.inbox.messages import Bounce, IncomingMessage, MessageKind
from organiser.inbox.recording import apply_message
from organiser.invitations import answers
from organiser.invitations.models import AnswerSource
from organiser.invitations.personal_data import stored_data
from organiser.jobs import run_scheduled_jobs
from organiser.mail.models import OutboxKind, OutboxMessage
from organiser.news.delivery import digest_moment, send_news_digests
from organiser.news.models import NewsItem, NewsKind
from organiser.news.retention import purge_old_news
from tests.conftest import AMSTERDAM


def news_mails(db, to: str = "organiser@example.org") -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            db.select(OutboxMessage)
            .where(OutboxMessage.kind == OutboxKind.NEWS, OutboxMessage.to_address == to)
            .order_by(OutboxMessage.id)
        )
    )


def items(db) -> list[tuple[str, str | None, str]]:
    rows = db.session.scalars(db.select(NewsItem).order_by(NewsItem.id))
    return [(row.kind, row.person.name if row.person else None, row.detail) for row in rows]


def choose(db, account, delivery: NewsDelivery, locale: str = "nl") -> None:
    account.news_delivery, account.locale = delivery.value, locale
    db.session.commit()


def test_the_choice_is_made_on_the_account_page(db, logged_in, organiser):
    page = logged_in.get("/account").get_data(as_text=True)
    assert "Berichten over uw bijeenkomsten" in page and "Eén keer per dag" in page
    response = logged_in.post("/account/news", {"news_delivery": "daily", "locale": "en"}, follow_redirects=True)
    assert "Uw keuze voor berichten is opgeslagen." in response.get_data(as_text=True)
    db.session.refresh(organiser)
    assert organiser.news_delivery == NewsDelivery.DAILY and organiser.locale == "en"

    refused = logged_in.post("/account/news", {"news_delivery": "hourly", "locale": "en"})
    assert refused.status_code == 400 and "Ongeldige keuze" in refused.get_data(as_text=True)
    db.session.refresh(organiser)
    assert organiser.news_delivery == NewsDelivery.DAILY


def test_an_answer_on_the_web_page_is_mailed_at_once(db, client, organiser, create_event, invitees, rsvp_token):
    choose(db, organiser, NewsDelivery.IMMEDIATE)
    event = create_event(title="Bruiscafé", organiser=organiser)
    (anna,) = invitees(event, names=["Anna de Vries"])
    client.post(f"/rsvp/{rsvp_token(anna)}", {"answer": "yes", "plus_ones": "0", "note": ""})

    assert items(db) == [(NewsKind.ANSWER, "Anna de Vries", "yes")]
    (mail,) = news_mails(db)
    assert mail.subject == "Nieuws over Bruiscafé" and mail.event_id == event.id
    assert "Anna de Vries komt." in mail.text_body and "Anna de Vries komt." in mail.html_body
    assert f"http://organiser.test/events/{event.id}/answers" in mail.text_body
    assert db.session.scalar(db.select(NewsItem)).mailed_at is not None


def test_what_the_organiser_records_is_no_news_to_them(db, logged_in, organiser, create_event, invitees):
    choose(db, organiser, NewsDelivery.IMMEDIATE)
    event = create_event(organiser=organiser)
    (anna,) = invitees(event, names=["Anna"])
    logged_in.post(f"/events/{event.id}/answers/{anna.id}", {"answer": "yes", "plus_ones": "0"})
    assert items(db) == [] and news_mails(db) == []


def test_full_waiting_list_decline_and_promotion(db, organiser, create_event, invitees):
    choose(db, organiser, NewsDelivery.IMMEDIATE, locale="en")
    event = create_event(title="Speurtocht", organiser=organiser, capacity=1)
    anna, bram = invitees(event, names=["Anna", "Bram"])
    answers.record_answer(anna, "yes")
    answers.record_answer(bram, "yes")
    answers.record_answer(anna, "no")
    db.session.commit()
    assert items(db) == [
        (NewsKind.ANSWER, "Anna", "yes"),
        (NewsKind.FULL, None, "1"),
        (NewsKind.WAITING, "Bram", "1"),
        (NewsKind.DECLINE, "Anna", ""),
        (NewsKind.PROMOTED, "Bram", ""),
    ]
    first, second, third = news_mails(db)  # one mail per change, in the organiser's language
    assert "Anna is coming." in first.text_body and "The event is full: its only place is taken." in first.text_body
    assert "waiting list (place 1)" in second.text_body
    assert "Anna is not coming" in third.text_body and "Bram was on the waiting list" in third.text_body


def test_calendar_answers_and_bounced_mail(db, organiser, create_event, invitees):
    choose(db, organiser, NewsDelivery.DAILY)
    event = create_event(organiser=organiser)
    anna, bram = invitees(event, names=["Anna", "Bram"])
    answers.record_answer(anna, "maybe", source=AnswerSource.CALENDAR)
    sent_to_bram = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.invitation_id == bram.id))
    bounce = Bounce(
        recipients=(bram.person.email,),
        status="5.1.1",
        diagnostic="User unknown",
        original_message_ids=(sent_to_bram.message_id,),
    )
    incoming = IncomingMessage(key="bounce-1", kind=MessageKind.BOUNCE, sender="", subject="", bounce=bounce)
    apply_message(incoming, utcnow())  # as `flask inbox fetch` applies a bounce from the reply mailbox
    db.session.commit()
    assert items(db) == [(NewsKind.CALENDAR, "Anna", "maybe"), (NewsKind.BOUNCE, "Bram", "5.1.1 User unknown")]
    assert news_mails(db) == []  # the daily digest brings them


def test_the_daily_digest_goes_once_a_day_with_everything_before_its_hour(db, organiser, create_event, invitees):
    choose(db, organiser, NewsDelivery.DAILY)
    first_event = create_event(title="Bruiscafé", organiser=organiser)
    second_event = create_event(title="Netwerkborrel", organiser=organiser)
    (anna,) = invitees(first_event, names=["Anna"])
    (bram,) = invitees(second_event, names=["Bram"])
    tomorrow = to_local(utcnow()).date() + timedelta(days=1)

    def at(hour: int, minute: int = 0, day=tomorrow) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=AMSTERDAM)

    answers.record_answer(anna, "yes", now=at(6))
    answers.record_answer(bram, "no", now=at(7, 30))
    db.session.commit()
    assert run_scheduled_jobs(at(7, 59))["news_mails"] == 0  # before the digest's hour
    assert run_scheduled_jobs(at(8, 1))["news_mails"] == 1
    answers.record_answer(anna, "maybe", now=at(9))  # after today's digest: tomorrow's
    db.session.commit()
    assert run_scheduled_jobs(at(8, 2))["news_mails"] == 0  # never twice
    assert run_scheduled_jobs(at(23, 59))["news_mails"] == 0

    (digest,) = news_mails(db)
    assert digest.subject == "Overzicht van organiser: 2 berichten over uw bijeenkomsten" and digest.event_id is None
    body = digest.text_body
    order = [body.index(text) for text in ("Bruiscafé", "Anna komt.", "Netwerkborrel", "Bram komt niet")]
    assert order == sorted(order)
    assert "Anna komt misschien." not in body

    next_day = tomorrow + timedelta(days=1)
    assert send_news_digests(at(8, 0, next_day)) == 1
    assert "Anna komt misschien." in news_mails(db)[-1].text_body
    assert db.session.scalar(db.select(NewsItem).where(NewsItem.mailed_at.is_(None))) is None


def test_the_digest_hour_is_local_time(app, db):
    app.config["NEWS_DIGEST_HOUR"] = 7
    moment = digest_moment(datetime(2030, 7, 1, 12, 0, tzinfo=AMSTERDAM))
    assert moment == datetime(2030, 7, 1, 7, 0, tzinfo=AMSTERDAM)


def test_co_organisers_hear_it_too_and_off_means_nothing(db, organiser, create_organiser, create_event, invitees):
    colleague = create_organiser("collega@example.org", "Carla Collega")
    silent = create_organiser("stil@example.org", "Stijn Stil")
    choose(db, organiser, NewsDelivery.DAILY)
    choose(db, colleague, NewsDelivery.IMMEDIATE)
    event = create_event(organiser=organiser)
    event.co_organisers = [colleague, silent]
    db.session.commit()
    (anna,) = invitees(event, names=["Anna"])
    answers.record_answer(anna, "yes")
    db.session.commit()
    assert len(news_mails(db, "collega@example.org")) == 1 and news_mails(db, "stil@example.org") == []
    assert db.session.scalar(db.select(db.func.count()).select_from(NewsItem)) == 2

    choose(db, organiser, NewsDelivery.OFF)  # switched off before the digest: what waited is dropped
    assert send_news_digests(utcnow() + timedelta(days=1)) == 0
    assert news_mails(db) == [] and db.session.scalar(db.select(db.func.count()).select_from(NewsItem)) == 1


def test_news_is_personal_data_shown_erased_and_purged(db, logged_in, organiser, create_event, invitees):
    choose(db, organiser, NewsDelivery.DAILY)
    event = create_event(organiser=organiser)
    anna, bram = invitees(event, names=["Anna", "Bram"])
    answers.record_answer(anna, "yes")
    answers.record_answer(bram, "yes")
    db.session.commit()

    sections = dict(stored_data(anna.person).other)
    (row,) = sections["Berichten aan de organisatoren over u"]
    assert "Nieuw antwoord" in row[0] and row[1] == "nog niet gemaild"

    logged_in.post(f"/people/{anna.person.id}/delete")
    assert items(db) == [(NewsKind.ANSWER, "Bram", "yes")]

    assert purge_old_news(utcnow() + timedelta(days=29)) == 0
    assert purge_old_news(utcnow() + timedelta(days=31)) == 1
    assert items(db) == []
