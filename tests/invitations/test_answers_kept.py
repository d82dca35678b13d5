"""No edit by one party silently changes what another answered; going down is always possible; the waiting
list gives a freed seat to the first in line who fits and says so; the invitee's page works without cookies,
speaks the invitation's language and announces the outcome of an answer."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from organiser.events.forms import to_form_value
from organiser.events.models import Event
from organiser.extensions import utcnow
from organiser.invitations import links, sending
from organiser.invitations.models import Invitation, InvitationState
from tests.events.test_events import edit_form


@pytest.fixture
def invitees(db, create_event, create_person, organiser):
    """Factory: an event of the logged-in organiser with `n` people invited; returns (event, [(invitation, token)])."""

    def factory(n=1, capacity=20, max_plus_ones=2, locale="nl", **event_fields):
        event = create_event(organiser=organiser, capacity=capacity, max_plus_ones=max_plus_ones, **event_fields)
        for _ in range(n):
            person = create_person()
            person.locale = locale
            db.session.add(Invitation(event=event, person=person))
        db.session.flush()
        sending.send_invitations(event)
        invitations = db.session.scalars(
            db.select(Invitation).where(Invitation.event_id == event.id).order_by(Invitation.id)
        ).all()
        pairs = [(i, links.rsvp_token(i)) for i in invitations]
        db.session.commit()
        return event, pairs

    return factory


def answer(client, token, value, plus_ones=0, note=""):
    return client.post(f"/rsvp/{token}", {"answer": value, "plus_ones": str(plus_ones), "note": note})


def stored(db, invitation):
    db.session.expire_all()
    return db.session.get(Invitation, invitation.id)


def seats(db, event):
    db.session.expire_all()
    return db.session.get(Event, event.id).seats_taken


def edit_event(logged_in, event, **overrides):
    with logged_in.raw.application.test_request_context():
        form = edit_form(event, **overrides)
    response = logged_in.post(f"/events/{event.id}/edit", form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def selected_option(page, select_id):
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', page, re.S).group(1)
    chosen = re.findall(r'<option[^>]*selected[^>]*value="([^"]*)"|<option[^>]*value="([^"]*)"[^>]*selected', select)
    return [a or b for a, b in chosen]


# --- seats: a lowered limit keeps what the invitee had ------------------------------------------------------------


def test_a_lowered_plus_one_limit_keeps_the_guests_of_an_invitee_who_edits_only_the_note(logged_in, db, invitees):
    event, [(invitation, token)] = invitees(max_plus_ones=2)
    answer(logged_in, token, "yes", plus_ones=2)
    assert seats(db, event) == 3
    edit_event(logged_in, event, max_plus_ones="1")

    page = logged_in.get(f"/rsvp/{token}").get_data(as_text=True)
    assert selected_option(page, "plus_ones") == ["2"]  # the form shows what they have, not the new maximum
    assert "U houdt uw 2 introducés, tenzij u zelf minder kiest." in page
    answer(logged_in, token, "yes", plus_ones=2, note="Rolstoel")
    kept = stored(db, invitation)
    assert (kept.state, kept.plus_ones, kept.note) == (InvitationState.YES, 2, "Rolstoel")
    assert seats(db, event) == 3

    answer(logged_in, token, "yes", plus_ones=3)  # more than they had and more than allowed: refused
    assert stored(db, invitation).plus_ones == 2
    answer(logged_in, token, "yes", plus_ones=1)  # going down is their own choice
    assert stored(db, invitation).plus_ones == 1 and seats(db, event) == 2
    answer(logged_in, token, "yes", plus_ones=2)  # and once given up, the old number is gone
    assert stored(db, invitation).plus_ones == 1


def test_the_organiser_recording_an_answer_sees_and_keeps_the_current_one(logged_in, db, invitees):
    event, [(invitation, token)] = invitees(max_plus_ones=2)
    answer(logged_in, token, "yes", plus_ones=2, note="Glutenvrij")
    edit_event(logged_in, event, max_plus_ones="0")
    page = logged_in.get(f"/events/{event.id}/answers").get_data(as_text=True)
    assert selected_option(page, f"answer-{invitation.id}") == ["yes"]
    assert selected_option(page, f"plus-{invitation.id}") == ["2"]
    assert f'id="note-{invitation.id}" name="note" type="text" maxlength="500" value="Glutenvrij"' in page
    assert to_form_value(stored(db, invitation).answered_at).strftime("%H:%M") in page  # answered on

    # Submitting the row as shown changes nothing but what the organiser changed: the note.
    logged_in.post(
        f"/events/{event.id}/answers/{invitation.id}",
        {"answer": "yes", "plus_ones": "2", "note": "Glutenvrij, rolstoel"},
    )
    kept = stored(db, invitation)
    assert (kept.state, kept.plus_ones, kept.note) == (InvitationState.YES, 2, "Glutenvrij, rolstoel")
    assert seats(db, event) == 3
    edit_event(logged_in, event, max_plus_ones="0")
    answer(logged_in, token, "yes", plus_ones=1)
    assert "U houdt uw introducé, tenzij u zelf minder kiest." in logged_in.get(f"/rsvp/{token}").get_data(as_text=True)


def test_the_count_table_pairs_every_number_with_its_answer(logged_in, db, invitees):
    event, pairs = invitees(n=4)
    answer(logged_in, pairs[0][1], "yes")
    answer(logged_in, pairs[1][1], "yes")
    answer(logged_in, pairs[2][1], "no")
    page = logged_in.get(f"/events/{event.id}/answers").get_data(as_text=True)
    table = page.split('id="counts-caption"')[1].split("</table>")[0]
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">(\d+)</td>', table))
    assert rows == {
        "Nog niet verstuurd": "0",
        "Nog geen antwoord": "1",
        "Komt": "2",
        "Komt niet": "1",
        "Misschien": "0",
        "Wachtlijst": "0",
        "Mail mislukt": "0",
    }


# --- the waiting list ------------------------------------------------------------------------------------------------


def test_a_freed_seat_goes_to_the_first_in_line_who_fits_and_an_empty_seat_is_explained(logged_in, db, invitees):
    event, [(a, ta), (b, tb), (c, tc)] = invitees(n=3, capacity=3, max_plus_ones=2)
    answer(logged_in, ta, "yes", plus_ones=2)  # 3 seats: full
    answer(logged_in, tb, "yes", plus_ones=2)  # waits, needs 3
    answer(logged_in, tc, "yes")  # waits, needs 1
    assert [stored(db, i).state for i in (b, c)] == [InvitationState.WAITING] * 2

    answer(logged_in, ta, "yes", plus_ones=1)  # one seat frees: b does not fit, c does
    assert stored(db, c).state == InvitationState.YES and stored(db, b).state == InvitationState.WAITING
    assert seats(db, event) == 3
    page = logged_in.get(f"/rsvp/{tb}").get_data(as_text=True)
    assert "op plaats 1." in page and "een vrije plek gaat naar wie het eerst op de lijst kwam en erin past" in page

    answer(logged_in, ta, "yes", plus_ones=0)  # one more seat frees; nobody waiting fits in it
    assert stored(db, b).state == InvitationState.WAITING and seats(db, event) == 2
    page = logged_in.get(f"/rsvp/{tb}").get_data(as_text=True)
    assert "Er is nog 1 plaats vrij, maar u heeft er 3 nodig (u en uw introducés). U kunt alleen komen" in page
    page = logged_in.get(f"/events/{event.id}/answers").get_data(as_text=True)
    assert "1 plaats is vrij terwijl er mensen op de wachtlijst staan: niemand op de wachtlijst past erin." in page
    assert "heeft 3 plaatsen nodig" in page

    answer(logged_in, tb, "yes", plus_ones=0)  # the first in line chooses fewer guests: seated at once
    assert stored(db, b).state == InvitationState.YES and seats(db, event) == 3


# --- after the deadline: going down is always possible ------------------------------------------------------------


def test_after_the_deadline_fewer_guests_and_a_new_note_but_not_more(logged_in, db, invitees):
    event, [(invitation, token), (silent, silent_token)] = invitees(n=2, max_plus_ones=2)
    answer(logged_in, token, "yes", plus_ones=2)
    db.session.get(Event, event.id).rsvp_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()

    page = logged_in.get(f"/rsvp/{token}").get_data(as_text=True)
    assert "De reactietermijn is voorbij. U kunt nog wel minder introducés opgeven" in page
    assert 'value="maybe"' not in page  # only the answer they gave, or no
    answer(logged_in, token, "yes", plus_ones=0, note="rolstoeltoegankelijke ingang nodig")
    kept = stored(db, invitation)
    assert (kept.plus_ones, kept.note) == (0, "rolstoeltoegankelijke ingang nodig") and seats(db, event) == 1
    answer(logged_in, token, "yes", plus_ones=1)
    assert stored(db, invitation).plus_ones == 0
    assert "De reactietermijn is voorbij. U kunt zich nog wel afmelden." in logged_in.get(f"/rsvp/{token}").get_data(
        as_text=True
    )
    answer(logged_in, silent_token, "yes")  # no answer before the deadline: only no is possible
    assert stored(db, silent).state == InvitationState.INVITED
    answer(logged_in, token, "no")
    assert stored(db, invitation).state == InvitationState.NO and seats(db, event) == 0


def test_once_the_event_has_started_nothing_changes(logged_in, db, invitees):
    event, [(invitation, token)] = invitees()
    answer(logged_in, token, "yes", note="Vegetarisch")
    db.session.get(Event, event.id).starts_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    answer(logged_in, token, "yes", note="Veganistisch")
    assert stored(db, invitation).note == "Vegetarisch"


# --- sending: not after the deadline, not for a draft ------------------------------------------------------------


def test_invitations_are_not_sent_after_the_deadline_or_for_a_draft(
    logged_in, db, create_event, create_person, organiser
):
    from organiser.events.models import EventStatus

    late = create_event(organiser=organiser, rsvp_deadline=utcnow() - timedelta(hours=1))
    draft = create_event(organiser=organiser, status=EventStatus.DRAFT)
    for event in (late, draft):
        db.session.add(Invitation(event=event, person=create_person()))
    db.session.commit()
    ids = {e.id: db.session.scalar(db.select(Invitation.id).where(Invitation.event_id == e.id)) for e in (late, draft)}

    page = logged_in.get(f"/events/{late.id}/send").get_data(as_text=True)
    assert "De reactietermijn is voorbij" in page
    response = logged_in.post(f"/events/{late.id}/send", {"invitation": [str(ids[late.id])]})
    assert "De reactietermijn is voorbij" in logged_in.get(response.headers["Location"]).get_data(as_text=True)
    page = logged_in.get(f"/events/{draft.id}/send").get_data(as_text=True)
    assert "nog een concept" in page
    logged_in.post(f"/events/{draft.id}/send", {"invitation": [str(ids[draft.id])]})
    db.session.expire_all()
    assert {db.session.get(Invitation, i).state for i in ids.values()} == {InvitationState.LISTED}


# --- the invitee's page: cookies, language, announcement ------------------------------------------------------------


def test_a_browser_without_cookies_can_answer_and_a_foreign_form_cannot(app, db, invitees, client):
    event, [(invitation, token), (other, other_token)] = invitees(n=2)
    browser = app.test_client(use_cookies=False)
    page = browser.get(f"/rsvp/{token}").get_data(as_text=True)
    key = re.search(r'name="form_key" type="hidden" value="([^"]+)"', page).group(1)
    response = browser.post(f"/rsvp/{token}", data={"form_key": key, "answer": "yes", "plus_ones": "0", "note": ""})
    assert response.status_code == 302
    assert stored(db, invitation).state == InvitationState.YES

    # Without the link's key (a form on another site), or with another link's key: refused, nothing saved.
    for posted in ({}, {"form_key": key}):
        response = browser.post(f"/rsvp/{other_token}", data={**posted, "answer": "yes", "plus_ones": "0"})
        assert response.status_code == 400
        assert "het formulier hoort niet bij deze link" in response.get_data(as_text=True)
    assert stored(db, other).state == InvitationState.INVITED

    data_page = browser.get(f"/rsvp/{token}/data").get_data(as_text=True)
    withdraw_key = re.search(r'name="form_key" value="([^"]+)"', data_page).group(1)
    assert withdraw_key != key  # a key per purpose
    browser.post(f"/rsvp/{token}/withdraw", data={"form_key": key})
    assert stored(db, invitation).token_hash is not None
    assert browser.post(f"/rsvp/{token}/withdraw", data={"form_key": withdraw_key}).status_code == 303
    assert stored(db, invitation).token_hash is None and stored(db, invitation).state == InvitationState.NO


def test_the_page_speaks_the_invitations_language_until_the_visitor_picks_another(client, db, invitees):
    event, [(invitation, token)] = invitees(locale="en")
    page = client.get(f"/rsvp/{token}", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "You have not replied yet." in page
    page = client.get(f"/rsvp/{token}/data").get_data(as_text=True)
    assert '<html lang="en">' in page
    client.post("/language", {"lang": "nl", "next": f"/rsvp/{token}"})
    page = client.get(f"/rsvp/{token}").get_data(as_text=True)
    assert '<html lang="nl">' in page and "U heeft nog niet geantwoord." in page

    event, [(dutch, dutch_token)] = invitees(locale="nl")
    page = client.raw.application.test_client().get(f"/rsvp/{dutch_token}", headers={"Accept-Language": "en-GB"})
    assert '<html lang="nl">' in page.get_data(as_text=True)


def test_the_outcome_of_an_answer_is_announced(client, db, invitees):
    event, [(invitation, token)] = invitees()
    page = client.get(f"/rsvp/{token}").get_data(as_text=True)
    assert "data-focus-on-load" not in page
    answer(client, token, "yes")
    page = client.get(f"/rsvp/{token}").get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert title.startswith("Dank u wel! U staat op de lijst.")
    assert re.search(r'<div class="flashes" role="status" tabindex="-1" data-focus-on-load id="outcome">\s*<p', page)
    assert page.count('class="flashes"') == 1
