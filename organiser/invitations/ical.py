"""iCalendar output (RFC 5545/5546/7986): pure functions from events to text every calendar client reads.

Nothing here needs a request or the app: callers pass the base URL and the time zone (the TIMEZONE setting, a
tz database name such as Europe/Amsterdam; its VTIMEZONE comes from .vtimezone). Every value in the output comes
from the data (no "now", no generated UID), so an unchanged feed is byte-identical and can be answered with a 304.
See ../shared/CALENDAR.md for why each property is there.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from icalendar import Calendar, vCalAddress, vDuration, vText
from icalendar import Event as VEvent

from .. import clock
from ..events.models import Event, EventStatus, Owner
from ..i18n import occurrence_suffix
from .models import Invitation, InvitationState
from .vtimezone import vtimezone

#: Short on purpose: a PRODID of exactly 75 octets got folded and iCloud rejected the feed.
PRODID = "-//organiser//NL"
#: How often subscribed clients should refresh (REFRESH-INTERVAL and Outlook's X-PUBLISHED-TTL).
FEED_TTL = timedelta(hours=1)

#: STATUS of an entry in a personal feed, from the person's answer (a cancelled event is CANCELLED anyway).
PERSONAL_STATUS = {
    InvitationState.YES: "CONFIRMED",
    InvitationState.INVITED: "TENTATIVE",
    InvitationState.MAYBE: "TENTATIVE",
    InvitationState.WAITING: "TENTATIVE",
}

#: iTIP PARTSTAT of the invitee, from their answer.
PARTSTAT = {
    InvitationState.LISTED: "NEEDS-ACTION",
    InvitationState.INVITED: "NEEDS-ACTION",
    InvitationState.YES: "ACCEPTED",
    InvitationState.NO: "DECLINED",
    InvitationState.MAYBE: "TENTATIVE",
    InvitationState.WAITING: "TENTATIVE",
}


@dataclass(frozen=True)
class FeedEntry:
    """One event in a feed, with what the feed adds to it."""

    event: Event
    #: The page repeated at the end of DESCRIPTION and in URL (Google ignores URL); None for no link.
    link: str | None
    #: STATUS instead of CONFIRMED (personal feeds: TENTATIVE until the person said yes).
    status: str | None = None
    #: CLASS:PRIVATE (personal feeds).
    private: bool = False
    #: Lines added to DESCRIPTION before the link (personal feeds: the person's answer).
    extra_lines: Sequence[str] = field(default_factory=tuple)
    #: DTSTAMP and LAST-MODIFIED when later than the event's own last change (a new answer).
    changed_at: datetime | None = None


def uid_domain(base_url: str) -> str:
    """The host of BASE_URL: the right-hand side of every UID."""
    return urlsplit(base_url).hostname or "organiser.invalid"


def event_uid(event_id: int, base_url: str) -> str:
    """The UID of an event not stored yet (made once at creation from the id, never from a position or a random
    value; see Event.uid, which every stored event carries)."""
    return f"event-{event_id}@{uid_domain(base_url)}"


def uid_of(event: Event, base_url: str) -> str:
    """The event's stored UID: a later change of BASE_URL's host does not re-key it."""
    return event.uid or event_uid(event.id, base_url)


def event_page_url(event: Event, base_url: str) -> str:
    """The public event page (a stable URL: /events/<id>)."""
    return f"{base_url}/events/{event.id}"


def _clock(moment: datetime, tzid: str) -> str:
    zone = ZoneInfo(tzid)
    return moment.astimezone(zone).strftime("%H:%M") + occurrence_suffix(moment, zone)


def event_times(event: Event, tzid: str) -> tuple[datetime, datetime]:
    """DTSTART and DTEND: local time with its TZID, or both in UTC when one falls in the hour that happens twice.
    For a TZID time in that hour ical.js (Thunderbird) and node-ical take the second occurrence and Python's
    parsers the first; a UTC time means one instant to every parser."""
    zone = ZoneInfo(tzid)
    start, end = event.starts_at, event.ends_at
    if clock.occurrence(start, zone) or clock.occurrence(end, zone):
        return start.astimezone(UTC), end.astimezone(UTC)
    return start.astimezone(zone), end.astimezone(zone)


def route_lines(event: Event, *, tzid: str) -> list[str]:
    """'13:00–13:30 De moestuin, Parkweg 12 (Moestuin De Groene Vingers)' for each stop, in route order."""
    lines = []
    for stop in sorted(event.stops, key=lambda s: s.position):
        line = f"{_clock(stop.starts_at, tzid)}–{_clock(stop.ends_at, tzid)} {stop.name}"
        if stop.address:
            line += f", {stop.address}"
        if stop.initiative is not None:
            line += f" ({stop.initiative.name})"
        lines.append(line)
    return lines


def series_page_url(event: Event, base_url: str) -> str | None:
    """The public page of the event's series (every date), None outside a series."""
    return f"{base_url}/series/{event.series.id}" if event.series is not None else None


