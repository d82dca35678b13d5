"""Wall-clock times on the nights the clock jumps (Europe/Amsterdam): refused when they do not exist, one instant
when they happen twice, in the forms, on the pages and in mail (the calendars: tests/calendar/test_clock_jumps.py).

Summer time starts on Sunday 28 March 2027 (02:00 → 03:00) and ends on Sunday 31 October 2027 (03:00 → 02:00).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from organiser.events.models import Event, EventStatus, Stop
from organiser.invitations.models import Invitation
from organiser.mail.deferred import rendered
from organiser.mail.models import OutboxMessage
from organiser.people.models import ContactRole, Person, PersonKind
from tests.conftest import local
from tests.events.test_events import event_form

GAP_MESSAGE = "Op 28 maart 2027 bestaat {} niet: die nacht gaat de klok van 02:00 naar 03:00 (zomertijd)."
GAP_MINUTES = [f"02:{minute:02d}" for minute in range(60)]


def night_form(start: str, end: str, day: str = "2027-03-28", **overrides):
    fields = {
        "format": "bruiscafe",
        "starts_at": f"{day}T{start}" if "T" not in start else start,
        "ends_at": f"{day}T{end}" if "T" not in end else end,
        "rsvp_deadline": "",
    }
    return event_form(**{**fields, **overrides})


def test_every_minute_of_the_spring_gap_is_refused_as_start(logged_in, db):
    for clock_time in GAP_MINUTES:
        response = logged_in.post("/events/new/bruiscafe", night_form(clock_time, "04:00"))
        assert response.status_code == 200, clock_time
        assert GAP_MESSAGE.format(clock_time) in response.get_data(as_text=True), clock_time
    assert db.session.scalar(db.select(Event)) is None


def test_an_end_in_the_spring_gap_is_refused_not_shifted(logged_in, db):
    # Was saved as 23:00–03:30 without a word.
    page = logged_in.post("/events/new/bruiscafe", night_form("2027-03-27T23:00", "2027-03-28T02:30")).get_data(
        as_text=True
    )
    assert GAP_MESSAGE.format("02:30") in page
    # Was a 500: 02:30 read as 03:30 summer time, after the end at 03:15.
    response = logged_in.post("/events/new/bruiscafe", night_form("02:30", "03:15"))
    assert response.status_code == 200
    assert GAP_MESSAGE.format("02:30") in response.get_data(as_text=True)
    for clock_time in GAP_MINUTES:
        response = logged_in.post("/events/new/bruiscafe", night_form("2027-03-27T23:00", f"2027-03-28T{clock_time}"))
        assert GAP_MESSAGE.format(clock_time) in response.get_data(as_text=True), clock_time
    assert db.session.scalar(db.select(Event)) is None


def test_a_deadline_in_the_spring_gap_is_refused(logged_in, db):
    page = logged_in.post(
        "/events/new/bruiscafe",
        night_form("14:00", "16:00", rsvp_deadline="2027-03-28T02:15"),
    ).get_data(as_text=True)
    assert GAP_MESSAGE.format("02:15") in page
    assert db.session.scalar(db.select(Event)) is None


def test_the_edges_of_the_spring_gap_are_real_times(logged_in, db):
    response = logged_in.post("/events/new/bruiscafe", night_form("01:59", "03:00"))
    assert response.status_code == 302
    event = db.session.scalar(db.select(Event))
    # 01:59 winter time and 03:00 summer time: one minute apart.
    assert event.starts_at == datetime(2027, 3, 28, 0, 59, tzinfo=UTC)
    assert event.ends_at == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)


def test_editing_into_the_spring_gap_is_refused_and_changes_nothing(logged_in, db):
    logged_in.post("/events/new/bruiscafe", night_form("2027-03-27T20:00", "2027-03-27T23:00"))
    event = db.session.scalar(db.select(Event))
    before = (event.starts_at, event.ends_at, event.sequence)
    for start, end in (("02:30", "03:15"), ("01:00", "02:45"), ("02:00", "05:00")):
        response = logged_in.post(f"/events/{event.id}/edit", night_form(start, end))
        assert response.status_code == 200, (start, end)
        assert "bestaat" in response.get_data(as_text=True) and "niet: die nacht gaat de klok" in response.get_data(
            as_text=True
        )
    db.session.refresh(event)
    assert (event.starts_at, event.ends_at, event.sequence) == before


@pytest.fixture
def night_safari(logged_in, db):
    """A wijksafari on Saturday night 27 March 2027, 01:00–04:00, with a stop at 02:15–02:45."""
    logged_in.post(
        "/events/new/wijksafari",
        event_form(starts_at="2027-03-27T01:00", ends_at="2027-03-27T04:00", rsvp_deadline=""),
    )
    event = db.session.scalar(db.select(Event))
    response = logged_in.post(
        f"/events/{event.id}/stops",
        {
            "name": "Nachtwacht",
            "address": "Parkweg 12",
            "starts_at": "2027-03-27T02:15",
            "ends_at": "2027-03-27T02:45",
            "initiative_id": "0",
        },
    )
    assert response.status_code == 302
    return event


def test_stops_in_the_spring_gap_are_refused(logged_in, db, night_safari):
    event = night_safari
    logged_in.post(
        f"/events/{event.id}/edit",
        event_form(starts_at="2027-03-28T01:00", ends_at="2027-03-28T05:00", rsvp_deadline=""),
    )
    # (That move is refused: the stop would land in the gap, see below.) A stop typed into the gap is refused too.
    logged_in.post(
        "/events/new/wijksafari",
        event_form(starts_at="2027-03-28T01:00", ends_at="2027-03-28T05:00", rsvp_deadline="", title="Nacht 2"),
    )
    second = db.session.scalar(db.select(Event).where(Event.title == "Nacht 2"))
    for clock_time in GAP_MINUTES[::7] + ["02:59"]:
        page = logged_in.post(
            f"/events/{second.id}/stops",
            {
                "name": "Te vroeg",
                "address": "x",
                "starts_at": f"2027-03-28T{clock_time}",
                "ends_at": "2027-03-28T03:30",
                "initiative_id": "0",
            },
        ).get_data(as_text=True)
        assert GAP_MESSAGE.format(clock_time) in page, clock_time
    stop = db.session.scalar(db.select(Stop).where(Stop.event_id == event.id))
    page = logged_in.post(
        f"/events/{event.id}/stops/{stop.id}/edit",
        {
            "name": "Nachtwacht",
            "address": "Parkweg 12",
            "starts_at": "2027-03-27T02:15",
            "ends_at": "2027-03-28T02:40",
            "initiative_id": "0",
        },
    ).get_data(as_text=True)
    assert GAP_MESSAGE.format("02:40") in page
    assert db.session.scalar(db.select(Stop).where(Stop.event_id == second.id)) is None


def test_a_new_start_that_moves_a_stop_into_the_spring_gap_is_refused(logged_in, db, night_safari):
    event = night_safari
    stop = event.stops[0]
    before = (event.starts_at, stop.starts_at, stop.ends_at)
    response = logged_in.post(
        f"/events/{event.id}/edit",
        event_form(starts_at="2027-03-28T01:00", ends_at="2027-03-28T05:00", rsvp_deadline=""),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "De route schuift mee: halte 1 (Nachtwacht) komt dan op een tijd die niet bestaat." in page
    assert GAP_MESSAGE.format("02:15") in page
    db.session.refresh(event)
    db.session.refresh(stop)
    assert (event.starts_at, stop.starts_at, stop.ends_at) == before


def test_the_route_keeps_its_wall_clock_times_across_the_change_to_summer_time(logged_in, db):
    logged_in.post(
        "/events/new/wijksafari",
        event_form(starts_at="2027-03-20T13:00", ends_at="2027-03-20T16:00", rsvp_deadline=""),
    )
    event = db.session.scalar(db.select(Event))
    logged_in.post(
        f"/events/{event.id}/stops",
        {
            "name": "Moestuin",
            "address": "Parkweg 12",
            "starts_at": "2027-03-20T14:30",
            "ends_at": "2027-03-20T15:15",
            "initiative_id": "0",
        },
    )
    # A week later (summer time now): the stop stays at 14:30–15:15 Amsterdam time, not 15:30.
    response = logged_in.post(
        f"/events/{event.id}/edit",
        event_form(starts_at="2027-03-27T13:00", ends_at="2027-03-27T16:00", rsvp_deadline=""),
    )
    assert response.status_code == 302
    response = logged_in.post(
        f"/events/{event.id}/edit",
        event_form(starts_at="2027-04-03T13:00", ends_at="2027-04-03T16:00", rsvp_deadline=""),
    )
    assert response.status_code == 302
    stop = db.session.scalar(db.select(Stop))
    assert stop.starts_at == local(2027, 4, 3, 14, 30) and stop.ends_at == local(2027, 4, 3, 15, 15)
    page = logged_in.get(f"/events/{event.id}").get_data(as_text=True)
    assert "14:30" in page and "15:15" in page


# The autumn hour that happens twice: the first occurrence (summer time), said on every page and in every mail.

FIRST_0230 = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 02:30 summer time (CEST)
SECOND_0230 = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 02:30 winter time (CET)


def test_a_time_that_happens_twice_means_the_first_and_says_so(logged_in, db):
    response = logged_in.post("/events/new/bruiscafe", night_form("02:30", "03:30", day="2027-10-31"))
    assert response.status_code == 302
    event = db.session.scalar(db.select(Event))
    assert event.starts_at == FIRST_0230
    assert event.ends_at == datetime(2027, 10, 31, 2, 30, tzinfo=UTC)  # 03:30 happens once: winter time
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Let op: 02:30 komt op 31 oktober 2027 twee keer voor" in page
    assert "Wij gaan uit van de eerste keer (nog zomertijd)" in page
    assert "zondag 31 oktober 2027, 02:30 (zomertijd)–03:30" in page


@pytest.mark.parametrize("minute", [0, 1, 29, 59])
def test_every_minute_of_the_repeated_hour_is_its_first_occurrence(logged_in, db, minute):
    response = logged_in.post("/events/new/bruiscafe", night_form(f"02:{minute:02d}", "04:00", day="2027-10-31"))
    assert response.status_code == 302
    event = db.session.scalar(db.select(Event))
    assert event.starts_at == datetime(2027, 10, 31, 0, minute, tzinfo=UTC)
    assert event.ends_at - event.starts_at == timedelta(hours=3, minutes=-minute)


def test_the_second_occurrence_stays_when_the_form_is_saved_unchanged(logged_in, db, organiser):
    """An event stored at 02:30 winter time (by an import, or before this rule) is not moved an hour by an edit
    that leaves its times alone; the pages say which 02:30 it is."""
    logged_in.post("/events/new/bruiscafe", night_form("01:00", "02:00", day="2027-10-31"))
    event = db.session.scalar(db.select(Event))
    event.starts_at, event.ends_at = SECOND_0230, SECOND_0230 + timedelta(hours=1)
    db.session.commit()
    form_page = logged_in.get(f"/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="2027-10-31T02:30"' in form_page
    response = logged_in.post(
        f"/events/{event.id}/edit", night_form("02:30", "03:30", day="2027-10-31", title="Nieuwe titel")
    )
    assert response.status_code == 302
    db.session.refresh(event)
    assert event.title == "Nieuwe titel"
    assert event.starts_at == SECOND_0230 and event.sequence == 0
    page = logged_in.get(f"/events/{event.id}").get_data(as_text=True)
    assert "02:30 (wintertijd)" in page


def test_stops_in_the_repeated_hour(logged_in, db):
    logged_in.post(
        "/events/new/wijksafari",
        event_form(starts_at="2027-10-31T01:00", ends_at="2027-10-31T04:00", rsvp_deadline=""),
    )
    event = db.session.scalar(db.select(Event))
    response = logged_in.post(
        f"/events/{event.id}/stops",
        {
            "name": "Nachtwacht",
            "address": "Parkweg 12",
            "starts_at": "2027-10-31T02:15",
            "ends_at": "2027-10-31T02:45",
            "initiative_id": "0",
        },
    )
    assert response.status_code == 302
    stop = db.session.scalar(db.select(Stop))
    assert stop.starts_at == datetime(2027, 10, 31, 0, 15, tzinfo=UTC)
    page = logged_in.get(f"/events/{event.id}/stops").get_data(as_text=True)
    assert "Let op: 02:15 komt op 31 oktober 2027 twee keer voor" in page
    assert "02:15 (zomertijd)" in page


def test_the_invitation_mail_says_which_of_the_two(logged_in, db, organiser):
    logged_in.post("/events/new/bruiscafe", night_form("02:30", "03:30", day="2027-10-31"))
    event = db.session.scalar(db.select(Event))
    event.status, event.published_at = EventStatus.PUBLISHED, event.created_at
    person = Person(
        name="Pieter Vergunning",
        email="pieter@gemeente.example",
        kind=PersonKind.STAFF,
        contact_role=ContactRole.OFFICE,
    )
    invitation = Invitation(event=event, person=person)
    db.session.add(invitation)
    db.session.commit()
    response = logged_in.post(f"/events/{event.id}/send", {"invitation": str(invitation.id)})
    assert response.status_code == 302
    mail = rendered(db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.kind == "invitation")))
    assert "zondag 31 oktober 2027, 02:30 (zomertijd)–03:30" in mail.text_body
    assert "02:30 (zomertijd)" in mail.html_body
    # The calendar part says the same instant in UTC (every parser agrees: tests/calendar/test_clock_jumps.py).
    assert "DTSTART:20271031T003000Z" in mail.ics


def test_the_reach_tables_say_which_of_the_two(app):
    from organiser.reach.first_timers import ShortDates

    with app.test_request_context():
        dates = ShortDates()
        assert dates.short(FIRST_0230) == "31 okt 2027, 02:30 (zomertijd)"
        assert dates.short(SECOND_0230) == "31 okt 2027, 02:30 (wintertijd)"
        assert dates.short(datetime(2027, 10, 31, 13, 0, tzinfo=UTC)) == "31 okt 2027, 14:00"
