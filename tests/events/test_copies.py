"""Copying an event to a new date (issue 17): texts, route, hosts and settings come along, times move by wall-clock
time across the change to summer time, and the guest list only when asked (new, unsent invitations)."""

from __future__ import annotations

from datetime import UTC, datetime

from organiser.auth.models import TrailEntry
from organiser.events.models import Event, EventStatus
from organiser.invitations.models import Invitation, InvitationState
from organiser.mail.models import OutboxMessage
from tests.conftest import Client, local
from tests.factories import route


def _events(db):
    db.session.expire_all()
    return list(db.session.scalars(db.select(Event).order_by(Event.id)))


def test_a_wijksafari_is_copied_with_its_route_moving_into_summer_time(
    db, logged_in, organiser, create_event, create_initiative, create_neighbourhood, create_organiser
):
    oost = create_neighbourhood("Oost")
    tuin = create_initiative("Moestuin De Groene Vingers", neighbourhood=oost)
    bakker = create_initiative("Buurtbakkerij", neighbourhood=oost)
    colleague = create_organiser(email="co@example.org", name="Co Collega")
    # Winter time: 13:30 in Amsterdam is 12:30 UTC.
    source = create_event(
        title="Wijksafari Oost",
        format="wijksafari",
        starts_at=local(2027, 3, 6, 13, 30),
        hours=3,
        organiser=organiser,
        description="Langs de moestuin en de bakker.",
        capacity=25,
        max_plus_ones=1,
        min_office_share=60,
        rsvp_deadline=local(2027, 3, 1, 12, 0),
        stops=route(
            (local(2027, 3, 6, 13, 30), local(2027, 3, 6, 14, 15), "De moestuin", "Parkweg 12", tuin),
            (local(2027, 3, 6, 14, 30), local(2027, 3, 6, 15, 15), "De bakker", "Dorpsstraat 3", bakker),
        ),
    )
    source.hosts = [tuin]
    source.co_organisers = [colleague]
    db.session.commit()

    page = logged_in.get(f"/events/{source.id}/copy").get_data(as_text=True)
    assert "Wijksafari Oost kopiëren" in page
    assert 'value="2027-04-06T13:30"' in page  # a month on, at the same time

    response = logged_in.post(f"/events/{source.id}/copy", {"starts_at": "2027-04-10T13:30"})
    assert response.status_code == 302
    copy = _events(db)[-1]
    assert response.headers["Location"] == f"/events/{copy.id}"
    assert copy.id != source.id and copy.uid != source.uid
    assert copy.status == EventStatus.DRAFT and copy.published_at is None
    assert (copy.title, copy.format, copy.description) == (
        "Wijksafari Oost",
        "wijksafari",
        "Langs de moestuin en de bakker.",
    )
    assert (copy.capacity, copy.max_plus_ones, copy.min_office_share, copy.seats_taken) == (25, 1, 60, 0)
    assert copy.organiser_id == organiser.id and [c.name for c in copy.co_organisers] == ["Co Collega"]
    assert [h.name for h in copy.hosts] == ["Moestuin De Groene Vingers"]
    # Summer time: 13:30 in Amsterdam is now 11:30 UTC; the stops keep their wall-clock times.
    assert copy.starts_at == datetime(2027, 4, 10, 11, 30, tzinfo=UTC)
    assert copy.ends_at == datetime(2027, 4, 10, 14, 30, tzinfo=UTC)
    assert [(s.position, s.name, s.address, s.initiative_id) for s in copy.stops] == [
        (1, "De moestuin", "Parkweg 12", tuin.id),
        (2, "De bakker", "Dorpsstraat 3", bakker.id),
    ]
    assert [s.starts_at for s in copy.stops] == [local(2027, 4, 10, 13, 30), local(2027, 4, 10, 14, 30)]
    assert copy.stops[1].ends_at == local(2027, 4, 10, 15, 15)
    assert copy.rsvp_deadline == local(2027, 4, 5, 12, 0)  # as long before the start as it was
    # The source is unchanged.
    assert len(_events(db)[0].stops) == 2 and _events(db)[0].starts_at == local(2027, 3, 6, 13, 30)
    assert db.session.scalar(db.select(TrailEntry).where(TrailEntry.action == "event_copied"))

    detail = logged_in.get(f"/events/{copy.id}").get_data(as_text=True)
    assert "zaterdag 10 april 2027, 13:30–16:30" in detail
    assert "13:30" in logged_in.get(f"/events/{copy.id}/stops").get_data(as_text=True)