def event_description(
    event: Event, *, tzid: str, link: str | None, extra_lines: Sequence[str] = (), series_link: str | None = None
) -> str:
    """Plain text: what it is, the route, who hosts and whose plan it is, the series it is part of (`series_link`:
    its page), then the link (Google ignores URL)."""
    paragraphs: list[str] = []
    if event.status == EventStatus.CANCELLED:
        paragraphs.append(_("Deze bijeenkomst is afgelast."))
    if event.description:
        paragraphs.append(event.description.strip())
    info = event.format_info
    paragraphs.append(f"{info.label}: {info.explanation}")
    if event.stops:
        paragraphs.append("\n".join([_("De route:"), *route_lines(event, tzid=tzid)]))
    facts = []
    # Who receives the guests, as the mail says it: the event's hosts and those of its route stops.
    hosts = event.host_initiatives
    if hosts:
        facts.append(_("Gastheer/-vrouw: %(hosts)s", hosts=", ".join(h.name for h in hosts)))
    if event.owner == Owner.RESIDENTS:
        facts.append(_("Wiens plan: bewoners nodigen de gemeente uit"))
    else:
        facts.append(_("Wiens plan: de gemeente nodigt bewoners uit"))
    paragraphs.append("\n".join(facts))
    if event.series is not None:
        paragraphs.append(_("Onderdeel van de reeks „%(title)s”.", title=event.series.title))
        if series_link:
            paragraphs[-1] += " " + _("Alle data: %(link)s", link=series_link)
    if extra_lines:
        paragraphs.append("\n".join(extra_lines))
    if link:
        paragraphs.append(_("Meer informatie: %(link)s", link=link))
    return "\n\n".join(paragraphs)


def event_to_vevent(
    event: Event,
    *,
    base_url: str,
    tzid: str,
    description_link: str | None,
    status_override: str | None = None,
    private: bool = False,
    extra_lines: Sequence[str] = (),
    changed_at: datetime | None = None,
) -> VEvent:
    """One VEVENT; a cancelled event is STATUS:CANCELLED whatever `status_override` says."""
    stamp = max(event.updated_at, changed_at) if changed_at else event.updated_at
    cancelled = event.status == EventStatus.CANCELLED
    status = "CANCELLED" if cancelled else status_override or "CONFIRMED"
    # Not every client shows STATUS: a cancellation is said in the title too.
    summary = _("Afgelast: %(title)s", title=event.title) if cancelled else event.title
    vevent = VEvent()
    vevent.add("UID", uid_of(event, base_url))
    vevent.add("DTSTAMP", stamp)
    vevent.add("LAST-MODIFIED", stamp)
    vevent.add("CREATED", event.created_at)
    vevent.add("SEQUENCE", event.sequence)
    starts_at, ends_at = event_times(event, tzid)
    vevent.add("DTSTART", starts_at)
    vevent.add("DTEND", ends_at)
    vevent.add("SUMMARY", summary)
    vevent.add("LOCATION", event.location)
    if event.latitude is not None and event.longitude is not None:
        vevent.add("GEO", (event.latitude, event.longitude))
    description = event_description(
        event,
        tzid=tzid,
        link=description_link,
        extra_lines=extra_lines,
        series_link=series_page_url(event, base_url),
    )
    vevent.add("DESCRIPTION", description)
    if description_link:
        vevent.add("URL", description_link)
    vevent.add("STATUS", status)
    if private:
        vevent.add("CLASS", "PRIVATE")
    # Only a confirmed yes blocks time in free/busy; the public agenda and open answers do not.
    vevent.add("TRANSP", "OPAQUE" if private and status == "CONFIRMED" else "TRANSPARENT")
    if private:
        # Outlook shows tentative entries hatched only with its own busy status.
        busy = {"CONFIRMED": "BUSY", "TENTATIVE": "TENTATIVE"}.get(status, "FREE")
        vevent.add("X-MICROSOFT-CDO-BUSYSTATUS", busy)
    return vevent


