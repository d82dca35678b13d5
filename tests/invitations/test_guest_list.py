"""Building a guest list through the web pages: search, add, remove, see the mix."""

from __future__ import annotations

import pytest

from organiser.events.models import EventStatus
from organiser.invitations.models import Invitation, InvitationState


@pytest.fixture
def event(create_event, organiser):
    return create_event(title="Bruiscafé in de Buurtkamer", organiser=organiser)


def listed(db, event):
    return db.session.scalars(db.select(Invitation).where(Invitation.event_id == event.id)).all()


def test_the_event_page_links_to_the_guest_list(logged_in, event):
    page = logged_in.get(f"/events/{event.id}").get_data(as_text=True)
    assert f'href="/events/{event.id}/guests"' in page and "Gastenlijst samenstellen" in page


def test_search_and_add_people(logged_in, db, event, create_person):
    anna = create_person(name="Anna Vergunning", department="Vergunningen")
    bram = create_person(name="Bram Financiën", department="Financiën")
    create_person(name="Cor Slaapt", active=False)
    page = logged_in.get(f"/events/{event.id}/guests").get_data(as_text=True)
    assert "Er staat nog niemand op de lijst." in page and "Anna Vergunning" not in page  # no search yet
    page = logged_in.get(f"/events/{event.id}/guests?zoeken=1").get_data(as_text=True)
    assert "2 mensen gevonden die nog niet op de lijst staan" in page
    assert "Anna Vergunning" in page and "Bram Financiën" in page and "Cor Slaapt" not in page
    assert f'<label for="add-{anna.id}">Anna Vergunning</label>' in page
    search = f"/events/{event.id}/guests?zoeken=1&zoek=anna"
    response = logged_in.post(f"/events/{event.id}/guests/add", {"person_ids": [str(anna.id)], "next": search})
    assert response.headers["Location"] == search
    (invitation,) = listed(db, event)
    assert invitation.person_id == anna.id and invitation.state == InvitationState.LISTED
    assert invitation.token_hash is None and invitation.sent_at is None
    page = logged_in.get(f"/events/{event.id}/guests?zoeken=1").get_data(as_text=True)
    assert "1 persoon op de gastenlijst gezet." in page and "Op de lijst (1)" in page
    assert "1 persoon gevonden die nog niet op de lijst staat" in page and f'id="add-{anna.id}"' not in page
    assert f'id="add-{bram.id}"' in page


def test_add_skips_inactive_deleted_listed_and_unknown_people(logged_in, db, event, create_person, invite):
    active = create_person()
    inactive = create_person(active=False)
    already = create_person()
    invite(event, already, InvitationState.LISTED)
    gone = create_person()
    logged_in.post(f"/people/{gone.id}/delete")
    ids = [active.id, inactive.id, already.id, gone.id, 99999]
    logged_in.post(f"/events/{event.id}/guests/add", {"person_ids": [str(i) for i in ids]})
    assert sorted(i.person_id for i in listed(db, event)) == [active.id, already.id]


def test_adding_people_already_listed_says_so(logged_in, db, event, create_person, invite):
    """A second click (or another tab) adds nobody: the page says they are on the list already, instead of asking to
    tick people, which they did."""
    anna, bram = create_person(name="Anna"), create_person(name="Bram")
    invite(event, anna, InvitationState.LISTED)
    logged_in.post(f"/events/{event.id}/guests/add", {"person_ids": [str(anna.id)]})
    page = logged_in.get(f"/events/{event.id}/guests").get_data(as_text=True)
    assert "1 van wie u aanvinkte, staat al op de lijst of niet meer in het adresboek." in page
    assert "Vink de mensen aan" not in page and "op de gastenlijst gezet" not in page
    logged_in.post(f"/events/{event.id}/guests/add", {"person_ids": [str(anna.id), str(bram.id)]})
    page = logged_in.get(f"/events/{event.id}/guests").get_data(as_text=True)
    assert "1 persoon op de gastenlijst gezet." in page and "1 van wie u aanvinkte, staat al op de lijst" in page
    logged_in.post(f"/events/{event.id}/guests/add", {})
    page = logged_in.get(f"/events/{event.id}/guests").get_data(as_text=True)
    assert "Er is niemand toegevoegd. Vink de mensen aan die u op de lijst wilt zetten." in page
    assert sorted(i.person_id for i in listed(db, event)) == sorted([anna.id, bram.id])


def test_the_next_address_must_be_local(logged_in, event, create_person):
    person = create_person()
    response = logged_in.post(
        f"/events/{event.id}/guests/add", {"person_ids": [str(person.id)], "next": "https://evil.example/"}
    )
    assert response.headers["Location"] == f"/events/{event.id}/guests"


