"""The VTIMEZONE for the TIMEZONE setting: the RRULE form for any zone, and the same instants as the tz database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Timezone

from organiser.invitations.vtimezone import observances, vtimezone
from tests.calendar.checks import check_ical, instants_all_parsers, vevents

UID = "event-{}@organiser.test"


def test_amsterdam_is_one_summer_and_one_winter_rule():
    """The form CALENDAR.md asks for: DAYLIGHT last Sunday of March, STANDARD last Sunday of October."""
    zone = Timezone.from_ical(vtimezone("Europe/Amsterdam").to_ical())
    (summer,), (winter,) = zone.walk("DAYLIGHT"), zone.walk("STANDARD")
    assert dict(summer["RRULE"]) == {"FREQ": ["YEARLY"], "BYMONTH": [3], "BYDAY": ["-1SU"]}
    assert dict(winter["RRULE"]) == {"FREQ": ["YEARLY"], "BYMONTH": [10], "BYDAY": ["-1SU"]}
    assert (summer["TZNAME"], winter["TZNAME"]) == ("CEST", "CET")
    assert summer.decoded("DTSTART") == datetime(1999, 3, 28, 2, 0)  # before the first date an event may have


def test_a_rule_that_changed_ends_with_until():
    """New York moved its summer time in 2007: two rules of each kind, the old ones ending in 2006."""
    rules = [(o.daylight, o.month, o.byday, o.until) for o in observances("America/New_York")]
    assert rules == [
        (True, 4, "1SU", datetime(2006, 4, 2, 7, 0, tzinfo=UTC)),
        (False, 10, "-1SU", datetime(2006, 10, 29, 6, 0, tzinfo=UTC)),
        (True, 3, "2SU", None),
        (False, 11, "1SU", None),
    ]


@pytest.mark.parametrize(
    "tzid",
    [
        "Europe/Amsterdam",
        "America/New_York",  # rule change in 2007
        "Australia/Sydney",  # summer time over the new year
        "Europe/Dublin",  # winter time is the "daylight" offset in the tz database (negative DST)
        "Asia/Tokyo",  # no summer time
        "America/Sao_Paulo",  # summer time abolished in 2019
        "Asia/Jerusalem",  # "the Friday before the last Sunday": no nth-weekday rule, single onsets instead
        "Africa/Casablanca",  # Ramadan breaks
        "Asia/Kolkata",  # half-hour offset
    ],
)
def test_every_zone_comes_out_as_rules_with_the_tz_database_instants(tzid):
    text = vtimezone(tzid).to_ical().decode()
    assert "RDATE" not in text
    rules = Timezone.from_ical(text).to_tz()
    zone = ZoneInfo(tzid)
    moments = [datetime(2000, 1, 1, 0, 30, tzinfo=UTC) + timedelta(hours=29 * k) for k in range(0, 18000)]
    for observance in observances(tzid):
        onset = (observance.start - observance.offset_from).replace(tzinfo=UTC)
        moments += [onset - timedelta(minutes=1), onset, onset + timedelta(minutes=1)]
    for moment in moments:
        if datetime(2000, 1, 1, tzinfo=UTC) <= moment < datetime(2060, 1, 1, tzinfo=UTC):
            assert moment.astimezone(rules).utcoffset() == moment.astimezone(zone).utcoffset(), moment


def test_feeds_and_downloads_use_the_timezone_setting(app, client, create_event):
    """TIMEZONE was a setting that the calendars ignored: they always said Europe/Amsterdam."""
    app.config["TIMEZONE"] = "America/New_York"
    new_york = ZoneInfo("America/New_York")
    summer = create_event(starts_at=datetime(2030, 6, 15, 13, 0, tzinfo=new_york), hours=3)
    winter = create_event(starts_at=datetime(2030, 12, 7, 14, 0, tzinfo=new_york), hours=2)
    body = client.get("/calendar/public.ics").data
    calendar = check_ical(body)
    text = body.decode()
    assert "X-WR-TIMEZONE:America/New_York\r\n" in text
    assert "DTSTART;TZID=America/New_York:20300615T130000\r\n" in text
    assert "DTSTART;TZID=America/New_York:20301207T140000\r\n" in text
    (zone,) = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "America/New_York"
    assert "Europe/Amsterdam" not in text
    instants = instants_all_parsers(body)  # vobject reads the times through our VTIMEZONE
    assert instants[UID.format(summer.id)][0] == datetime(2030, 6, 15, 17, 0, tzinfo=UTC)
    assert instants[UID.format(winter.id)][0] == datetime(2030, 12, 7, 19, 0, tzinfo=UTC)
    download = client.get(f"/events/{summer.id}.ics").data
    check_ical(download)
    assert vevents(download)[UID.format(summer.id)]["DTSTART"].params["TZID"] == "America/New_York"


def test_changing_the_setting_changes_the_etag(app, client, create_event):
    """A cached feed must not be answered with 304 after the zone changed."""
    create_event()
    before = client.get("/calendar/public.ics").headers["ETag"]
    app.config["TIMEZONE"] = "Europe/London"
    after = client.get("/calendar/public.ics", headers={"If-None-Match": before})
    assert after.status_code == 200
    assert after.headers["ETag"] != before
