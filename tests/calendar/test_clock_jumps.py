"""Calendars on the nights the clock jumps: every parser (Python's icalendar, vobject and ics; Thunderbird's ical.js;
node-ical) reads the instant the app stores, for every quarter of an hour around both changes, both occurrences of
the autumn hour that happens twice included, in feeds, downloads and invitation mail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from organiser.events.models import Stop
from tests.calendar.checks import check_ical, instants_every_parser, vevents


def quarters(first: datetime, last: datetime) -> list[datetime]:
    moments, moment = [], first
    while moment <= last:
        moments.append(moment)
        moment += timedelta(minutes=15)
    return moments


#: 23:00 Saturday to 05:00 Sunday Amsterdam time, around the start and the end of summer time 2027.
AROUND_SPRING = quarters(datetime(2027, 3, 27, 22, 0, tzinfo=UTC), datetime(2027, 3, 28, 3, 0, tzinfo=UTC))
AROUND_AUTUMN = quarters(datetime(2027, 10, 30, 21, 0, tzinfo=UTC), datetime(2027, 10, 31, 4, 0, tzinfo=UTC))


def test_every_parser_reads_the_stored_instants_around_both_changes(client, create_event):
    events = []
    for start in AROUND_SPRING + AROUND_AUTUMN:
        for minutes in (30, 60, 90):
            event = create_event(title=f"Om {start:%H%M}Z", starts_at=start, hours=minutes / 60)
            events.append(event)
    body = client.get("/calendar/public.ics").data
    check_ical(body)
    instants = instants_every_parser(body)
    expected = {f"event-{e.id}@organiser.test": (e.starts_at, e.ends_at) for e in events}
    assert instants == expected
    # Both 02:30s of 31 October are there, one hour apart, and every parser tells them apart.
    both = {instants[f"event-{e.id}@organiser.test"][0] for e in events if e.starts_at.day == 31}
    assert {datetime(2027, 10, 31, 0, 30, tzinfo=UTC), datetime(2027, 10, 31, 1, 30, tzinfo=UTC)} <= both


def test_times_that_happen_twice_are_written_in_utc_and_others_with_the_zone(client, create_event):
    first = create_event(title="Eerste", starts_at=datetime(2027, 10, 31, 0, 30, tzinfo=UTC), hours=1)
    second = create_event(title="Tweede", starts_at=datetime(2027, 10, 31, 1, 30, tzinfo=UTC), hours=1)
    plain = create_event(title="Gewoon", starts_at=datetime(2027, 10, 31, 13, 0, tzinfo=UTC), hours=1)
    body = client.get("/calendar/public.ics").data
    by_uid = vevents(body)
    first_text = by_uid[f"event-{first.id}@organiser.test"].to_ical().decode()
    assert "DTSTART:20271031T003000Z" in first_text and "DTEND:20271031T013000Z" in first_text
    second_text = by_uid[f"event-{second.id}@organiser.test"].to_ical().decode()
    assert "DTSTART:20271031T013000Z" in second_text
    plain_text = by_uid[f"event-{plain.id}@organiser.test"].to_ical().decode()
    assert "DTSTART;TZID=Europe/Amsterdam:20271031T140000" in plain_text


def test_one_event_download_and_route_in_the_repeated_hour(client, db, create_event):
    event = create_event(title="Nachtsafari", format="wijksafari", starts_at=datetime(2027, 10, 30, 23, 0, tzinfo=UTC))
    event.ends_at = datetime(2027, 10, 31, 3, 0, tzinfo=UTC)
    db.session.add_all(
        [
            Stop(
                event=event,
                position=1,
                name="Eerste ronde",
                address="Parkweg 12",
                starts_at=datetime(2027, 10, 31, 0, 30, tzinfo=UTC),
                ends_at=datetime(2027, 10, 31, 1, 0, tzinfo=UTC),
            ),
            Stop(
                event=event,
                position=2,
                name="Tweede ronde",
                address="Parkweg 14",
                starts_at=datetime(2027, 10, 31, 1, 30, tzinfo=UTC),
                ends_at=datetime(2027, 10, 31, 2, 0, tzinfo=UTC),
            ),
        ]
    )
    db.session.commit()
    body = client.get(f"/events/{event.id}.ics").data
    check_ical(body)
    assert instants_every_parser(body) == {f"event-{event.id}@organiser.test": (event.starts_at, event.ends_at)}
    description = str(next(iter(vevents(body).values()))["DESCRIPTION"])
    assert "02:30 (zomertijd)–02:00 (wintertijd) Eerste ronde" in description
    assert "02:30 (wintertijd)–03:00 Tweede ronde" in description
