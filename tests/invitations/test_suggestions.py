"""Suggesting colleagues: who comes first, who never, why, and always in the same few queries."""

from __future__ import annotations

import pytest

from organiser.events.models import EventStatus
from organiser.invitations.models import Invitation, InvitationState
from organiser.invitations.suggestions import suggest_colleagues
from organiser.people.erasure import delete_person
from tests.conftest import local
from tests.factories import recorded_statements

YES, NO, LISTED, INVITED = InvitationState.YES, InvitationState.NO, InvitationState.LISTED, InvitationState.INVITED


@pytest.fixture
def event(create_event, organiser):
    return create_event(title="Netwerkborrel", organiser=organiser)


@pytest.fixture
def past(create_event, organiser):
    """Two events that took place: one ended on 10 January 2026, one on 3 March 2026."""
    return {
        "january": create_event(title="Wijksafari januari", starts_at=local(2026, 1, 10, 14), organiser=organiser),
        "march": create_event(title="Bruiscafé maart", starts_at=local(2026, 3, 3, 14), organiser=organiser),
    }


def by_name(suggestions):
    return [(s.person.name, s.reasons) for s in suggestions]


def test_office_first_departments_take_turns_never_first(in_request, event, past, create_person, invite):
    invite(event, create_person(name="Al Op De Lijst", department="Financiën"), InvitationState.LISTED)
    create_person(name="Vera Nooit", department="Vergunningen")
    invite(past["january"], create_person(name="Vera Lang Geleden", department="Vergunningen"), YES)
    invite(past["march"], create_person(name="Vera Recent", department="Vergunningen"), YES)
    create_person(name="Frank Nooit", department="Financiën")
    invite(past["march"], create_person(name="Bea Recent", department="Beleid"), INVITED, attended=True)
    create_person(name="Wim Wijk", department="Wijkteams", role="frontline")

    assert by_name(suggest_colleagues(event, 10)) == [
        (
            "Vera Nooit",
            ["nog nooit deelgenomen", "afdeling Vergunningen nog niet vertegenwoordigd", "werkt op kantoor"],
        ),
        (
            "Bea Recent",
            ["laatst deelgenomen op 3 maart 2026", "afdeling Beleid nog niet vertegenwoordigd", "werkt op kantoor"],
        ),
        ("Frank Nooit", ["nog nooit deelgenomen", "werkt op kantoor"]),
        ("Vera Lang Geleden", ["laatst deelgenomen op 10 januari 2026", "werkt op kantoor"]),
        ("Vera Recent", ["laatst deelgenomen op 3 maart 2026", "werkt op kantoor"]),
        (
            "Wim Wijk",
            [
                "nog nooit deelgenomen",
                "afdeling Wijkteams nog niet vertegenwoordigd",
                "heeft een contactrol (frontlinie)",
            ],
        ),
    ]
    assert [s.person.name for s in suggest_colleagues(event, 2)] == ["Vera Nooit", "Bea Recent"]
    assert suggest_colleagues(event, 0) == []


def test_who_is_never_suggested(
    in_request, db, event, past, create_event, organiser, create_person, create_initiative, invite
):
    later = create_event(title="Later", starts_at=local(2026, 6, 1, 14), organiser=organiser)
    future = create_event(title="Straks nog een")
    create_person(name="Inactief", active=False)
    delete_person(create_person(name="Weg"))
    db.session.commit()
    create_person(name="Bewoner", kind="resident", initiatives=[create_initiative()])
    invite(event, create_person(name="Staat Al Op De Lijst"), InvitationState.LISTED)
    twice = create_person(name="Twee Keer Nee")
    invite(past["january"], twice, NO)
    invite(past["march"], twice, NO)
    invite(future, twice, LISTED)  # not sent: does not count as an invitation
    came_back = create_person(name="Nee Nee Ja")
    invite(past["january"], came_back, NO)
    invite(past["march"], came_back, NO)
    invite(later, came_back, YES)
    once = create_person(name="Een Keer Nee")
    invite(past["march"], once, NO)
    names = {s.person.name for s in suggest_colleagues(event, 50)}
    assert names == {"Nee Nee Ja", "Een Keer Nee"}


def test_what_counts_as_having_taken_part(in_request, db, event, past, create_event, organiser, create_person, invite):
    cancelled = create_event(
        title="Afgelast", starts_at=local(2026, 2, 1, 14), organiser=organiser, status=EventStatus.CANCELLED
    )
    future = create_event(title="Komt nog")
    invite(past["march"], create_person(name="Ja Maar Niet Gekomen"), YES, attended=False)
    invite(past["march"], create_person(name="Geen Antwoord Wel Gekomen"), INVITED, attended=True)
    invite(future, create_person(name="Ja Voor Later"), YES)
    invite(cancelled, create_person(name="Ja Voor Afgelast"), YES)
    reasons = {s.person.name: s.reasons[0] for s in suggest_colleagues(event, 10)}
    assert reasons == {
        "Ja Maar Niet Gekomen": "nog nooit deelgenomen",
        "Geen Antwoord Wel Gekomen": "laatst deelgenomen op 3 maart 2026",
        "Ja Voor Later": "nog nooit deelgenomen",
        "Ja Voor Afgelast": "nog nooit deelgenomen",
    }


