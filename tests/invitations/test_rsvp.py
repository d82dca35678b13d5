"""Invitations by mail, answering through the personal link, capacity and the waiting list."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from organiser.auth.models import TrailEntry
from organiser.events.models import Event, EventStatus
from organiser.extensions import utcnow
from organiser.invitations import answers, links, notices, reminders, retention, sending
from organiser.invitations.models import Invitation, InvitationState
from organiser.mail.deferred import rendered
from organiser.mail.models import OutboxMessage


@pytest.fixture
def invited(create_event, invitees):
    """Factory: an event with `n` colleagues invited (mails queued); returns (event, [(invitation, token)])."""

    def factory(n=3, capacity=20, max_plus_ones=1, **event_fields):
        event = create_event(capacity=capacity, max_plus_ones=max_plus_ones, **event_fields)
        return event, [(invitation, links.rsvp_token(invitation)) for invitation in invitees(event, n)]

    return factory


def mails(db, kind=None):
    query = db.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return [rendered(message) for message in db.session.scalars(query)]


def answer(client, token, value, plus_ones=0, note=""):
    return client.post(f"/rsvp/{token}", {"answer": value, "plus_ones": str(plus_ones), "note": note})


def test_invitation_mail_has_personal_link_and_ics(db, invited):
    event, pairs = invited(n=2)
    sent = mails(db, "invitation")
    assert len(sent) == 2
    invitation, token = pairs[0]
    assert f"http://organiser.test/rsvp/{token}" in sent[0].text_body
    assert sent[0].ics_method == "REQUEST" and "METHOD:REQUEST" in sent[0].ics
    assert invitation.state == InvitationState.INVITED and invitation.sent_at is not None
    assert invitation.token_hash != token and token not in (invitation.token_hash or "")
    assert len(token) >= 43  # 256 bits, URL-safe


def test_rsvp_page_shows_the_event_and_changes_nothing(client, db, invited):
    event, [(invitation, token)] = invited(n=1)
    response = client.get(f"/rsvp/{token}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert event.title in page and "U heeft nog niet geantwoord." in page
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    db.session.refresh(invitation)
    assert invitation.state == InvitationState.INVITED and invitation.answered_at is None


def test_answer_yes_then_change_to_no(client, db, invited):
    event, [(invitation, token)] = invited(n=1)
    response = answer(client, token, "yes", plus_ones=1, note="Vegetarisch")
    assert response.status_code == 302
    page = client.get(f"/rsvp/{token}").get_data(as_text=True)
    assert "Dank u wel! U staat op de lijst." in page
    db.session.refresh(invitation)
    db.session.refresh(event)
    assert invitation.state == InvitationState.YES and invitation.plus_ones == 1 and invitation.note == "Vegetarisch"
    assert event.seats_taken == 2
    answer(client, token, "no")
    db.session.refresh(event)
    assert db.session.get(Invitation, invitation.id).state == InvitationState.NO and event.seats_taken == 0
    # Yes, then no within the minute: one confirmation, of the final state (the yes was never sent).
    (confirmation,) = mails(db, "confirmation")
    assert confirmation.ics_method == "CANCEL" and confirmation.next_attempt_at > utcnow()


def test_too_many_plus_ones_and_long_notes_are_refused(client, db, invited):
    event, [(invitation, token)] = invited(n=1, max_plus_ones=1)
    response = answer(client, token, "yes", plus_ones=3)
    assert (
        response.status_code == 400
        and "Ongeldige keuze" in response.get_data(as_text=True)
        or ("Not a valid choice" in response.get_data(as_text=True))
    )
    response = answer(client, token, "yes", note="x" * 501)
    assert "Uw opmerking is te lang: maximaal 500 tekens." in response.get_data(as_text=True)
    db.session.refresh(invitation)
    assert invitation.state == InvitationState.INVITED


def test_full_event_puts_yes_on_the_waiting_list_and_promotes_when_a_seat_frees(client, db, invited):
    event, pairs = invited(n=3, capacity=1, max_plus_ones=0)
    (first, t1), (second, t2), (third, t3) = pairs
    answer(client, t1, "yes")
    answer(client, t2, "yes")
    answer(client, t3, "yes")
    assert "U staat op de wachtlijst, op plaats 1." in client.get(f"/rsvp/{t2}").get_data(as_text=True)
    assert "op plaats 2." in client.get(f"/rsvp/{t3}").get_data(as_text=True)
    answer(client, t1, "no")
    states = {i.id: db.session.get(Invitation, i.id).state for i, _ in pairs}
    assert states == {first.id: InvitationState.NO, second.id: InvitationState.YES, third.id: InvitationState.WAITING}
    assert db.session.get(Event, event.id).seats_taken == 1
    promotion = mails(db, "promotion")
    assert len(promotion) == 1 and promotion[0].invitation_id == second.id
    assert "op plaats 1." in client.get(f"/rsvp/{t3}").get_data(as_text=True)


def test_after_the_deadline_only_cancelling(client, db, invited):
    now = datetime.now(UTC)
    event, [(invitation, token)] = invited(n=1, rsvp_deadline=now + timedelta(hours=1))
    event.rsvp_deadline = now - timedelta(hours=1)  # invitations are not sent after the deadline: it passed since
    db.session.commit()
    page = client.get(f"/rsvp/{token}").get_data(as_text=True)
    assert "De reactietermijn is voorbij." in page and "Ik kan niet komen" in page
    answer(client, token, "yes")
    assert db.session.get(Invitation, invitation.id).state == InvitationState.INVITED
    answer(client, token, "no")
    assert db.session.get(Invitation, invitation.id).state == InvitationState.NO


def test_unknown_and_revoked_links_look_the_same(client, db, invited):
    event, [(invitation, token)] = invited(n=1)
    unknown = client.get("/rsvp/" + "x" * 43)
    sending.reissue_link(db.session.get(Invitation, invitation.id))
    db.session.commit()
    revoked = client.get(f"/rsvp/{token}")
    assert unknown.status_code == revoked.status_code == 404

    # The same page; only the visited address (in the language switch's "back to" field) differs, and the
    # CSRF token of that form (it carries the second it was made in).
    def page(response, visited):
        text = response.get_data(as_text=True).replace(visited, "T")
        return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", text)  # in either order of attributes

    assert page(unknown, "x" * 43) == page(revoked, token)
    assert revoked.headers["Cache-Control"] == "no-store"
    new_token = links.rsvp_token(db.session.get(Invitation, invitation.id))
    assert client.get(f"/rsvp/{new_token}").status_code == 200
    assert new_token in mails(db, "new_link")[0].text_body


def test_a_new_link_once_answering_is_closed_does_not_ask_for_an_answer(
    db, create_event, create_person, invite, rsvp_token
):
    """From the start of the event (or its cancellation) no answer can be given: a new link's mail says so and
    that the link shows what is stored, and carries no calendar part (a REQUEST asks for an answer again, and
    would put a cancelled event back in the calendar); before the start, the mail still speaks of answering."""
    now = utcnow()
    events = {
        "over": create_event(title="Bruiscafé van vorige week", starts_at=now - timedelta(days=7)),
        "begun": create_event(title="Bruiscafé van nu", starts_at=now - timedelta(hours=1), hours=3),
        "cancelled": create_event(title="Bruiscafé afgelast", starts_at=now + timedelta(days=3)),
        "coming": create_event(title="Bruiscafé van volgende week", starts_at=now + timedelta(days=7)),
    }
    anna = create_person(name="Anna")
    tokens = {}
    for name, event in events.items():
        invitation = invite(event, anna, InvitationState.YES)
        if name == "cancelled":
            event.status = EventStatus.CANCELLED
        rsvp_token(invitation)
        sending.reissue_link(db.session.get(Invitation, invitation.id))
        tokens[name] = links.rsvp_token(db.session.get(Invitation, invitation.id))
    db.session.commit()
    over, begun, cancelled, coming = mails(db, "new_link")
    for mail, opening, name in (
        (over, "De bijeenkomst is voorbij.", "over"),
        (begun, "Antwoorden kan niet meer.", "begun"),
        (cancelled, "Antwoorden kan niet meer.", "cancelled"),
    ):
        for body in (mail.text_body, mail.html_body):
            assert opening in body and tokens[name] in body, name
            assert "uw antwoord wijzigen" not in body.lower() and "agenda" not in body, name
        assert not mail.ics, name
    assert "Uw persoonlijke link om te antwoorden of uw antwoord te wijzigen" in coming.text_body
    assert "METHOD:REQUEST" in coming.ics and "Antwoorden kan niet meer" not in coming.text_body


def test_posting_needs_csrf(client, db, invited):
    event, [(invitation, token)] = invited(n=1)
    response = client.post(f"/rsvp/{token}", {"answer": "no", "plus_ones": "0"}, csrf=False)
    assert response.status_code == 400
    assert db.session.get(Invitation, invitation.id).state == InvitationState.INVITED


def test_following_every_link_in_every_mail_changes_nothing(client, db, invited):
    """Mail scanners open every link: GET must never change state."""
    event, pairs = invited(n=2, capacity=1)
    answer(client, pairs[0][1], "yes")
    answer(client, pairs[1][1], "yes")  # waiting list

    def snapshot():
        db.session.expire_all()
        rows = db.session.execute(
            db.select(Invitation.id, Invitation.state, Invitation.plus_ones, Invitation.token_hash, Invitation.note)
        ).all()
        return sorted(map(tuple, rows)), db.session.get(Event, event.id).seats_taken

    before = snapshot()
    links = set()
    for message in mails(db):
        links |= set(re.findall(r"https?://[^\s\"'<>]+", message.text_body + message.html_body))
    assert links, "the mails contain links"
    for link in links:
        path = link.replace("http://organiser.test", "")
        assert client.get(path).status_code < 500
        assert client.head(path).status_code < 500
    assert snapshot() == before


def test_my_data_and_withdraw(client, db, invited):
    event, [(invitation, token)] = invited(n=1)
    answer(client, token, "yes", note="Rolstoel")
    page = client.get(f"/rsvp/{token}/data").get_data(as_text=True)
    assert "Rolstoel" in page and invitation.person.email in page
    withdrawn = client.post(f"/rsvp/{token}/withdraw")
    assert withdrawn.status_code == 303  # Post/Redirect/Get: a refresh shows the confirmation, posts nothing
    page = client.get(withdrawn.headers["Location"]).get_data(as_text=True)
    assert f"U bent afgemeld voor {event.title}" in page
    invitation = db.session.get(Invitation, invitation.id)
    assert invitation.state == InvitationState.NO and invitation.note == "" and invitation.token_hash is None
    assert db.session.get(Event, event.id).seats_taken == 0
    assert client.get(f"/rsvp/{token}").status_code == 404
    assert mails(db, "withdrawn")


def test_reminders_go_out_once(app, db, invited):
    now = datetime.now(UTC)
    event, pairs = invited(n=2, rsvp_deadline=now + timedelta(days=2))
    answers.record_answer(db.session.get(Invitation, pairs[0][0].id), "yes")
    db.session.commit()
    assert reminders.send_deadline_reminders(now) == 1  # only the one who did not answer
    assert reminders.send_deadline_reminders(now) == 0
    assert reminders.send_day_before_reminders(now) == 0  # the event is ten days away
    assert reminders.send_day_before_reminders(event.starts_at - timedelta(hours=20)) == 1
    assert reminders.send_day_before_reminders(event.starts_at - timedelta(hours=19)) == 0
    db.session.commit()
    assert len(mails(db, "reminder")) == 1 and len(mails(db, "day_before")) == 1


def test_personal_details_are_purged_after_the_event(app, db, invited):
    event, [(invitation, token)] = invited(n=1)
    answers.record_answer(invitation, "yes", 1, "Glutenvrij")
    db.session.commit()
    assert retention.purge_personal_details(event.ends_at + timedelta(days=1)) == 0
    assert retention.purge_personal_details(event.ends_at + timedelta(days=31)) == 1
    db.session.commit()
    invitation = db.session.get(Invitation, invitation.id)
    assert invitation.note == "" and invitation.state == InvitationState.YES  # the count stays


def test_change_and_cancellation_notices(app, db, invited):
    from organiser.events.publishing import cancel_event

    event, pairs = invited(n=2)
    answers.record_answer(pairs[1][0], "no")
    assert notices.queue_change_notices(event) == 1  # not to those who declined
    cancel_event(event)
    assert notices.queue_cancellation_notices(event) == 1
    db.session.commit()
    cancel = mails(db, "cancellation")[0]
    assert cancel.ics_method == "CANCEL" and "STATUS:CANCELLED" in cancel.ics
    # Each message to one invitee supersedes the one before (RFC 5546): invitation 1, change 2, cancellation 3.
    own = [m for m in mails(db) if m.invitation_id == cancel.invitation_id]
    sequences = [int(m.ics.split("SEQUENCE:")[1].split()[0]) for m in own]
    assert sequences == sorted(set(sequences)) and sequences[-1] == 3


def test_organiser_records_an_answer_and_exports_csv(logged_in, db, invited, organiser):
    event, pairs = invited(n=2, organiser=organiser)
    invitation = pairs[0][0]
    invitation.note = '=HYPERLINK("http://evil")'
    db.session.commit()
    logged_in.post(f"/events/{event.id}/answers/{invitation.id}", {"answer": "yes", "plus_ones": "0"})
    assert db.session.get(Invitation, invitation.id).state == InvitationState.YES
    page = logged_in.get(f"/events/{event.id}/answers").get_data(as_text=True)
    assert "Plaatsen bezet: 1 van 20" in page
    # The note goes to the invitee with the confirmation: the page says so before anyone types one.
    assert "krijgt de genodigde per mail bevestigd, met de opmerking erbij" in page
    csv = logged_in.get(f"/events/{event.id}/answers.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in csv


def test_other_organisers_cannot_see_answers(client, create_organiser, db, invited):
    owner = create_organiser("owner@example.org")
    create_organiser("other@example.org")
    event, pairs = invited(n=1, organiser=owner)
    client.login("other@example.org")
    assert client.get(f"/events/{event.id}/answers").status_code == 404
    assert client.post(f"/events/{event.id}/answers/{pairs[0][0].id}", {"answer": "no"}).status_code == 404


def test_deleting_a_person_frees_their_seat_for_the_waiting_list(app, db, invited):
    from organiser.people.erasure import delete_person

    event, [(first, _), (second, _)] = invited(n=2, capacity=1, max_plus_ones=0)
    answers.record_answer(first, "yes")
    answers.record_answer(second, "yes")
    db.session.commit()
    assert db.session.get(Invitation, second.id).state == InvitationState.WAITING
    delete_person(db.session.get(Invitation, first.id).person)
    db.session.commit()
    assert db.session.get(Invitation, first.id).state == InvitationState.NO
    assert db.session.get(Invitation, second.id).state == InvitationState.YES
    assert db.session.get(Event, event.id).seats_taken == 1
    assert len(mails(db, "promotion")) == 1


def test_send_page_warns_about_the_mix_and_sends_to_those_ticked(logged_in, db, organiser, create_event, invitees):
    event = create_event(organiser=organiser)
    invitees(event, 3, send=False, department="Burgerzaken")
    page = logged_in.get(f"/events/{event.id}/send").get_data(as_text=True)
    assert "Let op: de mix haalt het doel niet" in page  # no frontline colleague yet
    assert "3 mensen nog niet uitgenodigd" in page
    ids = db.session.scalars(db.select(Invitation.id).order_by(Invitation.id)).all()
    assert "Kies minstens één persoon" in logged_in.post(f"/events/{event.id}/send", follow_redirects=True).get_data(
        as_text=True
    )
    logged_in.raw.post(
        f"/events/{event.id}/send",
        data={"csrf_token": logged_in.csrf_token(), "invitation": [str(ids[0]), str(ids[2])]},
    )
    db.session.expire_all()
    states = [db.session.get(Invitation, i).state for i in ids]
    assert states == [InvitationState.INVITED, InvitationState.LISTED, InvitationState.INVITED]
    assert len(mails(db, "invitation")) == 2
    sent = db.session.scalar(db.select(TrailEntry).where(TrailEntry.action == "invitations_sent"))
    assert sent.subject_id == event.id and sent.actor == "organiser@example.org" and sent.summary.endswith(": 2")


def test_change_notice_says_what_changed_and_cancellation_gives_the_reason(logged_in, db, organiser, invited):
    event, [(first, t1), (second, t2)] = invited(n=2, organiser=organiser)
    answers.record_answer(first, "yes")
    db.session.commit()
    start = event.starts_at.astimezone(ZoneInfo("Europe/Amsterdam"))
    data = {
        "title": event.title,
        "format": event.format,
        "description": "",
        "location": "Buurthuis De Ster",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "neighbourhood_id": "0",
        "owner": "municipality",
        "capacity": "20",
        "rsvp_deadline": "",
        "max_plus_ones": "1",
        "min_office_share": "50",
    }
    assert logged_in.post(f"/events/{event.id}/edit", data).status_code == 302
    notices = {m.invitation_id: m for m in mails(db, "change")}
    assert "Plaats: was Kerkstraat 41, nu Buurthuis De Ster" in notices[first.id].text_body
    assert "Uw antwoord blijft staan." in notices[first.id].text_body
    assert "U heeft nog niet geantwoord." in notices[second.id].text_body
    assert "Vragen: Olga Organisator, organiser@example.org" in notices[first.id].text_body
    assert (
        logged_in.post(f"/events/{event.id}/cancel", {"reason": "De zaal is onder water gelopen."}).status_code == 302
    )
    cancellation = mails(db, "cancellation")[0]
    assert "De reden: De zaal is onder water gelopen." in cancellation.text_body


def test_the_page_of_a_cancelled_event_offers_no_deadline_to_answer_by(client, db, invited):
    event, [(_invitation, token)] = invited(n=1, rsvp_deadline=datetime.now(UTC) + timedelta(days=3))
    assert "Reageren kan tot" in client.get(f"/rsvp/{token}").get_data(as_text=True)
    event.status = EventStatus.CANCELLED
    db.session.commit()
    page = client.get(f"/rsvp/{token}").get_data(as_text=True)
    assert "Deze bijeenkomst is afgelast. U hoeft niets meer te doen." in page
    assert "Reageren kan tot" not in page


def test_who_else_comes_is_told_once_someone_said_yes(client, db, invited):
    _event, [(_first, token), (_second, other)] = invited(n=2)
    assert "Wie komen er" not in client.get(f"/rsvp/{token}").get_data(as_text=True)  # not "0 … en 0 …"
    answer(client, other, "yes")
    page = client.get(f"/rsvp/{token}").get_data(as_text=True)
    assert "Wie komen er: 1 collega van de gemeente en 0 bewoners hebben tot nu toe ja gezegd." in page