def _calendar(properties: Iterable[tuple[str, object, dict[str, str] | None]], *, tzid: str) -> Calendar:
    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", PRODID)
    calendar.add("CALSCALE", "GREGORIAN")
    for name, value, parameters in properties:
        calendar.add(name, value, parameters=parameters)  # type: ignore[arg-type]  # None is its default; its hint omits it
    # Calendar properties first: Outlook ignores properties after the components.
    calendar.add_component(vtimezone(tzid))
    return calendar


#: The last line of every calendar: feed_header() + entry_to_ical() of each entry + FEED_END is feed_to_ical().
FEED_END = b"END:VCALENDAR\r\n"


@functools.lru_cache(maxsize=256)
def feed_header(*, name: str, tzid: str, description: str | None = None) -> bytes:
    """The start of a feed_to_ical() calendar, up to its first VEVENT (for feeds made of stored entries). Kept per
    process (it depends on its arguments alone: the VTIMEZONE covers fixed years); writing it took as long as the
    rest of a personal feed made of stored entries."""
    body = _feed_calendar(name=name, tzid=tzid, description=description).to_ical()
    if not body.endswith(FEED_END):
        raise ValueError("unexpected end of an iCalendar body")
    return body[: -len(FEED_END)]


def entry_to_ical(entry: FeedEntry, *, base_url: str, tzid: str) -> bytes:
    """One entry's VEVENT exactly as feed_to_ical() writes it (folded lines, CRLF)."""
    return _entry_vevent(entry, base_url=base_url, tzid=tzid).to_ical()


def _entry_vevent(entry: FeedEntry, *, base_url: str, tzid: str) -> VEvent:
    """A feed entry's VEVENT: its event as the entry says it stands (link, status, privacy, extra lines)."""
    return event_to_vevent(
        entry.event,
        base_url=base_url,
        tzid=tzid,
        description_link=entry.link,
        status_override=entry.status,
        private=entry.private,
        extra_lines=entry.extra_lines,
        changed_at=entry.changed_at,
    )


def _feed_calendar(*, name: str, tzid: str, description: str | None) -> Calendar:
    # vText: icalendar 7.3 would write NAME and X- properties unescaped.
    properties: list[tuple[str, object, dict | None]] = [
        ("NAME", vText(name), None),
        ("X-WR-CALNAME", vText(name), None),
    ]
    if description:
        properties += [("DESCRIPTION", vText(description), None), ("X-WR-CALDESC", vText(description), None)]
    properties += [
        ("X-WR-TIMEZONE", tzid, None),
        ("REFRESH-INTERVAL", FEED_TTL, {"VALUE": "DURATION"}),
        # An X- property is text unless told: without vDuration it would read "1:00:00".
        ("X-PUBLISHED-TTL", vDuration(FEED_TTL), None),
    ]
    return _calendar(properties, tzid=tzid)


