"""Demo data: the demo organiser, wijken, initiatives and events of every format (other domains add theirs).

Idempotent: everything is looked up by a natural key before it is created.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app

from ..auth.models import Organiser, Role
from ..extensions import db, utcnow
from ..places.models import Initiative, Neighbourhood
from .models import Event, EventStatus, Owner, Stop
from .series import Rule, make_series

DEMO_EMAIL = "demo@organiser.example"
DEMO_PASSWORD = "demo-organiser"  # noqa: S105 (published on purpose: demo only)

NEIGHBOURHOODS = {
    "Centrum": "centrum",
    "Oosterpark": "oosterpark",
    "De Velden": "de-velden",
    "Havenkwartier": "havenkwartier",
    "Rijnbuurt": "rijnbuurt",
}

INITIATIVES = [
    (
        "Moestuin De Groene Vingers",
        "Oosterpark",
        "Buurtbewoners tuinieren samen op een braakliggend veld.",
        "Parkweg 12",
    ),
    (
        "Repair Café Oost",
        "Oosterpark",
        "Elke maand samen spullen repareren in plaats van weggooien.",
        "Wijkcentrum De Boog, Vondelstraat 3",
    ),
    ("Buurtkamer De Ontmoeting", "Centrum", "Een huiskamer voor iedereen in de binnenstad.", "Kerkstraat 41"),
    ("Stadsimkers", "Centrum", "Bijenkasten op daken en kennis over bijen.", "Marktplein 8"),
    ("Speeltuinvereniging De Velden", "De Velden", "Bewoners beheren de speeltuin zelf.", "Veldlaan 20"),
    ("Voedselbos De Velden", "De Velden", "Een eetbaar bos aangelegd en onderhouden door buren.", "Akkerpad 1"),
    ("Havenkoor", "Havenkwartier", "Een koor van oude en nieuwe bewoners van het havengebied.", "Loods 7, Kadestraat"),
    ("Wijkbus Havenkwartier", "Havenkwartier", "Vrijwilligers rijden ouderen naar afspraken.", "Kadestraat 30"),
    (
        "Taalcafé Rijnbuurt",
        "Rijnbuurt",
        "Nederlands oefenen met buren, bij een kop koffie.",
        "Bibliotheek Rijnbuurt, Rijnlaan 5",
    ),
    ("Zwerfafvalteam Rijnbuurt", "Rijnbuurt", "Elke zaterdag samen de buurt schoonmaken.", "Rijnlaan 88"),
]


def ensure_demo_organiser(password: str = DEMO_PASSWORD) -> bool:
    """Make the demo administrator with this password unless it exists; returns whether it was made.
    `flask demo-data` passes the published password only in development (see cli.py)."""
    if db.session.scalar(db.select(Organiser.id).where(Organiser.email == DEMO_EMAIL)) is not None:
        return False
    organiser = Organiser(email=DEMO_EMAIL, name="Demo Organisator", role=Role.ADMINISTRATOR, session_version=0)
    organiser.set_password(password)
    db.session.add(organiser)
    db.session.flush()
    return True


def demo_organiser() -> Organiser:
    """The demo administrator (made first by load_demo)."""
    ensure_demo_organiser()  # no-op once load_demo made it, with whatever password it chose
    return db.session.scalars(db.select(Organiser).where(Organiser.email == DEMO_EMAIL)).one()


def local_at(day: datetime, hour: int, minute: int = 0) -> datetime:
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return datetime.combine(day.date(), time(hour, minute), tzinfo=zone)


def load_demo_events() -> bool:
    organiser = demo_organiser()
    created = False
    hoods: dict[str, Neighbourhood] = {}
    for name, slug in NEIGHBOURHOODS.items():
        hood = db.session.scalar(db.select(Neighbourhood).where(Neighbourhood.slug == slug))
        if hood is None:
            hood = Neighbourhood(name=name, slug=slug)
            db.session.add(hood)
            created = True
        hoods[name] = hood
    db.session.flush()
    initiatives: dict[str, Initiative] = {}
    for name, hood, description, address in INITIATIVES:
        initiative = db.session.scalar(db.select(Initiative).where(Initiative.name == name))
        if initiative is None:
            initiative = Initiative(name=name, neighbourhood=hoods[hood], description=description, address=address)
            db.session.add(initiative)
            created = True
        initiatives[name] = initiative
    db.session.flush()

    today = utcnow().astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    plans: list[dict[str, Any]] = [  # one event each: its columns, and when, where and with whom
        dict(
            title="Wijksafari Oosterpark",
            format="wijksafari",
            days=12,
            hours=(13, 16),
            location="Verzamelen bij Wijkcentrum De Boog, Vondelstraat 3",
            hood="Oosterpark",
            hosts=["Moestuin De Groene Vingers", "Repair Café Oost"],
            owner=Owner.MUNICIPALITY,
            capacity=20,
            stops=[
                ("Wijkcentrum De Boog", "Vondelstraat 3", (13, 0), (13, 30), "Repair Café Oost"),
                ("De moestuin", "Parkweg 12", (13, 45), (14, 30), "Moestuin De Groene Vingers"),
                ("Speeltuin en voedselbos", "Veldlaan 20", (14, 50), (15, 30), "Speeltuinvereniging De Velden"),
                ("Afsluiting met koffie", "Vondelstraat 3", (15, 40), (16, 0), None),
            ],
        ),
        dict(
            title="Speurtocht door het Havenkwartier",
            format="speurtocht",
            days=19,
            hours=(14, 17),
            location="Loods 7, Kadestraat",
            hood="Havenkwartier",
            hosts=["Havenkoor", "Wijkbus Havenkwartier"],
            owner=Owner.RESIDENTS,
            capacity=24,
            stops=[
                ("Start bij het Havenkoor", "Loods 7, Kadestraat", (14, 0), (14, 30), "Havenkoor"),
                ("Opdracht bij de wijkbus", "Kadestraat 30", (14, 45), (15, 30), "Wijkbus Havenkwartier"),
                ("Finale op de kade", "Kadestraat 1", (15, 45), (17, 0), None),
            ],
        ),
        dict(
            title="Bruiscafé in de Buurtkamer",
            format="bruiscafe",
            days=8,
            hours=(16, 18),
            location="Buurtkamer De Ontmoeting, Kerkstraat 41",
            hood="Centrum",
            hosts=["Buurtkamer De Ontmoeting"],
            owner=Owner.RESIDENTS,
            capacity=30,
            # Open for residents who heard about it, with seats held for the invited colleagues (issue 16).
            signup=dict(signup_open=True, signup_seats=12, held_seats=10),
        ),
        dict(
            title="Netwerkborrel initiatieven en gemeente",
            format="netwerkborrel",
            days=26,
            hours=(17, 19),
            location="Stadhuis, Burgerzaal",
            hood="Centrum",
            hosts=["Stadsimkers", "Taalcafé Rijnbuurt"],
            owner=Owner.MUNICIPALITY,
            capacity=60,
        ),
        dict(
            title="Taalcafé: koffie met de gemeente",
            format="bruiscafe",
            days=15,
            hours=(10, 12),
            location="Bibliotheek Rijnbuurt, Rijnlaan 5",
            hood="Rijnbuurt",
            hosts=["Taalcafé Rijnbuurt"],
            owner=Owner.RESIDENTS,
            capacity=20,
            # A series (reeks): the same morning every month, three times, each date with its own guest list.
            series=Rule(frequency="monthly_weekday", count=3),
        ),
        dict(
            title="Broedplaats: samen de Rijnbuurt schoner",
            format="broedplaats",
            days=33,
            hours=(10, 13),
            location="Bibliotheek Rijnbuurt, Rijnlaan 5",
            hood="Rijnbuurt",
            hosts=["Zwerfafvalteam Rijnbuurt"],
            owner=Owner.RESIDENTS,
            capacity=16,
        ),
    ]
    for plan in plans:
        exists = db.session.scalar(db.select(Event.id).where(Event.title == plan["title"]))
        if exists:
            continue
        day = today + timedelta(days=plan["days"])
        start, end = local_at(day, plan["hours"][0]), local_at(day, plan["hours"][1])
        event = Event(
            title=plan["title"],
            format=plan["format"],
            description=f"Kom kennismaken! {plan['title']} is een informele bijeenkomst voor bewoners en collega's.",
            starts_at=start,
            ends_at=end,
            location=plan["location"],
            neighbourhood=hoods[plan["hood"]],
            owner=plan["owner"],
            status=EventStatus.PUBLISHED,
            published_at=utcnow(),
            capacity=plan["capacity"],
            seats_taken=0,
            rsvp_deadline=start - timedelta(days=3),
            max_plus_ones=1,
            forms_teams=plan["format"] == "speurtocht",
            min_office_share=current_app.config["DEFAULT_OFFICE_SHARE"],
            organiser=organiser,
            hosts=[initiatives[h] for h in plan["hosts"]],
            **plan.get("signup", {}),
        )
        for position, (name, address, (h1, m1), (h2, m2), host) in enumerate(plan.get("stops", []), start=1):
            event.stops.append(
                Stop(
                    position=position,
                    name=name,
                    address=address,
                    starts_at=local_at(day, h1, m1),
                    ends_at=local_at(day, h2, m2),
                    initiative=initiatives[host] if host else None,
                )
            )
        db.session.add(event)
        created = True
    db.session.flush()
    for plan in plans:
        if "series" in plan:
            first = db.session.scalars(db.select(Event).where(Event.title == plan["title"]).order_by(Event.starts_at))
            source = first.first()
            if source is not None and source.series is None:
                make_series(source, plan["series"], organiser_id=organiser.id, with_guests=False)
                created = True
    return created
