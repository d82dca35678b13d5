"""Demo history: past events with answers and attendance, so that suggestions and reach have history.

Idempotent: past events are looked up by title; the demo people are found again by their addresses.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from ..events.demo import demo_organiser, local_at
from ..events.models import Event, EventStatus, Owner, Stop
from ..extensions import db, utcnow
from ..people.demo import resident_emails, staff_emails
from ..people.models import ContactRole, Person
from ..places.models import Initiative, Neighbourhood
from .models import Invitation, InvitationState

#: Past events: title, format, weeks ago, hours, neighbourhood, hosts, owner, capacity.
PAST_EVENTS = [
    (
        "Netwerkborrel voorjaar",
        "netwerkborrel",
        22,
        (17, 19),
        "Centrum",
        ["Buurtkamer De Ontmoeting"],
        Owner.MUNICIPALITY,
        60,
    ),
    (
        "Wijksafari De Velden",
        "wijksafari",
        11,
        (13, 16),
        "De Velden",
        ["Speeltuinvereniging De Velden", "Voedselbos De Velden"],
        Owner.MUNICIPALITY,
        35,
    ),
    (
        "Bruiscafé bij het Repair Café",
        "bruiscafe",
        6,
        (16, 18),
        "Oosterpark",
        ["Repair Café Oost"],
        Owner.RESIDENTS,
        40,
    ),
    (
        "Speurtocht Rijnbuurt",
        "speurtocht",
        3,
        (14, 17),
        "Rijnbuurt",
        ["Taalcafé Rijnbuurt", "Zwerfafvalteam Rijnbuurt"],
        Owner.RESIDENTS,
        30,
    ),
]


def load_demo() -> bool:
    """Past events with answers: some colleagues came, some declined, attendance recorded for two of them."""
    by_email = {p.email: p for p in db.session.scalars(db.select(Person).where(Person.email.is_not(None)))}
    staff = [by_email[email] for email in staff_emails() if email in by_email]
    residents = {
        name: [by_email[email] for email in emails if email in by_email] for name, emails in resident_emails().items()
    }
    initiatives = {i.name: i for i in db.session.scalars(db.select(Initiative))}
    organiser = demo_organiser()
    hoods = {h.name: h for h in db.session.scalars(db.select(Neighbourhood))}
    today = utcnow().astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    created = False
    for number, (title, format_code, weeks, hours, hood, hosts, owner, capacity) in enumerate(PAST_EVENTS):
        if db.session.scalar(db.select(Event.id).where(Event.title == title)):
            continue
        day = today - timedelta(weeks=weeks)
        start, end = local_at(day, hours[0]), local_at(day, hours[1])
        event = Event(
            title=title,
            format=format_code,
            description=f"{title}: een informele ontmoeting van bewoners en collega's.",
            starts_at=start,
            ends_at=end,
            location=initiatives[hosts[0]].address if hosts[0] in initiatives else "Stadhuis",
            neighbourhood=hoods.get(hood),
            owner=owner,
            status=EventStatus.PUBLISHED,
            published_at=start - timedelta(weeks=4),
            capacity=capacity,
            seats_taken=0,
            rsvp_deadline=start - timedelta(days=3),
            max_plus_ones=0,
            forms_teams=format_code == "speurtocht",
            min_office_share=current_app.config["DEFAULT_OFFICE_SHARE"],
            organiser=organiser,
            hosts=[initiatives[h] for h in hosts if h in initiatives],
            sequence=0,
            created_at=start - timedelta(weeks=5),
            updated_at=start - timedelta(weeks=4),
        )
        if format_code in ("wijksafari", "speurtocht"):
            for position, host in enumerate(event.hosts, start=1):
                begin = start + timedelta(minutes=60 * (position - 1))
                event.stops.append(
                    Stop(
                        position=position,
                        name=host.name,
                        address=host.address,
                        starts_at=begin,
                        ends_at=begin + timedelta(minutes=45),
                        initiative=host,
                    )
                )
        db.session.add(event)
        sent = start - timedelta(weeks=3)
        # About a third of the colleagues per event, a different third each time; more frontline than
        # their share, as happens without suggestions. Everyone else has never taken part.
        invited = [p for i, p in enumerate(staff) if (i + number) % 3 == 0 or p.contact_role == ContactRole.FRONTLINE]
        invited += [r for host in hosts for r in residents.get(host, [])]
        yes = 0
        for i, person in enumerate(invited):
            state = InvitationState.NO if (i + number) % 5 == 0 else InvitationState.YES
            attended = None
            if number in (1, 2) and state == InvitationState.YES:
                attended = (i + number) % 7 != 0  # a few said yes and did not come
            yes += state == InvitationState.YES
            db.session.add(
                Invitation(
                    event=event,
                    person=person,
                    state=state,
                    sent_at=sent,
                    answered_at=sent + timedelta(days=2),
                    attended=attended,
                    created_at=sent - timedelta(days=1),
                )
            )
        event.seats_taken = yes
        created = True
    db.session.flush()
    return created