def test_remove_only_people_not_yet_invited(logged_in, db, event, create_person, invite):
    waiting = invite(event, create_person(name="Nog Niet"), InvitationState.LISTED)
    sent = invite(event, create_person(name="Al Uitgenodigd"), InvitationState.INVITED)
    page = logged_in.get(f"/events/{event.id}/guests").get_data(as_text=True)
    assert page.count("Van de lijst halen") == 1
    logged_in.post(f"/events/{event.id}/guests/{waiting.id}/remove")
    logged_in.post(f"/events/{event.id}/guests/{sent.id}/remove")
    assert [i.id for i in listed(db, event)] == [sent.id]
    page = logged_in.get(f"/events/{event.id}/guests").get_data(as_text=True)
    assert "Nog Niet staat niet meer op de gastenlijst." in page
    assert "Al Uitgenodigd is al uitgenodigd en kan niet meer van de lijst worden gehaald." in page


def test_an_invitation_of_another_event_cannot_be_removed_here(
    logged_in, db, event, create_event, organiser, create_person, invite
):
    other_event = create_event(title="Andere", organiser=organiser)
    invitation = invite(other_event, create_person(), InvitationState.LISTED)
    assert logged_in.post(f"/events/{event.id}/guests/{invitation.id}/remove").status_code == 404
    assert len(listed(db, other_event)) == 1


def test_another_organiser_gets_404(client, db, event, create_organiser, create_person, invite):
    create_organiser("ander@example.org", "Ander")
    client.login("ander@example.org")
    person = create_person()
    invitation = invite(event, create_person(), InvitationState.LISTED)
    assert client.get(f"/events/{event.id}/guests").status_code == 404
    assert client.get(f"/events/{event.id}/guests/suggestions").status_code == 404
    assert client.post(f"/events/{event.id}/guests/add", {"person_ids": [str(person.id)]}).status_code == 404
    assert client.post(f"/events/{event.id}/guests/suggestions", {"aantal": "5"}).status_code == 404
    assert client.post(f"/events/{event.id}/guests/{invitation.id}/remove").status_code == 404
    assert [i.id for i in listed(db, event)] == [invitation.id]


def test_the_guest_list_needs_a_login(client, event):
    response = client.get(f"/events/{event.id}/guests")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_cancelled_event_gets_no_new_guests(logged_in, db, create_event, organiser, create_person):
    event = create_event(organiser=organiser, status=EventStatus.CANCELLED)
    person = create_person()
    page = logged_in.get(f"/events/{event.id}/guests").get_data(as_text=True)
    assert "Deze bijeenkomst is afgelast." in page and "Mensen zoeken en toevoegen" not in page
    logged_in.post(f"/events/{event.id}/guests/add", {"person_ids": [str(person.id)]})
    assert listed(db, event) == []


def test_the_mix_is_shown_for_the_list_and_for_yes(
    logged_in, db, create_event, organiser, create_person, invite, create_initiative
):
    moestuin = create_initiative("Moestuin De Groene Vingers")
    event = create_event(organiser=organiser, min_office_share=50)
    event.hosts = [moestuin]
    db.session.commit()
    invite(event, create_person(name="Kantoor Een", department="Vergunningen"), InvitationState.YES)
    invite(event, create_person(name="Kantoor Twee", department="Financiën"), InvitationState.LISTED)
    invite(event, create_person(name="Wijk Een", department="Wijkteams", role="frontline"), InvitationState.LISTED)
    invite(event, create_person(name="Nee Zegger", department="Beleid"), InvitationState.NO)
    page = logged_in.get(f"/events/{event.id}/guests").get_data(as_text=True)
    mix = page.split('id="mix-heading"')[1].split("</section>")[0]
    assert "De lijst haalt het doel nog niet:" in mix
    assert "Bewonersinitiatief Moestuin De Groene Vingers is nog niet vertegenwoordigd." in mix
    # Office: 2 of 3 on the list (the decline does not count), 1 of 1 said yes.
    office_row = '<th scope="row">Kantoor</th><td class="num">2</td><td class="num">67%</td>'
    assert office_row + '<td class="num">1</td><td class="num">100%</td>' in mix
    assert '<th scope="row">Wijkteams</th><td class="num">1</td><td class="num">33%</td><td class="num">0</td>' in mix
    assert "Beleid" not in mix
    assert "<td>nee, nog niet</td>" in mix


def test_adding_the_same_person_at_the_same_moment_is_refused_cleanly(logged_in, db, event, create_person, monkeypatch):
    from organiser.invitations import guest_list

    person = create_person()

    def racing_add(event, person_ids, reasons=None):
        # What two simultaneous requests amount to: the same person inserted twice for one event.
        for _ in range(2):
            db.session.add(Invitation(event_id=event.id, person_id=person.id, state=InvitationState.LISTED))
            db.session.flush()
        return 2

    monkeypatch.setattr(guest_list, "add_to_guest_list", racing_add)
    response = logged_in.post(f"/events/{event.id}/guests/add", {"person_ids": [str(person.id)]})
    assert response.status_code == 302
    page = logged_in.get(f"/events/{event.id}/guests").get_data(as_text=True)
    assert "De gastenlijst is intussen door iemand anders gewijzigd." in page
    assert listed(db, event) == []
