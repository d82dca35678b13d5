"""Events (bijeenkomsten), their formats (werkvormen) and routes (haltes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, Float, ForeignKey, String, Table, Text, false, update
from sqlalchemy import Enum as SqlEnum
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Mapped, attributes, mapped_column, relationship

from ..enums import LabelledEnum
from ..extensions import Model, UTCDateTime, db, string_enum, utcnow
from ..places.models import Initiative, Neighbourhood

if TYPE_CHECKING:
    from ..auth.models import Organiser


@dataclass(frozen=True)
class Format:
    """A kind of encounter with the defaults that pre-fill the event form."""

    code: str
    label: str
    duration: timedelta
    capacity: int
    has_route: bool
    forms_teams: bool
    #: Shown to invitees: what to expect from this kind of meeting.
    explanation: str
    #: The usual start (wall-clock time) that pre-fills a new event: a netwerkborrel is after work.
    usual_start: time = time(14, 0)
    #: Whether it is held on a working day (Monday–Friday) by default.
    on_workdays: bool = False

    def suggested_start(self, today: date, weeks_ahead: int = 2) -> datetime:
        """The wall-clock start that pre-fills a new event: the usual time, a few weeks ahead, on a working day
        for formats held on one."""
        day = today + timedelta(weeks=weeks_ahead)
        while self.on_workdays and day.weekday() >= 5:
            day += timedelta(days=1)
        return datetime.combine(day, self.usual_start)


FORMATS: dict[str, Format] = {
    f.code: f
    for f in (
        Format(
            "wijksafari",
            _l("Wijksafari"),
            timedelta(hours=3),
            25,
            True,
            False,
            _l(
                "Een wandeling of fietstocht langs een paar bewonersinitiatieven in de wijk. "
                "Bij elke halte vertellen bewoners over hun initiatief en is er tijd om kennis te maken."
            ),
            usual_start=time(13, 30),
        ),
        Format(
            "speurtocht",
            _l("Speurtocht"),
            timedelta(hours=2, minutes=30),
            30,
            True,
            True,
            _l(
                "Een speurtocht door de wijk in gemengde teams van collega's en bewoners. "
                "Onderweg lost u samen opdrachten op bij bewonersinitiatieven."
            ),
            usual_start=time(14, 0),
        ),
        Format(
            "bruiscafe",
            _l("Bruiscafé"),
            timedelta(hours=2),
            40,
            False,
            False,
            _l(
                "Een informele ontmoeting in een buurthuis of café: bewoners en collega's "
                "van de gemeente drinken iets en leren elkaar kennen, zonder agenda."
            ),
            usual_start=time(15, 30),
        ),
        Format(
            "netwerkborrel",
            _l("Netwerkborrel"),
            timedelta(hours=2),
            60,
            False,
            False,
            _l(
                "Een borrel na werktijd waar initiatiefnemers en collega's van de gemeente "
                "elkaar ontmoeten. Gewoon kennismaken, zonder presentaties."
            ),
            usual_start=time(17, 0),
            on_workdays=True,
        ),
        Format(
            "broedplaats",
            _l("Broedplaats"),
            timedelta(hours=3),
            20,
            False,
            False,
            _l(
                "Een werkplaats waar bewoners en collega's samen aan nieuwe ideeën werken. "
                "Iedereen brengt kennis mee; niemand hoeft iets voor te bereiden."
            ),
            usual_start=time(10, 0),
            on_workdays=True,
        ),
    )
}


class EventStatus(LabelledEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"

    __labels__ = {DRAFT: _l("Concept"), PUBLISHED: _l("Gepubliceerd"), CANCELLED: _l("Afgelast")}


class WaitingRule(LabelledEnum):
    """Who gets a freed seat first: the organiser picks the rule per event (issue 16)."""

    ARRIVAL = "arrival"
    #: Whoever brings the event closer to its mix target first (invitations/waiting_order.py).
    MIX = "mix"

    __labels__ = {
        ARRIVAL: _l("Op volgorde van aanmelding: wie zich het eerst aanmeldde, krijgt het eerst een vrije plaats."),
        MIX: _l(
            "Voor de mix: eerst kantoorcollega's die nog nooit bij een ontmoeting waren, dan andere "
            "kantoorcollega's, dan anderen die nog nooit kwamen, dan de rest; binnen elke groep op volgorde van "
            "aanmelding."
        ),
    }


def _values(members) -> list[str]:
    return [member.value for member in members]


class Owner(LabelledEnum):
    """Who owns the plan: the municipality invites residents, or residents invite the municipality."""

    MUNICIPALITY = "municipality"
    RESIDENTS = "residents"

    __labels__ = {MUNICIPALITY: _l("De gemeente"), RESIDENTS: _l("Bewoners")}


event_host = Table(
    "event_host",
    db.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("initiative_id", ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True),
)


#: Colleagues who plan an event together with its organiser (they may do everything the organiser may).
event_co_organiser = Table(
    "event_co_organiser",
    db.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("organiser_id", ForeignKey("organiser.id", ondelete="CASCADE"), primary_key=True, index=True),
)


#: Which series (reeks) an event belongs to: a table of its own, so that joining a series never alters the event
#: table (whose SQLite feed-version triggers a rebuild would drop) and an event is in at most one series.
series_occurrence = Table(
    "series_occurrence",
    db.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("series_id", ForeignKey("series.id", ondelete="CASCADE"), nullable=False, index=True),
)


class Series(Model):
    """A series (reeks): events made from one rule ("elke eerste dinsdag van de maand"), each its own event with
    its own guest list, answers, UID and VEVENT (see events/series.py for why not one RRULE)."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The title of the event the series was made from; the public series page and feeds name the series by it.
    title: Mapped[str] = mapped_column(String(200))
    #: The rule's repeat: "weekly" (every `interval` weeks on the first event's weekday), "monthly_weekday" (every
    #: `interval` months on the `week_of_month`th weekday) or "monthly_day" (on the first event's day of the month).
    frequency: Mapped[str] = mapped_column(String(20))
    interval: Mapped[int] = mapped_column(default=1)
    #: For monthly_weekday: 1–4 for the first to fourth such weekday of the month, -1 for the last.
    week_of_month: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    events: Mapped[list[Event]] = relationship(secondary=series_occurrence, order_by="Event.starts_at", viewonly=True)


