"""Demo data for reach and teams: past events with answers and recorded attendance, and teams for the speurtocht.

Runs after the people and invitations loaders and uses what they made. Where they made too little (or do
not exist yet), it adds a modest set of its own: colleagues in departments, residents of the host
initiatives, past events with yes/no answers and some recorded attendance. Idempotent: everything is
looked up by a natural key (email, title) before it is made.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import func

from ..events.demo import demo_organiser
from ..events.models import Event, EventStatus, Owner, Stop
from ..extensions import db, utcnow
from ..i18n import local_zone, to_local
from ..invitations.models import Invitation, InvitationState
from ..people.models import ContactRole, Department, Person, PersonKind
from ..places.models import Initiative, Neighbourhood

#: Colleagues made when the directory has too few: (department, role, names).
STAFF = [
    ("Vergunningen", ContactRole.OFFICE, ["Lotte Hendriks", "Daan Verbeek", "Sanne Kuipers"]),
    ("Financiën", ContactRole.OFFICE, ["Joost van Dam", "Mirjam Tol"]),
    ("Beleid Wonen", ContactRole.OFFICE, ["Priya Ramdin", "Koen Brouwer"]),
    ("Openbare Ruimte", ContactRole.OFFICE, ["Noor Dekker", "Wout Zijlstra"]),
    ("Informatievoorziening", ContactRole.OFFICE, ["Ruben Lammers"]),
    ("Publiekszaken", ContactRole.OFFICE, ["Esra Yilmaz", "Thijs Hoekstra"]),
    ("Wijkteams", ContactRole.FRONTLINE, ["Marieke Bos", "Youssef Amrani"]),
    ("Gebiedsmakelaars", ContactRole.FRONTLINE, ["Ilse Schouten"]),
]
#: A department left out of the demo's own invitations, so the dashboard shows one never reached.
NEVER_INVITED = "Publiekszaken"

#: Residents made when the host initiatives have too few: (name, initiative).
RESIDENTS = [
    ("Gerda Vos", "Havenkoor"),
    ("Fleur Aydin", "Havenkoor"),
    ("Henk Postma", "Wijkbus Havenkwartier"),
    ("Kees Roelofs", "Moestuin De Groene Vingers"),
    ("Amira Haddad", "Taalcafé Rijnbuurt"),
    ("Jan-Willem Akkerman", "Voedselbos De Velden"),
]

#: The demo's own past events: (title, format, days ago, neighbourhood, hosts, stops, attendance recorded,
#: cancelled).
PAST_EVENTS: list[tuple[str, str, int, str, list[str], list[tuple[str, str, str | None]], bool, bool]] = [
    (
        "Wijksafari De Velden",
        "wijksafari",
        300,
        "De Velden",
        ["Speeltuinvereniging De Velden", "Voedselbos De Velden"],
        [("Speeltuin", "Veldlaan 20", "Speeltuinvereniging De Velden"), ("Voedselbos", "Akkerpad 1", None)],
        False,
        False,
    ),
    ("Bruiscafé bij het Taalcafé", "bruiscafe", 230, "Rijnbuurt", ["Taalcafé Rijnbuurt"], [], True, False),
    (
        "Netwerkborrel in het voorjaar",
        "netwerkborrel",
        170,
        "Centrum",
        ["Stadsimkers", "Repair Café Oost"],
        [],
        False,
        False,
    ),
    (
        "Speurtocht door Oosterpark",
        "speurtocht",
        120,
        "Oosterpark",
        ["Moestuin De Groene Vingers", "Repair Café Oost"],
        [
            ("De moestuin", "Parkweg 12", "Moestuin De Groene Vingers"),
            ("Repair café", "Vondelstraat 3", "Repair Café Oost"),
        ],
        True,
        False,
    ),
    ("Zomerborrel op het stadhuis", "netwerkborrel", 90, "Centrum", ["Buurtkamer De Ontmoeting"], [], False, True),
    (
        "Broedplaats aan de haven",
        "broedplaats",
        60,
        "Havenkwartier",
        ["Havenkoor", "Wijkbus Havenkwartier"],
        [],
        True,
        False,
    ),
    ("Bruiscafé in de Buurtkamer (najaar)", "bruiscafe", 25, "Centrum", ["Buurtkamer De Ontmoeting"], [], False, False),
]

MIN_STAFF = 10
MIN_PAST_EVENTS = 4


def load_demo() -> bool:
    """Make sure the reach dashboard has something to show."""
    created = False
    if _active_staff_count() < MIN_STAFF:
        created = _add_staff() or created
    created = _add_staff(only=NEVER_INVITED) or created  # a department nobody has invited yet
    created = _add_residents() or created
    if _past_events_with_answers() < MIN_PAST_EVENTS:
        created = _add_past_events() or created
    db.session.flush()
    return created


def _email(name: str, domain: str) -> str:
    return f"{name.lower().replace(' ', '.').replace('-', '.')}@{domain}"


def _active_staff_count() -> int:
    return db.session.scalar(
        db.select(func.count())
        .select_from(Person)
        .where(Person.kind == PersonKind.STAFF, Person.active.is_(True), Person.deleted_at.is_(None))
    )


def _department(name: str) -> Department:
    department = db.session.scalar(db.select(Department).where(Department.name == name))
    if department is None:
        department = Department(name=name)
        db.session.add(department)
        db.session.flush()
    return department


def _add_staff(only: str | None = None) -> bool:
    created = False
    for department_name, role, names in STAFF:
        if only is not None and department_name != only:
            continue
        department = _department(department_name)
        for name in names:
            email = _email(name, "gemeente.example")
            if db.session.scalar(db.select(Person.id).where(Person.email == email)) is None:
                db.session.add(
                    Person(name=name, email=email, kind=PersonKind.STAFF, contact_role=role, department=department)
                )
                created = True
    db.session.flush()
    return created


def _add_residents() -> bool:
    """Residents for the initiatives that host demo events, where the directory has fewer than two."""
    created = False
    for name, initiative_name in RESIDENTS:
        initiative = db.session.scalar(db.select(Initiative).where(Initiative.name == initiative_name))
        if initiative is None:
            continue
        residents = db.session.scalar(
            db.select(func.count()).select_from(Person).where(Person.initiatives.contains(initiative))
        )
        email = _email(name, "bewoners.example")
        exists = db.session.scalar(db.select(Person.id).where(Person.email == email))
        if exists is None and residents < 2:
            db.session.add(Person(name=name, email=email, kind=PersonKind.RESIDENT, initiatives=[initiative]))
            db.session.flush()
            created = True
    return created


def _past_events_with_answers() -> int:
    return db.session.scalar(
        db.select(func.count(func.distinct(Event.id)))
        .join(Invitation, Invitation.event_id == Event.id)
        .where(Event.ends_at < utcnow(), Event.status != EventStatus.CANCELLED)
        .where(Invitation.state == InvitationState.YES)
    )


def _local_day(days_ago: int, hour: int) -> datetime:
    """A whole hour, `days_ago` days back, on the municipality's clock."""
    day = to_local(utcnow()).date() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour), tzinfo=local_zone())