def feed_to_ical(
    entries: Iterable[FeedEntry],
    *,
    name: str,
    base_url: str,
    tzid: str,
    description: str | None = None,
) -> bytes:
    """A subscribed feed: no METHOD, ORGANIZER or ATTENDEE; with its name and refresh hints."""
    calendar = _feed_calendar(name=name, tzid=tzid, description=description)
    seen: set[int] = set()
    for entry in entries:
        if entry.event.id in seen:  # two VEVENTs with one UID confuse every client
            continue
        seen.add(entry.event.id)
        calendar.add_component(_entry_vevent(entry, base_url=base_url, tzid=tzid))
    return calendar.to_ical()


def event_to_ical(event: Event, *, base_url: str, tzid: str) -> bytes:
    """A one-event download ("add to my calendar"): no feed name, so clients add it instead of subscribing."""
    calendar = _calendar((), tzid=tzid)
    link = event_page_url(event, base_url)
    calendar.add_component(event_to_vevent(event, base_url=base_url, tzid=tzid, description_link=link))
    return calendar.to_ical()


def _param_text(value: str) -> str:
    """A parameter value (CN) may not hold double quotes or line breaks."""
    return " ".join(value.replace('"', "'").split())


def _address(email: str, name: str, **parameters: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = _param_text(name)
    for key, value in parameters.items():
        address.params[key.replace("_", "-").upper()] = value
    return address


#: iTIP methods of the mail organiser sends to one invitee.
ITIP_METHODS = ("REQUEST", "CANCEL", "DECLINECOUNTER")


def bare_address(address: str) -> str:
    """'Gemeente Voorbeeld <x@y.nl>' → 'x@y.nl': ORGANIZER and ATTENDEE are mailto: URIs of a bare address."""
    return parseaddr(address)[1] or address.strip()


def invitation_to_ical(
    invitation: Invitation,
    *,
    method: Literal["REQUEST", "CANCEL", "DECLINECOUNTER"],
    base_url: str,
    tzid: str,
    organiser_name: str,
    organiser_email: str,
    sequence: int | None = None,
    stamp: datetime | None = None,
    rsvp: bool = True,
    status_lines: Sequence[str] = (),
) -> str:
    """The iTIP object for one invitee's mail: METHOD, one VEVENT, ORGANIZER and this invitee only.

    Unlike feeds, a scheduling message is stamped with the moment it was made (`stamp`, DTSTAMP) and carries
    the invitee's own `sequence`, raised with every message to them, so each one supersedes the one before in
    every client (RFC 5546 §2.1.4–2.1.5). The entry links to the public event page, never to the personal RSVP
    link: delegates and colleagues with read access to a calendar see its description. `rsvp` asks the
    calendar app to send Accept/Decline to the ORGANIZER (only when organiser reads that mailbox).
    """
    if method not in ITIP_METHODS:
        raise ValueError(f"unsupported iTIP method {method!r}")
    event = invitation.event
    person = invitation.person
    if not person.email:
        raise ValueError("the invitee has no email address")
    vevent = event_to_vevent(
        event,
        base_url=base_url,
        tzid=tzid,
        description_link=event_page_url(event, base_url),
        status_override="CANCELLED" if method == "CANCEL" else "CONFIRMED",
        extra_lines=status_lines,
    )
    if stamp is not None:
        vevent.pop("DTSTAMP")
        vevent.add("DTSTAMP", stamp)
    if sequence is not None:
        vevent.pop("SEQUENCE")
        vevent.add("SEQUENCE", sequence)
    vevent.add("ORGANIZER", _address(bare_address(organiser_email), organiser_name))
    attendee = {"role": "REQ-PARTICIPANT", "partstat": PARTSTAT[invitation.state]}
    if method == "REQUEST":
        attendee["rsvp"] = "TRUE" if rsvp else "FALSE"
    vevent.add("ATTENDEE", _address(bare_address(person.email), person.name, **attendee))
    calendar = _calendar([("METHOD", method, None)], tzid=tzid)
    calendar.add_component(vevent)
    return calendar.to_ical().decode("utf-8")
