"""The pure iCalendar functions, on events that never touch a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar, Timezone

import organiser.models  # noqa: F401  (every mapper configured: these events are built without an app)
from organiser.events.models import Event, EventStatus, Owner
from organiser.invitations import ical
from organiser.invitations.models import Invitation, InvitationState
from organiser.invitations.vtimezone import vtimezone
from organiser.people.models import Person
from organiser.places.models import Initiative
from tests.calendar.checks import check_ical, instants_all_parsers, vevents
from tests.conftest import local
from tests.factories import route

BASE = "https://organiser.example.nl"
TZ = "Europe/Amsterdam"
STAMP = datetime(2030, 5, 1, 9, 30, tzinfo=UTC)


def make_event(**fields) -> Event:
    values = dict(
        id=42,
        title="Wijksafari Oosterpark",
        format="wijksafari",
        description="Kennismaken met de moestuin.",
        starts_at=local(2030, 6, 15, 13, 0),
        ends_at=local(2030, 6, 15, 16, 0),
        location="Wijkcentrum De Boog, Vondelstraat 3",
        status=EventStatus.PUBLISHED,
        owner=Owner.MUNICIPALITY,
        capacity=20,
        sequence=3,
        created_at=STAMP - timedelta(days=10),
        updated_at=STAMP,
        published_at=STAMP,
    )
    values.update(fields)
    return Event(**values)


def with_route(event: Event) -> Event:
    moestuin = Initiative(name="Moestuin De Groene Vingers")
    repair = Initiative(name="Repair Café Oost")
    event.hosts = [moestuin, repair]
    event.stops = route(
        (local(2030, 6, 15, 13, 0), local(2030, 6, 15, 13, 30), "Wijkcentrum De Boog", "Vondelstraat 3", repair),
        (local(2030, 6, 15, 13, 45), local(2030, 6, 15, 14, 30), "De moestuin", "Parkweg 12", moestuin),
        (local(2030, 6, 15, 15, 40), local(2030, 6, 15, 16, 0), "Afsluiting", ""),
    )
    event.stops.reverse()  # given out of order on purpose: the description follows the route's positions
    return event


def one_event_feed(event: Event, **entry) -> bytes:
    return ical.feed_to_ical(
        [ical.FeedEntry(event, ical.event_page_url(event, BASE), **entry)], name="Agenda", base_url=BASE, tzid=TZ
    )


def test_uid_comes_from_the_id_and_the_host_of_base_url():
    assert ical.event_uid(42, "https://organiser.example.nl") == "event-42@organiser.example.nl"
    assert ical.event_uid(42, "http://127.0.0.1:5000") == "event-42@127.0.0.1"


def test_vtimezone_is_the_rrule_form_and_matches_zoneinfo_for_decades():
    text = vtimezone(TZ).to_ical().decode()
    assert "RDATE" not in text
    zone = Timezone.from_ical(text)
    summer, winter = zone.walk("DAYLIGHT")[0], zone.walk("STANDARD")[0]
    assert dict(summer["RRULE"]) == {"FREQ": ["YEARLY"], "BYMONTH": [3], "BYDAY": ["-1SU"]}
    assert dict(winter["RRULE"]) == {"FREQ": ["YEARLY"], "BYMONTH": [10], "BYDAY": ["-1SU"]}
    # The rule gives the same offsets as the tz database every day at noon and around the switches.
    rule_zone = zone.to_tz()
    amsterdam = ZoneInfo("Europe/Amsterdam")
    moment = datetime(2020, 1, 1, 0, 30, tzinfo=UTC)
    while moment.year < 2040:
        assert moment.astimezone(rule_zone).utcoffset() == moment.astimezone(amsterdam).utcoffset(), moment
        moment += timedelta(hours=5)


def test_vevent_has_the_properties_clients_need():
    event = with_route(make_event(latitude=52.3601, longitude=4.9224))
    vevent = ical.event_to_vevent(event, base_url=BASE, tzid=TZ, description_link=f"{BASE}/events/42")
    assert vevent["UID"] == "event-42@organiser.example.nl"
    assert vevent.decoded("DTSTAMP") == STAMP
    assert vevent.decoded("LAST-MODIFIED") == STAMP
    assert vevent["SEQUENCE"] == 3
    assert vevent["STATUS"] == "CONFIRMED"
    assert vevent["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    assert vevent.decoded("DTSTART") == local(2030, 6, 15, 13, 0)
    assert vevent["LOCATION"] == "Wijkcentrum De Boog, Vondelstraat 3"
    assert vevent["URL"] == f"{BASE}/events/42"
    assert "CLASS" not in vevent and "ORGANIZER" not in vevent and "ATTENDEE" not in vevent
    assert vevent.to_ical().decode().count("GEO:52.3601;4.9224") == 1
    description = str(vevent["DESCRIPTION"])
    assert description.startswith("Kennismaken met de moestuin.")
    assert "Wijksafari: Een wandeling of fietstocht" in description
    route = (
        "De route:\n"
        "13:00–13:30 Wijkcentrum De Boog, Vondelstraat 3 (Repair Café Oost)\n"
        "13:45–14:30 De moestuin, Parkweg 12 (Moestuin De Groene Vingers)\n"
        "15:40–16:00 Afsluiting\n"
    )
    assert route in description
    assert "Gastheer/-vrouw: Moestuin De Groene Vingers, Repair Café Oost" in description
    assert "Wiens plan: de gemeente nodigt bewoners uit" in description
    assert description.endswith(f"Meer informatie: {BASE}/events/42")


def test_residents_own_the_plan():
    vevent = ical.event_to_vevent(make_event(owner=Owner.RESIDENTS), base_url=BASE, tzid=TZ, description_link=None)
    assert "Wiens plan: bewoners nodigen de gemeente uit" in str(vevent["DESCRIPTION"])
    assert "URL" not in vevent and "Meer informatie" not in str(vevent["DESCRIPTION"])


def test_cancelled_stays_cancelled_whatever_the_override():
    event = make_event(status=EventStatus.CANCELLED, sequence=4)
    vevent = ical.event_to_vevent(event, base_url=BASE, tzid=TZ, description_link=None, status_override="CONFIRMED")
    assert vevent["STATUS"] == "CANCELLED"
    assert vevent["SEQUENCE"] == 4
    assert vevent["SUMMARY"] == "Afgelast: Wijksafari Oosterpark"
    assert str(vevent["DESCRIPTION"]).startswith("Deze bijeenkomst is afgelast.")


def test_private_entry_is_private_and_tentative_until_yes():
    event = make_event()
    later = STAMP + timedelta(hours=2)
    vevent = ical.event_to_vevent(
        event,
        base_url=BASE,
        tzid=TZ,
        description_link=None,
        status_override="TENTATIVE",
        private=True,
        changed_at=later,
    )
    assert vevent["CLASS"] == "PRIVATE"
    assert vevent["STATUS"] == "TENTATIVE"
    assert vevent["TRANSP"] == "TRANSPARENT"
    assert vevent["X-MICROSOFT-CDO-BUSYSTATUS"] == "TENTATIVE"
    assert vevent.decoded("DTSTAMP") == later  # the answer changed after the event did
    confirmed = ical.event_to_vevent(
        event, base_url=BASE, tzid=TZ, description_link=None, status_override="CONFIRMED", private=True
    )
    assert confirmed["TRANSP"] == "OPAQUE" and confirmed["X-MICROSOFT-CDO-BUSYSTATUS"] == "BUSY"


def test_feed_has_calendar_properties_first_and_no_itip():
    body = one_event_feed(make_event())
    calendar = check_ical(body)
    text = body.decode()
    head, first_component = text.split("BEGIN:VTIMEZONE", 1)
    for line in (
        "VERSION:2.0",
        f"PRODID:{ical.PRODID}",
        "NAME:Agenda",
        "X-WR-CALNAME:Agenda",
        "X-WR-TIMEZONE:Europe/Amsterdam",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ):
        assert f"\r\n{line}\r\n" in head, line
    assert text.endswith("END:VEVENT\r\nEND:VCALENDAR\r\n")  # nothing at calendar level after the components
    for forbidden in ("METHOD", "ORGANIZER", "ATTENDEE"):
        assert f"\r\n{forbidden}" not in text
    assert len(f"PRODID:{ical.PRODID}".encode()) < 75
    assert len(calendar.walk("VEVENT")) == 1


def test_unchanged_data_gives_byte_identical_output():
    assert one_event_feed(make_event()) == one_event_feed(make_event())
    assert one_event_feed(make_event()) != one_event_feed(make_event(updated_at=STAMP + timedelta(seconds=1)))


def test_one_uid_once_per_feed():
    event = make_event()
    body = ical.feed_to_ical(
        [ical.FeedEntry(event, None), ical.FeedEntry(event, None)], name="Agenda", base_url=BASE, tzid=TZ
    )
    assert body.count(b"UID:event-42@organiser.example.nl") == 1


def test_long_multibyte_text_is_folded_without_splitting_characters():
    event = make_event(
        title="Één café-ontmoeting " * 12, description="ëéèêü€ — “citaat” " * 40, location="Plein ☕ " * 20
    )
    body = one_event_feed(event)
    check_ical(body)
    assert vevents(body)["event-42@organiser.example.nl"]["SUMMARY"] == event.title


@pytest.mark.parametrize(
    ("start", "utc_start"),
    [
        (local(2030, 6, 15, 13, 0), datetime(2030, 6, 15, 11, 0, tzinfo=UTC)),  # summer time
        (local(2030, 12, 7, 14, 0), datetime(2030, 12, 7, 13, 0, tzinfo=UTC)),  # winter time
        (local(2030, 3, 31, 13, 0), datetime(2030, 3, 31, 11, 0, tzinfo=UTC)),  # the day summer time starts
        (local(2030, 10, 27, 14, 0), datetime(2030, 10, 27, 13, 0, tzinfo=UTC)),  # the day it ends
    ],
)
def test_independent_parsers_agree_on_the_utc_instant(start, utc_start):
    body = one_event_feed(make_event(starts_at=start, ends_at=start + timedelta(hours=2)))
    check_ical(body)
    assert instants_all_parsers(body)["event-42@organiser.example.nl"] == (utc_start, utc_start + timedelta(hours=2))


def invitation(state=InvitationState.INVITED, **event_fields) -> Invitation:
    person = Person(id=7, name='Pieter "Piet" Vergunning, Vergunningen', email="pieter@gemeente.example")
    return Invitation(id=9, event=make_event(**event_fields), person=person, state=state)


def organiser_args(method, **extra):
    return dict(
        method=method,
        base_url=BASE,
        tzid=TZ,
        organiser_name="Olga Organisator",
        organiser_email="olga@gemeente.example",
        **extra,
    )


def test_invitation_request():
    text = ical.invitation_to_ical(invitation(), **organiser_args("REQUEST"))
    assert isinstance(text, str)
    calendar = check_ical(text.encode())
    assert calendar["METHOD"] == "REQUEST"
    assert "X-WR-CALNAME" not in calendar and "NAME" not in calendar and "REFRESH-INTERVAL" not in calendar
    (vevent,) = calendar.walk("VEVENT")
    assert vevent["UID"] == "event-42@organiser.example.nl"
    assert vevent["SEQUENCE"] == 3
    assert vevent["ORGANIZER"] == "mailto:olga@gemeente.example"
    assert vevent["ORGANIZER"].params["CN"] == "Olga Organisator"
    attendee = vevent["ATTENDEE"]
    assert attendee == "mailto:pieter@gemeente.example"
    assert attendee.params["CN"] == "Pieter 'Piet' Vergunning, Vergunningen"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert attendee.params["RSVP"] == "TRUE"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert vevent["STATUS"] == "CONFIRMED"
    # Delegates and colleagues may read the entry: it links to the public event page, never to the personal link.
    assert "/rsvp/" not in text
    assert vevent["URL"] == f"{BASE}/events/42"
    instants_all_parsers(text.encode())


def test_invitation_is_stamped_when_made_and_carries_the_invitees_sequence():
    made = datetime(2030, 1, 2, 9, 30, 5, tzinfo=UTC)
    text = ical.invitation_to_ical(
        invitation(), **organiser_args("REQUEST", sequence=7, stamp=made, rsvp=False, status_lines=["Op de wachtlijst"])
    )
    (vevent,) = check_ical(text.encode()).walk("VEVENT")
    assert vevent["SEQUENCE"] == 7
    assert vevent["DTSTAMP"].dt == made
    assert vevent["ATTENDEE"].params["RSVP"] == "FALSE"  # nobody reads replies: do not ask for one
    assert "Op de wachtlijst" in str(vevent["DESCRIPTION"])


def test_organizer_and_attendee_are_bare_addresses_whatever_the_sender_setting():
    args = organiser_args("REQUEST")
    args["organiser_email"] = "Gemeente Voorbeeld <organiser@gemeente.example>"
    (vevent,) = check_ical(ical.invitation_to_ical(invitation(), **args).encode()).walk("VEVENT")
    assert vevent["ORGANIZER"] == "mailto:organiser@gemeente.example"


@pytest.mark.parametrize(
    ("state", "partstat"),
    [
        (InvitationState.YES, "ACCEPTED"),
        (InvitationState.MAYBE, "TENTATIVE"),
        (InvitationState.NO, "DECLINED"),
        (InvitationState.WAITING, "TENTATIVE"),
        (InvitationState.LISTED, "NEEDS-ACTION"),
    ],
)
def test_invitation_partstat_follows_the_answer(state, partstat):
    calendar = Calendar.from_ical(ical.invitation_to_ical(invitation(state), **organiser_args("REQUEST")))
    assert calendar.walk("VEVENT")[0]["ATTENDEE"].params["PARTSTAT"] == partstat


def test_invitation_cancel():
    text = ical.invitation_to_ical(
        invitation(InvitationState.YES, status=EventStatus.CANCELLED, sequence=4), **organiser_args("CANCEL")
    )
    calendar = check_ical(text.encode())
    assert calendar["METHOD"] == "CANCEL"
    (vevent,) = calendar.walk("VEVENT")
    assert vevent["UID"] == "event-42@organiser.example.nl"
    assert vevent["STATUS"] == "CANCELLED"
    assert vevent["SEQUENCE"] == 4
    assert vevent["ORGANIZER"] == "mailto:olga@gemeente.example"
    assert vevent["ATTENDEE"] == "mailto:pieter@gemeente.example"
    assert "RSVP" not in vevent["ATTENDEE"].params  # nothing to answer to a cancellation
    assert "/rsvp/" not in text


def test_invitation_refuses_other_methods():
    with pytest.raises(ValueError, match="PUBLISH"):
        ical.invitation_to_ical(invitation(), **organiser_args("PUBLISH"))


def test_feed_name_is_escaped_text():
    body = ical.feed_to_ical(
        [], name="Wijksafari, Oosterpark; centrum", base_url=BASE, tzid=TZ, description="Alles, echt"
    )
    check_ical(body)
    assert b"\r\nNAME:Wijksafari\\, Oosterpark\\; centrum\r\n" in body
    # icalendar 7.3 hands NAME and X- properties back unescaped; vobject reads them as text.
    contents = vobject.readOne(body.decode()).contents
    assert contents["name"][0].value == contents["x-wr-calname"][0].value == "Wijksafari, Oosterpark; centrum"
    assert contents["x-wr-caldesc"][0].value == "Alles, echt"
