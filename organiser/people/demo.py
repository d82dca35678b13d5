"""Demo people: colleagues in seven departments and residents for every initiative (their past events with
answers are in invitations/past_demo.py).

Idempotent: people are looked up by email, departments by name.
"""

from __future__ import annotations

import unicodedata

from ..events.demo import INITIATIVES
from ..extensions import db
from ..places.models import Initiative
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


def _email_part(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.replace("ı", "i")).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def staff_emails() -> list[str]:
    """The demo colleagues' addresses, in the order they are made (department by department)."""
    names = iter(zip(FIRST_NAMES, LAST_NAMES, strict=True))
    emails = []
    for office, frontline in DEPARTMENTS.values():
        for _n in range(office + frontline):
            first, last = next(names)
            emails.append(f"{_email_part(first)}.{_email_part(last)}@gemeente.example")
    return emails


def resident_emails() -> dict[str, list[str]]:
    """The demo residents' addresses per initiative name (two each), for the initiatives that exist."""
    existing = set(db.session.scalars(db.select(Initiative.name)))
    names = iter(RESIDENT_NAMES)
    emails: dict[str, list[str]] = {}
    for initiative_name, *_rest in INITIATIVES:
        if initiative_name not in existing:
            continue
        for _n in range(2):
            name = next(names)
            emails.setdefault(initiative_name, []).append(
                f"{'.'.join(_email_part(part) for part in name.split())}@bewoners.example"
            )
    return emails


def load_demo() -> bool:
    """Load the demo departments and people; returns whether anything was created."""
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
    return created


def _person(name: str, email: str, **fields) -> tuple[Person, bool]:
    person = db.session.scalar(db.select(Person).where(Person.email == email))
    if person is not None:
        return person, False
    person = Person(name=name, email=email, active=True, locale="nl", **fields)
    db.session.add(person)
    return person, True