class Event(Model):
    """One planned encounter (bijeenkomst)."""

    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        #: The last line of defence against overbooking: seats are taken with a guarded UPDATE.
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"),
        CheckConstraint("max_plus_ones >= 0", name="plus_ones_not_negative"),
        CheckConstraint("min_office_share >= 0 AND min_office_share <= 100", name="office_share_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    #: One of FORMATS' codes.
    format: Mapped[str] = mapped_column(String(20), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Address or meeting point, as invitees should read it.
    location: Mapped[str] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    neighbourhood_id: Mapped[int | None] = mapped_column(ForeignKey("neighbourhood.id"), index=True)
    owner: Mapped[Owner] = mapped_column(string_enum(Owner, "event_owner"), default=Owner.MUNICIPALITY)
    status: Mapped[EventStatus] = mapped_column(string_enum(EventStatus, "event_status"), default=EventStatus.DRAFT)
    capacity: Mapped[int]
    #: Yes answers plus their plus-ones; changed only by the guarded UPDATE in invitations.services.
    seats_taken: Mapped[int] = mapped_column(default=0)
    rsvp_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    max_plus_ones: Mapped[int] = mapped_column(default=0)
    forms_teams: Mapped[bool] = mapped_column(default=False)
    #: Target: minimum percentage of office-bound colleagues among invited staff.
    min_office_share: Mapped[int] = mapped_column(default=50)
    reminder_days_before_deadline: Mapped[int] = mapped_column(default=3)
    #: Open sign-up on the public page (issue 16); False: by invitation only (the page names `contact`).
    signup_open: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: The most seats (sign-ups and their plus-ones) that sign-ups may take; the rest is for the invited.
    signup_seats: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Seats taken by sign-ups (part of seats_taken); changed only with it, by the guarded UPDATE in
    #: invitations/seats.py.
    signup_seats_taken: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Signing up is possible until this moment (UTC); NULL: until the reply deadline, or else the start.
    signup_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Seats held for invited colleagues until the reply deadline (or the start): no sign-up takes one before.
    held_seats: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Whom to ask for an invitation or with questions (name, e-mail address or phone), shown on the public page.
    contact: Mapped[str] = mapped_column(String(300), default="", server_default="")
    #: Who gets a freed seat first (invitations/waiting_order.py).
    #: (Stored as its value without a CHECK: the column was added to a table whose rebuild on SQLite would drop
    #: the feed triggers of migration 0011.)
    waiting_rule: Mapped[WaitingRule] = mapped_column(
        SqlEnum(WaitingRule, native_enum=False, create_constraint=False, length=20, values_callable=_values),
        default=WaitingRule.ARRIVAL,
        server_default="arrival",
    )
    #: iCalendar SEQUENCE: raised when date, time or place changes, and on cancellation.
    sequence: Mapped[int] = mapped_column(default=0)
    #: The iCalendar UID, made once when the event is created and never again derived from settings (a new host
    #: name in BASE_URL must not re-key events already in people's calendars).
    uid: Mapped[str | None] = mapped_column(String(255), unique=True, index=True)
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("organiser.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The last change to the event or its stops; feeds use it for DTSTAMP and LAST-MODIFIED.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set by database triggers (migration 0011) to calendar_version's new value when the event is made and with
    #: every change to what a calendar shows of it: its columns (not the seat counter), stops, hosts, the names of
    #: those initiatives. Never set by the app; calendar feeds find stored entries by it.
    feed_version: Mapped[int] = mapped_column(server_default="0")

    neighbourhood: Mapped[Neighbourhood | None] = relationship()
    organiser: Mapped[Organiser | None] = relationship()
    co_organisers: Mapped[list[Organiser]] = relationship(secondary=event_co_organiser, order_by="Organiser.name")
    hosts: Mapped[list[Initiative]] = relationship(secondary=event_host, order_by="Initiative.name")
    stops: Mapped[list[Stop]] = relationship(
        back_populates="event", order_by="Stop.position", cascade="all, delete-orphan"
    )
    #: The series this event is one occurrence of, if any.
    series: Mapped[Series | None] = relationship(secondary=series_occurrence, uselist=False)

    @property
    def host_initiatives(self) -> list[Initiative]:
        """The initiatives that receive the guests: the event's hosts and those of its route stops."""
        seen: dict[int, Initiative] = {}
        for initiative in [*self.hosts, *(stop.initiative for stop in self.stops if stop.initiative is not None)]:
            # By id once stored; an initiative not flushed yet (no id: a preview, a calendar made in memory) by itself.
            seen.setdefault(initiative.id if initiative.id is not None else -id(initiative), initiative)
        return sorted(seen.values(), key=lambda i: i.name)

    @property
    def format_info(self) -> Format:
        return FORMATS[self.format]

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    def takes_answers(self, now: datetime) -> bool:
        """Whether an invitee can still answer at `now` (UTC): until the start, unless cancelled. The deadline
        narrows what may change before that (invitations.answers.can_change_answer), never past it."""
        return not self.is_cancelled and now < self.starts_at

    @property
    def signup_closes_at(self) -> datetime:
        """Until when signing up is possible (UTC): the setting, else the reply deadline, else the start."""
        return min(self.signup_until or self.rsvp_deadline or self.starts_at, self.starts_at)

    @property
    def holds_seats_until(self) -> datetime:
        """Until when `held_seats` stay for the invited (UTC): the reply deadline, else the start."""
        return self.rsvp_deadline or self.starts_at


def creation_uid(event_id: int) -> str:
    """The UID an event gets when it is created: its id at the host BASE_URL has then; stored, never re-derived."""
    host = urlsplit(current_app.config["BASE_URL"]).hostname if has_app_context() else None
    return f"event-{event_id}@{host or 'organiser.invalid'}"


@orm_event.listens_for(Event, "after_insert")
def _store_uid(_mapper, connection, target: Event) -> None:
    """Every new event keeps the UID it was created with (the id is known only after the insert)."""
    if target.uid is None:
        uid = creation_uid(target.id)
        connection.execute(update(Event).where(Event.id == target.id).values(uid=uid))
        attributes.set_committed_value(target, "uid", uid)


class Stop(Model):
    """A stop (halte) on the route of a wijksafari or speurtocht."""

    __tablename__ = "stop"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    #: 1-based order on the route.
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiative.id", ondelete="SET NULL"), index=True)

    event: Mapped[Event] = relationship(back_populates="stops")
    initiative: Mapped[Initiative | None] = relationship()
