"""The day itself on a phone: search the check-in list, one tap per person, walk-ins; nothing wipes the list."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from organiser.events.models import Event
from organiser.extensions import utcnow
from organiser.invitations.models import EventLink, Invitation, InvitationState
from organiser.people.models import ContactRole, Person, PersonKind
from organiser.reach.measures import attendances
from tests.conftest import Client


@pytest.fixture
def door(app, db, organiser, create_event, create_person, invite):
    """An event of today (just begun, 3 seats) with two yes answers and a colleague in the directory not invited."""
    event = create_event(title="Bruiscafé van vandaag", starts_at=utcnow(), organiser=organiser, capacity=3)
    vera = invite(event, create_person("Vera Vergunning"), InvitationState.YES)
    urs = invite(event, create_person("Ümit Özdemir"), InvitationState.YES)
    frits = create_person("Frits Financiën", department="Financiën")
    return {"event": event, "vera": vera, "umit": urs, "frits": frits}


def page_of(client, path) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_list_narrows_to_a_name_without_script(logged_in, door):
    path = f"/checkin/events/{door['event'].id}"
    page = page_of(logged_in, path)
    assert "Vera Vergunning" in page and "Ümit Özdemir" in page and "0 van de 2 aanwezig" in page
    # Search as you type: every line carries its folded name for the script; the GET form works without it.
    assert 'data-search="umit ozdemir' in page and 'data-filter-list="checkin-list"' in page
    page = page_of(logged_in, f"{path}?q=umit")
    assert "Ümit Özdemir" in page and "Vera Vergunning" not in page and "Toon de hele lijst" in page
    page = page_of(logged_in, f"{path}?q=niemand-zo")
    assert "Niemand op de lijst heet zo" in page


def test_one_tap_ticks_one_person_and_another_undoes_it(logged_in, db, door):
    event, vera, umit = door["event"], door["vera"], door["umit"]
    path = f"/checkin/events/{event.id}"
    response = logged_in.post(f"{path}/tick/{vera.id}", {"present": "1", "q": "vera"})
    assert response.status_code == 302 and response.headers["Location"] == f"{path}?q=vera#invitation-{vera.id}"
    assert db.session.get(Invitation, vera.id).attended is True
    assert db.session.get(Invitation, umit.id).attended is None  # nobody else is touched
    page = page_of(logged_in, f"{path}?q=vera")
    assert "Vera Vergunning is aanwezig." in page and "✓ aanwezig" in page and "Toch niet" in page
    assert "1 van de 2 aanwezig" in page
    logged_in.post(f"{path}/tick/{vera.id}", {"present": "0"})
    assert db.session.get(Invitation, vera.id).attended is None
    # Anything else changes nothing: a made-up value, another event's invitation, no CSRF token.
    logged_in.post(f"{path}/tick/{vera.id}", {"present": "ja"})
    assert db.session.get(Invitation, vera.id).attended is None
    assert logged_in.post(f"{path}/tick/{vera.id + 1000}", {"present": "1"}).status_code == 404
    logged_in.post(f"{path}/tick/{vera.id}", {"present": "1"}, csrf=False)
    assert db.session.get(Invitation, vera.id).attended is None


def test_there_is_no_one_click_wipe(logged_in, db, door):
    event, vera = door["event"], door["vera"]
    path = f"/checkin/events/{event.id}"
    logged_in.post(f"{path}/tick/{vera.id}", {"present": "1"})
    assert logged_in.post(path, {"present": ""}).status_code == 405  # no "save the whole list" any more
    page = page_of(logged_in, path)
    assert not re.search(rf'<form method="post" action="{path}"', page)
    # The organiser's full list still asks before it saves nobody or forgets what was recorded.
    logged_in.post(f"/events/{event.id}/attendance", {})
    logged_in.post(f"/events/{event.id}/attendance/clear", {})
    assert db.session.get(Invitation, vera.id).attended is True


def test_ticking_waits_for_the_day_and_for_a_yes(logged_in, db, organiser, create_event, create_person, invite, door):
    later = create_event(title="Volgende week", starts_at=utcnow() + timedelta(days=7), organiser=organiser)
    karel = invite(later, create_person("Karel Later"), InvitationState.YES)
    logged_in.post(f"/checkin/events/{later.id}/tick/{karel.id}", {"present": "1"})
    assert db.session.get(Invitation, karel.id).attended is None
    assert "vanaf de dag van de bijeenkomst" in page_of(logged_in, f"/checkin/events/{later.id}")
    nina = invite(door["event"], create_person("Nina Nee"), InvitationState.NO)
    logged_in.post(f"/checkin/events/{door['event'].id}/tick/{nina.id}", {"present": "1"})
    assert db.session.get(Invitation, nina.id).attended is None
    assert "Nina Nee heeft niet ja gezegd" in page_of(logged_in, f"/checkin/events/{door['event'].id}")


def test_a_walk_in_from_the_directory_comes_counts_and_takes_a_seat(logged_in, db, door):
    event, frits = door["event"], door["frits"]
    path = f"/checkin/events/{event.id}"
    page = page_of(logged_in, f"{path}?q=frits")
    assert "Uit het adresboek" in page and "Frits Financiën" in page and "Kantoor · Financiën" in page
    assert "Vera Vergunning" not in page.split("Inloper toevoegen")[1]  # already on the list: not offered again
    response = logged_in.post(f"{path}/walk-in", {"person_id": str(frits.id)})
    assert response.status_code == 302
    invitation = db.session.scalar(db.select(Invitation).where(Invitation.person_id == frits.id))
    assert invitation.event_id == event.id and invitation.state == InvitationState.YES
    assert invitation.attended is True and invitation.sent_at is not None and "Inloper" in invitation.reason
    assert db.session.get(Event, event.id).seats_taken == 3
    assert "Frits Financiën is toegevoegd als inloper en is aanwezig." in page_of(logged_in, path)
    # Reach counts those who came once attendance is kept: the walk-in, not the unticked yes answers.
    attended = db.session.execute(db.select(attendances(event.ends_at + timedelta(hours=1)))).all()
    assert {row.person_id for row in attended if row.event_id == event.id} == {frits.id}


def test_a_walk_in_on_a_full_event_is_present_on_the_waiting_list(logged_in, db, door, create_person):
    event = door["event"]
    path = f"/checkin/events/{event.id}"
    logged_in.post(f"{path}/walk-in", {"person_id": str(door["frits"].id)})
    late = create_person("Laat Binnen")
    logged_in.post(f"{path}/walk-in", {"person_id": str(late.id)})
    invitation = db.session.scalar(db.select(Invitation).where(Invitation.person_id == late.id))
    assert invitation.state == InvitationState.WAITING and invitation.attended is True
    assert db.session.get(Event, event.id).seats_taken == 3  # never more than the capacity
    assert "staat op de wachtlijst" in page_of(logged_in, path)


def test_a_new_walk_in_through_a_check_in_link(logged_in, db, door, app):
    event = door["event"]
    made = logged_in.post(f"/events/{event.id}/links", {"name": "Hulp bij de deur", "initiative_id": ""})
    page = logged_in.get(made.headers["Location"]).get_data(as_text=True)  # Post/Redirect/Get
    path = re.search(r"http://organiser\.test(/checkin/link/[A-Za-z0-9_-]+)", page).group(1)
    helper = Client(app.test_client())
    page = page_of(helper, f"{path}?q=frits")
    assert "Frits Financiën" not in page  # a link holder never searches the directory
    helper.post(f"{path}/walk-in", {"person_id": str(door["frits"].id)})
    assert db.session.scalar(db.select(Invitation).where(Invitation.person_id == door["frits"].id)) is None

    response = helper.post(f"{path}/walk-in", {"name": "Wim Inloop", "email": "", "role": "office"})
    assert response.status_code == 400 and "Vul het e-mailadres in." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Person).where(Person.name == "Wim Inloop")) is None
    response = helper.post(
        f"{path}/walk-in",
        {"name": "Wim Inloop", "email": "Wim@Gemeente.example", "role": "office", "department_id": ""},
    )
    assert response.status_code == 302
    wim = db.session.scalar(db.select(Person).where(Person.email == "wim@gemeente.example"))
    assert wim.kind == PersonKind.STAFF and wim.contact_role == ContactRole.OFFICE
    invitation = db.session.scalar(db.select(Invitation).where(Invitation.person_id == wim.id))
    assert invitation.state == InvitationState.YES and invitation.attended is True
    # An address already in the directory is that person, not a second one.
    helper.post(f"{path}/walk-in", {"name": "Frits", "email": door["frits"].email, "role": "resident"})
    assert db.session.scalar(db.select(db.func.count()).select_from(Person).where(Person.name.like("Frits%"))) == 1
    assert db.session.scalar(db.select(Invitation).where(Invitation.person_id == door["frits"].id)).attended is True
    link = db.session.scalar(db.select(EventLink))
    logged_in.post(f"/events/{event.id}/links/{link.id}/revoke")
    assert (
        helper.post(f"{path}/walk-in", {"name": "Na", "email": "na@x.example", "role": "resident"}).status_code == 404
    )


def test_the_full_list_saved_from_an_older_page_keeps_what_was_ticked_on_phones(logged_in, db, door, app):
    event, vera, umit = door["event"], door["vera"], door["umit"]
    page = page_of(logged_in, f"/events/{event.id}/attendance")  # opened before the doors opened
    shown = re.search(r'name="shown" type="hidden" value="([^"]*)"', page).group(1)
    assert shown == ""
    logged_in.post(f"/checkin/events/{event.id}/tick/{umit.id}", {"present": "1"})  # a helper at the door
    logged_in.post(f"/events/{event.id}/attendance", {"present": [vera.id], "shown": shown})
    assert db.session.get(Invitation, vera.id).attended is True
    assert db.session.get(Invitation, umit.id).attended is True  # not undone by the older page
    # Unticking on the full list is still heard: it was ticked when that page was shown.
    page = page_of(logged_in, f"/events/{event.id}/attendance")
    shown = re.search(r'name="shown" type="hidden" value="([^"]*)"', page).group(1)
    assert sorted(shown.split(",")) == sorted([str(vera.id), str(umit.id)])
    logged_in.post(f"/events/{event.id}/attendance", {"present": [vera.id], "shown": shown})
    assert db.session.get(Invitation, umit.id).attended is False


def test_a_check_in_link_shows_and_searches_names_not_addresses(logged_in, db, door, app):
    event, vera = door["event"], door["vera"]
    made = logged_in.post(f"/events/{event.id}/links", {"name": "Hulp bij de deur", "initiative_id": ""})
    page = logged_in.get(made.headers["Location"]).get_data(as_text=True)
    path = re.search(r"http://organiser\.test(/checkin/link/[A-Za-z0-9_-]+)", page).group(1)
    local_part = vera.person.email.split("@")[0]
    # The organiser (logged in) may find someone by address; the helper with a link sees names only.
    assert "Vera Vergunning" in page_of(logged_in, f"/checkin/events/{event.id}?q={local_part}")
    helper = Client(app.test_client())
    page = page_of(helper, path)
    assert "Vera Vergunning" in page and vera.person.email.split("@")[1] not in page
    assert "Niemand op de lijst heet zo" in page_of(helper, f"{path}?q={local_part}")
