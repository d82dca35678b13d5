"""After the encounter: the follow-up mail the morning after, its one reminder, answering through the personal link
(GET shows, POST answers), anonymous answers, and the organiser's switch, texts and summary."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from organiser.events.models import Event, EventStatus
from organiser.extensions import utcnow
from organiser.followup import asking
from organiser.followup.models import FollowupAnswer, FollowupRequest, FollowupSettings, RespondentRole
from organiser.followup.settings import closes_at, opens_at
from organiser.i18n import to_local
from organiser.mail.models import OutboxMessage
from tests.conftest import local
from tests.factories import route


def days_ago(days: int, hour: int = 14):
    moment = to_local(utcnow() - timedelta(days=days))
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def followup_mail(db, person) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            db.select(OutboxMessage)
            .where(OutboxMessage.to_address == person.email, OutboxMessage.kind.like("followup%"))
            .order_by(OutboxMessage.id)
        )
    )


@pytest.fixture
def held(db, create_event, create_initiative, create_person, create_department, invite, rsvp_token):
    """A bruiscafé two days ago (so the questions are open now) with attendance recorded: Anna (office,
    Vergunningen), Willem (frontline, Wijkteams) and Ria (resident of the Havenkoor) were there, Bram said yes but
    did not come; the Havenkoor and the Wijkbus hosted. Fatima (Financiën) said no. Everyone has a personal link."""
    koor = create_initiative("Havenkoor")
    bus = create_initiative("Wijkbus Havenkwartier", koor.neighbourhood)
    create_initiative("Moestuin Elders", koor.neighbourhood)  # not there: never offered
    event = create_event("Bruiscafé aan de haven", starts_at=days_ago(2), hosts=[koor])
    event.stops = route((event.starts_at, event.starts_at + timedelta(hours=1), "Bij de bus", "Kade 1", bus))
    db.session.commit()
    people = {
        "anna": create_person("Anna de Vries", department=create_department("Vergunningen")),
        "willem": create_person("Willem Jansen", role="frontline", department="Wijkteams", locale="en"),
        "ria": create_person("Ria Zanger", kind="resident", initiatives=[koor]),
        "bram": create_person("Bram Bakker", department="Belastingen"),
        "fatima": create_person("Fatima El Amrani", department="Financiën"),
    }
    invitations = {key: invite(event, person, "yes") for key, person in people.items() if key != "fatima"}
    invitations["fatima"] = invite(event, people["fatima"], "no")
    for key in ("anna", "willem", "ria"):
        invitations[key].attended = True
    invitations["bram"].attended = False
    db.session.commit()
    tokens = {key: rsvp_token(invitation) for key, invitation in invitations.items()}
    return {"event": event, "people": people, "invitations": invitations, "tokens": tokens, "koor": koor, "bus": bus}


def test_the_questions_go_to_those_present_once_in_their_language(app, db, held):
    people = held["people"]
    assert asking.ask_attendees(opens_at(held["event"]) - timedelta(minutes=1)) == 0  # not before the morning after
    assert asking.ask_attendees() == 3
    db.session.commit()
    assert asking.ask_attendees() == 0  # idempotent
    for key in ("anna", "willem", "ria"):
        (mail,) = followup_mail(db, people[key])
        assert f"/rsvp/{held['tokens'][key]}/followup" in mail.text_body
    for key in ("bram", "fatima"):
        assert followup_mail(db, people[key]) == []
    assert "heeft u iemand nieuw leren kennen" in followup_mail(db, people["anna"])[0].subject.lower()
    assert "Did you get to know anyone new?" in followup_mail(db, people["willem"])[0].text_body
    assert db.session.scalar(db.select(db.func.count()).select_from(FollowupRequest)) == 3


def test_without_recorded_attendance_the_yes_answers_are_asked(app, db, create_event, invite, rsvp_token):
    event = create_event("Netwerkborrel", format="netwerkborrel", starts_at=days_ago(3))
    came = invite(event, "Kees Komt", "yes")
    invite(event, "Mies Misschien", "maybe")
    rsvp_token(came)
    assert asking.ask_attendees() == 1
    assert db.session.scalar(db.select(FollowupRequest.invitation_id)) == came.id


def test_nothing_for_cancelled_switched_off_or_closed_events(app, db, create_event, invite, rsvp_token):
    cancelled = create_event("Afgelast", starts_at=days_ago(2), status=EventStatus.CANCELLED)
    off = create_event("Uitgezet", starts_at=days_ago(2))
    db.session.add(FollowupSettings(event_id=off.id, enabled=False, open_days=14))
    old = create_event("Lang geleden", starts_at=days_ago(30))
    for event in (off, old):
        rsvp_token(invite(event, f"Gast van {event.title}", "yes"))
    cancelled_guest = invite(cancelled, "Gast van afgelast", "yes")
    rsvp_token(cancelled_guest)
    db.session.commit()
    assert asking.ask_attendees() == 0


def test_one_reminder_to_those_who_did_not_answer(app, db, client, held):
    people, tokens = held["people"], held["tokens"]
    assert asking.ask_attendees() == 3
    db.session.commit()
    client.post(f"/rsvp/{tokens['anna']}/followup", {"met_someone": "no"})
    later = utcnow() + timedelta(days=5)
    assert asking.remind_attendees(later - timedelta(minutes=1)) == 0  # not yet
    assert asking.remind_attendees(later) == 2  # Willem and Ria, not Anna who answered
    db.session.commit()
    assert asking.remind_attendees(later + timedelta(days=1)) == 0  # at most one
    assert [m.kind for m in followup_mail(db, people["ria"])] == ["followup", "followup_reminder"]
    assert [m.kind for m in followup_mail(db, people["anna"])] == ["followup"]


def test_no_reminder_once_the_questions_closed(app, db, held):
    asking.ask_attendees()
    db.session.add(FollowupSettings(event_id=held["event"].id, enabled=True, open_days=1))
    db.session.commit()
    assert asking.remind_attendees(utcnow() + timedelta(days=6)) == 0


def test_get_shows_the_groups_that_were_there_and_changes_nothing(app, db, client, held):
    asking.ask_attendees()
    db.session.commit()
    response = client.get(f"/rsvp/{held['tokens']['anna']}/followup")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Heeft u iemand nieuw leren kennen?" in page
    for there in ("Vergunningen", "Wijkteams", "Havenkoor", "Wijkbus Havenkwartier"):
        assert f"> {there}</label>" in page or f">{there}</label>" in page, there
    for absent in ("Belastingen", "Financiën", "Moestuin Elders"):  # Bram did not come, Fatima said no
        assert absent not in page
    assert "Waarom wij dit vragen" in page and 'data-setting="RETENTION_FOLLOWUP_DAYS"' in page
    assert db.session.scalar(db.select(db.func.count()).select_from(FollowupAnswer)) == 0
    english = client.get(f"/rsvp/{held['tokens']['willem']}/followup").get_data(as_text=True)
    assert "Did you get to know anyone new?" in english and "Who wants to keep in touch" in english


def test_post_records_the_answers_and_whom_they_met(app, db, client, held):
    asking.ask_attendees()
    db.session.commit()
    token = held["tokens"]["anna"]
    response = client.post(
        f"/rsvp/{token}/followup",
        {
            "met_someone": "yes",
            "initiatives": [str(held["koor"].id), str(held["bus"].id)],
            "keeps_in_touch": "yes",
            "touch_about": "Een vergunning voor het buurtfeest",
            "rating": "4",
            "do_differently": "Langer de tijd",
        },
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Dank u wel! Uw antwoorden zijn opgeslagen." in page
    assert "Een vergunning voor het buurtfeest" in page  # shown again, to change
    answer = db.session.scalar(db.select(FollowupAnswer))
    assert answer.invitation_id == held["invitations"]["anna"].id
    assert answer.respondent_role == RespondentRole.OFFICE
    assert answer.respondent_department_id == held["people"]["anna"].department_id
    assert sorted(c.initiative_id for c in answer.choices) == sorted([held["koor"].id, held["bus"].id])
    assert (answer.met_someone, answer.keeps_in_touch, answer.rating) == (True, True, 4)
    # Changing the answer replaces it: still one answer.
    client.post(f"/rsvp/{token}/followup", {"met_someone": "no", "rating": "5"})
    db.session.expire_all()
    answer = db.session.scalar(db.select(FollowupAnswer))
    assert (answer.met_someone, answer.rating, answer.choices, answer.touch_about) == (False, 5, [], "")


def test_a_group_that_was_not_there_is_refused(app, db, client, create_department, held):
    asking.ask_attendees()
    db.session.commit()
    elsewhere = create_department("Belastingen")
    response = client.post(
        f"/rsvp/{held['tokens']['ria']}/followup", {"met_someone": "yes", "departments": [str(elsewhere.id)]}
    )
    assert response.status_code == 400
    assert "Controleer het formulier" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(FollowupAnswer)) == 0


def test_answers_need_the_links_form_key(app, db, client, held):
    asking.ask_attendees()
    db.session.commit()
    response = client.post(
        f"/rsvp/{held['tokens']['anna']}/followup", {"met_someone": "yes", "form_key": "from-another-site"}
    )
    assert response.status_code == 400
    assert "het formulier hoort niet bij deze link" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(FollowupAnswer)) == 0


def test_an_anonymous_answer_is_counted_and_never_shown_with_a_name(app, db, client, logged_in, organiser, held):
    held["event"].organiser_id = organiser.id
    asking.ask_attendees()
    db.session.commit()
    token = held["tokens"]["willem"]
    client.post(
        f"/rsvp/{token}/followup",
        {
            "met_someone": "yes",
            "departments": [str(held["people"]["anna"].department_id)],
            "initiatives": [str(held["koor"].id)],
            "touch_about": "Geheim plan",
            "rating": "2",
            "anonymous": "y",
        },
    )
    answer = db.session.scalar(db.select(FollowupAnswer))
    assert answer.invitation_id is None and answer.answered_at is None
    assert answer.touch_about == "" and answer.rating == 2 and len(answer.choices) == 2
    assert answer.respondent_role == RespondentRole.FRONTLINE
    request = db.session.scalar(
        db.select(FollowupRequest).where(FollowupRequest.invitation_id == held["invitations"]["willem"].id)
    )
    assert request.answered_anonymously and request.answered_at is not None
    page = client.get(f"/rsvp/{token}/followup").get_data(as_text=True)
    assert "anonymously" in page or "anoniem geantwoord" in page
    # Cannot be changed: nothing ties the answer to them any more.
    client.post(f"/rsvp/{token}/followup", {"met_someone": "no"})
    db.session.expire_all()
    assert db.session.scalar(db.select(FollowupAnswer.met_someone)) is True
    # The organiser sees it counted, never with Willem's name.
    summary = logged_in.get(f"/events/{held['event'].id}/followup").get_data(as_text=True)
    assert "Willem" not in summary and "Geheim plan" not in summary
    assert re.search(r"Waarvan anoniem</th><td class=\"num\">1<", summary)


def test_closed_questions_take_no_answer(app, db, client, held):
    asking.ask_attendees()
    # One day open from the morning after: closed now at any hour only if the event was three days ago, not two
    # (held two days ago, the questions stay open until the opening hour today).
    event = held["event"]
    for moved in (event, *event.stops):
        moved.starts_at, moved.ends_at = moved.starts_at - timedelta(days=1), moved.ends_at - timedelta(days=1)
    settings = FollowupSettings(event_id=event.id, enabled=True, open_days=1)
    db.session.add(settings)
    db.session.commit()
    assert closes_at(event, settings) <= utcnow()
    token = held["tokens"]["anna"]
    assert "De vragen over deze bijeenkomst zijn gesloten." in client.get(f"/rsvp/{token}/followup").get_data(
        as_text=True
    )
    response = client.post(f"/rsvp/{token}/followup", {"met_someone": "yes"})
    assert "Er is niets opgeslagen" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(FollowupAnswer)) == 0


def test_not_asked_and_unknown_links(app, db, client, held):
    assert client.get(f"/rsvp/{held['tokens']['anna']}/followup").status_code == 404  # not asked yet
    assert client.get(f"/rsvp/{held['tokens']['fatima']}/followup").status_code == 404
    assert client.get("/rsvp/" + "x" * 43 + "/followup").status_code == 404


def test_the_organiser_switches_it_off_and_words_it(app, db, logged_in, organiser, held):
    event = held["event"]
    event.organiser_id = organiser.id
    db.session.commit()
    page = logged_in.get(f"/events/{event.id}").get_data(as_text=True)
    assert f'href="/events/{event.id}/followup"' in page
    response = logged_in.post(f"/events/{event.id}/followup", {"open_days": "0"})
    assert response.status_code == 400
    assert "Kies 1 tot en met 60 dagen." in response.get_data(as_text=True)
    logged_in.post(f"/events/{event.id}/followup", {"open_days": "10"})  # unticked: off
    assert db.session.get(FollowupSettings, event.id).enabled is False
    assert asking.ask_attendees() == 0
    logged_in.post(
        f"/events/{event.id}/followup",
        {"enabled": "y", "open_days": "10", "intro": "Fijn dat u er was!", "question_met": "Nieuwe gezichten gezien?"},
    )
    assert asking.ask_attendees() == 3
    (mail,) = followup_mail(db, held["people"]["anna"])
    assert "Fijn dat u er was!" in mail.text_body and "Nieuwe gezichten gezien?" in mail.text_body
    db.session.commit()
    page = logged_in.get(f"/events/{event.id}/followup").get_data(as_text=True)
    assert re.search(r"Gevraagd</th><td class=\"num\">3<", page)


def test_the_summary_lists_named_remarks(app, db, client, logged_in, organiser, held):
    held["event"].organiser_id = organiser.id
    asking.ask_attendees()
    db.session.commit()
    client.post(
        f"/rsvp/{held['tokens']['ria']}/followup",
        {
            "met_someone": "yes",
            "departments": [str(held["people"]["anna"].department_id)],
            "do_differently": "Meer koffie",
        },
    )
    page = logged_in.get(f"/events/{held['event'].id}/followup").get_data(as_text=True)
    assert "Ria Zanger" in page and "Meer koffie" in page
    assert re.search(r"Vergunningen</th><td class=\"num\">1<", page)


def test_deleting_a_draft_takes_its_follow_up_settings(app, db, logged_in, organiser, create_event):
    draft = create_event("Testje", organiser=organiser, status=EventStatus.DRAFT)
    logged_in.post(f"/events/{draft.id}/followup", {"open_days": "7"})
    assert db.session.get(FollowupSettings, draft.id) is not None
    assert logged_in.post(f"/events/{draft.id}/delete").status_code == 302
    db.session.expunge_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(FollowupSettings)) == 0


def test_a_copy_and_a_series_keep_the_follow_up_as_the_organiser_set_it(app, db, logged_in, organiser, create_event):
    source = create_event("Bruiscafé", organiser=organiser, starts_at=local(2030, 2, 5, 16))
    logged_in.post(f"/events/{source.id}/followup", {"open_days": "9", "intro": "Hoe was het?"})  # unticked: off
    assert logged_in.post(f"/events/{source.id}/copy", {"starts_at": "2030-03-05T16:00"}).status_code == 302
    response = logged_in.post(f"/events/{source.id}/series/new", {"frequency": "weekly", "end": "count", "count": "2"})
    assert response.status_code == 302
    db.session.expunge_all()
    events = db.session.scalars(db.select(Event).order_by(Event.id)).all()
    assert len(events) == 3
    settings = [db.session.get(FollowupSettings, event.id) for event in events]
    assert [(s.enabled, s.open_days, s.intro) for s in settings] == [(False, 9, "Hoe was het?")] * 3


def test_the_rsvp_page_leads_to_the_questions_once_asked(app, db, client, held):
    anna = held["tokens"]["anna"]
    link = f'href="/rsvp/{anna}/followup"'
    assert link not in client.get(f"/rsvp/{anna}").get_data(as_text=True)  # not asked yet: no way to a 404
    asking.ask_attendees()
    db.session.commit()
    page = client.get(f"/rsvp/{anna}").get_data(as_text=True)
    assert link in page and "Beantwoord de vragen na afloop" in page
    assert link not in client.get(f"/rsvp/{held['tokens']['bram']}").get_data(as_text=True)  # said yes, not there
    client.post(f"/rsvp/{anna}/followup", {"met_someone": "no"})
    page = client.get(f"/rsvp/{anna}").get_data(as_text=True)
    assert link in page and "u heeft de vragen na afloop beantwoord" in page
    db.session.add(FollowupSettings(event_id=held["event"].id, enabled=False, open_days=14))
    db.session.commit()
    assert link not in client.get(f"/rsvp/{anna}").get_data(as_text=True)