def test_the_guest_list_comes_along_without_who_declined_and_nothing_is_sent(
    db, logged_in, organiser, create_event, invite, create_person
):
    source = create_event(title="Bruiscafé", organiser=organiser, capacity=5)
    invite(source, "Anna Ja", "yes", plus_ones=0, reason="Nieuw bij de gemeente")
    invite(source, "Bert Nee", "no")
    invite(source, "Carla Misschien", "maybe")
    invite(source, "Dirk Lijst", "listed")
    gone = create_person("Eva Weg")
    invite(source, gone, "invited")
    gone.active = False
    db.session.commit()
    mails_before = db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage))

    response = logged_in.post(f"/events/{source.id}/copy", {"starts_at": "2030-02-05T16:00", "with_guests": "y"})
    assert response.status_code == 302
    copy = _events(db)[-1]
    rows = db.session.scalars(db.select(Invitation).where(Invitation.event_id == copy.id)).all()
    assert sorted(i.person.name for i in rows) == ["Anna Ja", "Carla Misschien", "Dirk Lijst"]
    assert {i.state for i in rows} == {InvitationState.LISTED}
    assert all(i.sent_at is None and i.token_hash is None for i in rows)
    assert next(i.reason for i in rows if i.person.name == "Anna Ja") == "Nieuw bij de gemeente"
    assert copy.seats_taken == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == mails_before
    page = logged_in.get(f"/events/{copy.id}/guests").get_data(as_text=True)
    assert "Anna Ja" in page and "Bert Nee" not in page

    # Without the box ticked: no guests.
    logged_in.post(f"/events/{source.id}/copy", {"starts_at": "2030-03-05T16:00"})
    bare = _events(db)[-1]
    assert db.session.scalar(db.select(db.func.count()).where(Invitation.event_id == bare.id)) == 0


def test_a_copy_must_be_in_the_future_and_at_a_time_that_exists(db, logged_in, organiser, create_event):
    source = create_event(title="Bruiscafé", organiser=organiser)
    response = logged_in.post(f"/events/{source.id}/copy", {"starts_at": "2020-01-01T16:00"})
    assert response.status_code == 400
    assert "De nieuwe datum moet in de toekomst liggen." in response.get_data(as_text=True)
    response = logged_in.post(f"/events/{source.id}/copy", {"starts_at": "2027-03-28T02:30"})
    assert response.status_code == 400
    assert "Op 28 maart 2027 bestaat 02:30 niet" in response.get_data(as_text=True)
    response = logged_in.post(f"/events/{source.id}/copy", {"starts_at": "morgen"})
    assert response.status_code == 400
    assert "Dit is geen datum met tijd. Schrijf bijvoorbeeld 28-03-2027 14:30." in response.get_data(as_text=True)
    assert len(_events(db)) == 1


def test_a_cancelled_event_can_be_copied_as_a_new_draft(db, logged_in, organiser, create_event):
    source = create_event(title="Afgelast café", organiser=organiser, status=EventStatus.CANCELLED)
    assert logged_in.post(f"/events/{source.id}/copy", {"starts_at": "2030-02-05T16:00"}).status_code == 302
    copy = _events(db)[-1]
    assert copy.status == EventStatus.DRAFT and copy.cancelled_at is None and copy.sequence == 0


def test_only_who_may_change_the_event_may_copy_it(app, db, organiser, create_organiser, create_event):
    anna = create_organiser(email="anna@example.org", name="Anna A")
    source = create_event(title="Bruiscafé van Anna", organiser=anna)  # published: Olga may see it
    olga = Client(app.test_client())
    olga.login("organiser@example.org")
    assert olga.get(f"/events/{source.id}/copy").status_code == 404
    assert olga.post(f"/events/{source.id}/copy", {"starts_at": "2030-02-05T16:00"}).status_code == 404
    assert "Kopiëren naar een nieuwe datum" not in olga.get(f"/events/{source.id}").get_data(as_text=True)
    anonymous = Client(app.test_client())
    assert anonymous.post(f"/events/{source.id}/copy", {"starts_at": "2030-02-05T16:00"}).status_code == 302
    assert len(_events(db)) == 1