def test_a_fixed_number_of_queries_whatever_the_size(
    in_request, db, event, past, create_person, create_department, invite
):
    for _ in range(3):
        invite(past["march"], create_person(department="Vergunningen"), YES)
    event_id = event.id  # loaded before counting
    with recorded_statements(db) as statements:
        suggestions = suggest_colleagues(event, 10)
    small = len(statements)
    assert len(suggestions) == 3

    from organiser.extensions import utcnow
    from organiser.people.models import ContactRole, Person, PersonKind

    departments = [create_department(f"Afdeling {d}") for d in range(12)]
    people = [
        Person(
            name=f"Collega {n}",
            email=f"c{n}@gemeente.example",
            kind=PersonKind.STAFF,
            department=departments[n % 12],
            contact_role=ContactRole.OFFICE if n % 3 else ContactRole.FRONTLINE,
        )
        for n in range(300)
    ]
    db.session.add_all(people)
    db.session.flush()
    db.session.add_all(
        Invitation(event=past["january" if n % 2 else "march"], person=p, state=YES if n % 4 else NO, sent_at=utcnow())
        for n, p in enumerate(people[:150])
    )
    db.session.commit()
    assert event.id == event_id
    with recorded_statements(db) as statements:
        suggestions = suggest_colleagues(event, 40)
    large = len(statements)
    assert len(suggestions) == 40
    assert large == small <= 4


def test_suggestions_page_and_accepting_some(logged_in, db, event, past, create_person, invite):
    vera = create_person(name="Vera Nooit", department="Vergunningen")
    frank = create_person(name="Frank Nooit", department="Financiën")
    invite(past["march"], create_person(name="Bea Recent", department="Beleid"), YES)
    inactive = create_person(name="Inactief", active=False)
    page = logged_in.get(f"/events/{event.id}/guests/suggestions?aantal=3").get_data(as_text=True)
    assert "3 voorstellen, de beste eerst" in page
    assert "<li>laatst deelgenomen op 3 maart 2026</li>" in page
    assert "<li>afdeling Vergunningen nog niet vertegenwoordigd</li>" in page
    assert f'id="suggest-{vera.id}" checked' in page
    assert db.session.scalars(db.select(Invitation).where(Invitation.event_id == event.id)).all() == []

    response = logged_in.post(
        f"/events/{event.id}/guests/suggestions",
        {"aantal": "3", "person_ids": [str(vera.id), str(frank.id), str(inactive.id)]},
    )
    assert response.headers["Location"] == f"/events/{event.id}/guests"
    invitations = db.session.scalars(
        db.select(Invitation).where(Invitation.event_id == event.id).order_by(Invitation.person_id)
    ).all()
    assert [(i.person_id, i.state) for i in invitations] == [(vera.id, LISTED), (frank.id, LISTED)]
    reason = {i.person_id: i.reason for i in invitations}
    assert reason[vera.id] == "nog nooit deelgenomen, afdeling Vergunningen nog niet vertegenwoordigd, werkt op kantoor"
    page = logged_in.get(f"/events/{event.id}/guests").get_data(as_text=True)
    assert "2 voorgestelde collega&#39;s op de gastenlijst gezet." in page
    assert "Niet iedereen kon worden toegevoegd" in page  # the inactive person was never suggested
    assert "nog nooit deelgenomen, afdeling Financiën nog niet vertegenwoordigd, werkt op kantoor" in page


def test_accepting_none(logged_in, db, event, create_person):
    create_person()
    logged_in.post(f"/events/{event.id}/guests/suggestions", {"aantal": "5"})
    assert db.session.scalars(db.select(Invitation)).all() == []
    assert "Er is niemand toegevoegd." in logged_in.get(f"/events/{event.id}/guests").get_data(as_text=True)


def test_a_silly_number_falls_back_to_ten(logged_in, event, create_person):
    for _ in range(12):
        create_person()
    page = logged_in.get(f"/events/{event.id}/guests/suggestions?aantal=-3").get_data(as_text=True)
    assert "10 voorstellen, de beste eerst" in page and "Kies een aantal van 1 tot en met 100." in page


def test_a_list_without_a_frontline_colleague_is_pointed_to_them(logged_in, event, create_person, invite):
    """Office colleagues are suggested first, so ten suggestions can all be office ones while the page warns that no
    frontline colleague is on the list: then it links to the directory's frontline colleagues, which lists them."""
    for n in range(12):
        create_person(name=f"Kantoor {n}", department="Vergunningen")
    create_person(name="Wim Wijk", department="Wijkteams", role="frontline")
    url = f"/events/{event.id}/guests/suggestions"
    page = logged_in.get(url).get_data(as_text=True)
    assert "Er is nog geen collega met een contactrol (frontlinie) uitgenodigd." in page
    assert "Wim Wijk" not in page and "daarom staat hieronder niemand met een contactrol" in page
    link = f"/events/{event.id}/guests?zoeken=1&amp;rol=frontline#add-heading"
    assert f'<a href="{link}">Zoek een collega met een contactrol</a>' in page
    found = logged_in.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "Wim Wijk" in found and "Kantoor 1" not in found
    # Enough suggestions to reach the frontline colleague: no link.
    assert "Zoek een collega met een contactrol" not in logged_in.get(f"{url}?aantal=20").get_data(as_text=True)
    # A frontline colleague on the list: no warning, no link.
    invite(event, create_person(name="Fien Front", role="frontline"), InvitationState.LISTED)
    page = logged_in.get(url).get_data(as_text=True)
    assert "Zoek een collega met een contactrol" not in page and "nog geen collega met een contactrol" not in page
