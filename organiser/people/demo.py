"""Demo people: colleagues in seven departments, residents for every initiative, and past events with answers
and attendance, so that suggestions have history to work with.

Idempotent: people are looked up by email, departments by name, past events by title.
"""

from __future__ import annotations

import unicodedata
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from ..events.demo import INITIATIVES, demo_organiser, local_at
from ..events.models import Event, EventStatus, Owner, Stop
from ..extensions import db, utcnow
from ..invitations.models import Invitation, InvitationState
from ..places.models import Initiative, Neighbourhood
from .models import ContactRole, Department, Person, PersonKind

#: Department: (office-bound colleagues, frontline colleagues).
DEPARTMENTS = {
    "Vergunningen": (7, 0),
    "Financiën": (6, 0),
    "Beleid Sociaal Domein": (6, 2),
    "Openbare Ruimte": (5, 3),
    "Burgerzaken": (6, 0),
    "Communicatie": (4, 1),
    "Wijkteams": (1, 7),
}

FIRST_NAMES = [
    "Anouk",
    "Bas",
    "Chantal",
    "Daan",
    "Esra",
    "Fleur",
    "Gert",
    "Hanna",
    "Imran",
    "Joke",
    "Koen",
    "Linda",
    "Mohamed",
    "Nina",
    "Olaf",
    "Priya",
    "Quinten",
    "Rachida",
    "Sander",
    "Tessa",
    "Umut",
    "Vera",
    "Wouter",
    "Yara",
    "Zeynep",
    "Arjen",
    "Bianca",
    "Cor",
    "Dewi",
    "Erik",
    "Fatima",
    "Gijs",
    "Hatice",
    "Ivo",
    "Jasmijn",
    "Karim",
    "Lotte",
    "Maarten",
    "Noor",
    "Otto",
    "Petra",
    "Ruben",
    "Sanne",
    "Thijs",
    "Ilse",
    "Youssef",
    "Marloes",
    "Jeroen",
]
LAST_NAMES = [
    "de Vries",
    "Bakker",
    "Yılmaz",
    "Jansen",
    "Visser",
    "El Idrissi",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "Kaya",
    "van den Berg",
    "Koster",
    "Prins",
    "Huisman",
    "Kramer",
    "Aydın",
    "Verhoeven",
    "Postma",
    "Kuipers",
    "Hoekstra",
    "Willems",
    "Bulut",
    "Vermeulen",
    "Kok",
    "Maas",
    "Schouten",
    "van Dam",
    "Boukhari",
    "Jacobs",
    "de Jong",
    "Şahin",
    "Wolters",
    "Lammers",
    "Veenstra",
]

#: Two residents per initiative, in the order of the initiatives in the events demo.
RESIDENT_NAMES = [
    "Henk Groen",
    "Marieke Tuinstra",
    "Ahmed Benali",
    "Greet Hamer",
    "Sevda Arslan",
    "Piet Koffie",
    "Ans Honing",
    "Rob Raat",
    "Nadia Speel",
    "Jan Schommel",
    "Mieke Appel",
    "Kofi Mensah",
    "Tineke Zang",
    "Hassan Ouali",
    "Gerda Stuur",
    "Wim Wiel",
    "Leyla Demir",
    "Bert Woord",
    "Carla Veeg",
    "Ali Schoon",
]

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


def _email_part(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.replace("ı", "i")).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def load_demo() -> bool:
    """Load the demo people and past events; returns whether anything was created."""
    created = False
    departments: dict[str, Department] = {}
    for name in DEPARTMENTS:
        department = db.session.scalar(db.select(Department).where(Department.name == name))
        if department is None:
            department = Department(name=name)
            db.session.add(department)
            created = True
        departments[name] = department
    db.session.flush()

    staff: list[Person] = []
    names = iter(zip(FIRST_NAMES, LAST_NAMES, strict=True))
    for department_name, (office, frontline) in DEPARTMENTS.items():
        for role in [ContactRole.OFFICE] * office + [ContactRole.FRONTLINE] * frontline:
            first, last = next(names)
            person, new = _person(
                f"{first} {last}",
                f"{_email_part(first)}.{_email_part(last)}@gemeente.example",
                kind=PersonKind.STAFF,
                department=departments[department_name],
                contact_role=role,
            )
            staff.append(person)
            created = created or new

    initiatives = {i.name: i for i in db.session.scalars(db.select(Initiative))}
    residents: dict[str, list[Person]] = {}
    resident_names = iter(RESIDENT_NAMES)
    for initiative_name, *_rest in INITIATIVES:
        initiative = initiatives.get(initiative_name)
        if initiative is None:
            continue
        for _n in range(2):
            name = next(resident_names)
            person, new = _person(
                name,
                f"{'.'.join(_email_part(part) for part in name.split())}@bewoners.example",
                kind=PersonKind.RESIDENT,
                initiatives=[initiative],
            )
            residents.setdefault(initiative_name, []).append(person)
            created = created or new
    db.session.flush()
    return _load_past_events(staff, residents, initiatives) or created


def _person(name: str, email: str, **fields) -> tuple[Person, bool]:
    person = db.session.scalar(db.select(Person).where(Person.email == email))
    if person is not None:
        return person, False
    person = Person(name=name, email=email, active=True, locale="nl", **fields)
    db.session.add(person)
    return person, True


def _load_past_events(
    staff: list[Person], residents: dict[str, list[Person]], initiatives: dict[str, Initiative]
) -> bool:
    """Past events with answers: some colleagues came, some declined, attendance recorded for two of them."""
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