def _add_past_events() -> bool:
    created = False
    organiser = demo_organiser()
    rng = random.Random(6)  # the same demo every time
    staff = db.session.scalars(
        db.select(Person)
        .outerjoin(Department, Department.id == Person.department_id)
        .where(Person.kind == PersonKind.STAFF, Person.active.is_(True), Person.deleted_at.is_(None))
        .where((Department.name != NEVER_INVITED) | (Department.id.is_(None)))
        .order_by(Person.id)
    ).all()
    residents = db.session.scalars(
        db.select(Person)
        .where(Person.kind == PersonKind.RESIDENT, Person.active.is_(True), Person.deleted_at.is_(None))
        .order_by(Person.id)
    ).all()
    for title, format_code, days_ago, hood_name, host_names, stops, recorded, cancelled in PAST_EVENTS:
        if db.session.scalar(db.select(Event.id).where(Event.title == title)) is not None:
            continue
        hosts = list(db.session.scalars(db.select(Initiative).where(Initiative.name.in_(host_names))))
        start = _local_day(days_ago, 14)
        event = Event(
            title=title,
            format=format_code,
            description=f"{title}: kennismaken tussen bewoners en collega's van de gemeente.",
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            location=hosts[0].address if hosts and hosts[0].address else "Stadhuis",
            neighbourhood=db.session.scalar(db.select(Neighbourhood).where(Neighbourhood.name == hood_name)),
            owner=Owner.MUNICIPALITY,
            status=EventStatus.CANCELLED if cancelled else EventStatus.PUBLISHED,
            published_at=start - timedelta(days=30),
            cancelled_at=start - timedelta(days=2) if cancelled else None,
            capacity=40,
            seats_taken=0,
            max_plus_ones=0,
            forms_teams=format_code == "speurtocht",
            min_office_share=current_app.config["DEFAULT_OFFICE_SHARE"],
            organiser=organiser,
            hosts=hosts,
            sequence=1 if cancelled else 0,
        )
        for position, (name, address, initiative_name) in enumerate(stops, start=1):
            initiative = next((h for h in hosts if h.name == initiative_name), None)
            event.stops.append(
                Stop(
                    position=position,
                    name=name,
                    address=address,
                    starts_at=start + timedelta(minutes=60 * (position - 1)),
                    ends_at=start + timedelta(minutes=60 * (position - 1) + 45),
                    initiative=initiative,
                )
            )
        db.session.add(event)
        db.session.flush()
        guests = rng.sample(staff, min(len(staff), rng.randint(7, 12)))
        guests += [r for r in residents if any(i in hosts for i in r.initiatives)]
        for person in guests:
            state = rng.choices([InvitationState.YES, InvitationState.NO, InvitationState.MAYBE], [7, 2, 1])[0]
            invitation = Invitation(
                event=event,
                person=person,
                state=state,
                sent_at=start - timedelta(days=21),
                answered_at=start - timedelta(days=rng.randint(3, 18)),
                reason="Demo",
            )
            if state == InvitationState.YES:
                event.seats_taken += 1
                if recorded:
                    invitation.attended = rng.random() < 0.85
            db.session.add(invitation)
        created = True
    db.session.flush()
    return created
