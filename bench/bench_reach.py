"""Reach dashboard at a municipality's scale: 20,000 staff, 2,000 events, 100,000 invitations.

Generates the data straight into a fresh, migrated database (SQLite in a temporary file, and PostgreSQL
in a temporary database on the server of ORGANISER_TEST_DATABASE_URL when that is reachable), then asks
for every dashboard page and CSV table, and the suggestions page (20,000 colleagues, 100,000 past invitations),
through the test client, printing the time, its ratio to /healthz through the same client, this process's CPU
time and the number of statements of each. Targets: reach under a second per page, suggestions 100 ms (issue 12).
Part of `make bench`; on its own: `.venv/bin/python -m bench reach` (or `-m bench.bench_reach`).
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from organiser import create_app
from organiser.extensions import db

from . import harness as h
from .harness import scaled
from .rows import event_row

STAFF = scaled(20_000, 400)
RESIDENTS = scaled(2_000, 50)
EVENTS = scaled(2_000, 40)
INVITATIONS = scaled(100_000, 2_000)
DEPARTMENTS = 40
INITIATIVES = scaled(200, 20)
NEIGHBOURHOODS = 20
YEARS = 3
RUNS = 2
FORMATS = ["wijksafari", "speurtocht", "bruiscafe", "netwerkborrel", "broedplaats"]
PASSWORD = "benchmark-password"  # noqa: S105


def make_app(url: str):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "BASE_URL": "http://organiser.test",
            # The test client asks for "localhost"; the benchmark's organiser has no second factor.
            "TRUSTED_HOSTS": ["localhost", "organiser.test", "organiser.bench"],
            "MFA_REQUIRED_FOR": "none",
        }
    )


def generate(rng: random.Random) -> None:
    """Fill the (migrated, empty) database with a municipality's worth of people, events and answers."""
    from organiser.auth.services import create_organiser
    from organiser.events.models import Event, Stop, event_host
    from organiser.invitations.models import Invitation
    from organiser.people.models import Department, Person, person_initiative, search_key_for
    from organiser.places.models import Initiative, Neighbourhood

    now = datetime.now(UTC).replace(microsecond=0)
    create_organiser("bench@organiser.example", "Bench", PASSWORD, is_admin=True)

    def insert(target, rows: list[dict]) -> None:
        """Many rows at once: COPY on PostgreSQL (row-by-row executemany takes a minute there), else executemany."""
        table = getattr(target, "__table__", target)
        if db.engine.dialect.name != "postgresql":
            db.session.execute(sa.insert(table), rows)
            return
        columns = list(rows[0])
        cursor = db.session.connection().connection.cursor()
        with cursor.copy(f'COPY "{table.name}" ({", ".join(columns)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([naive_utc(row[c]) for c in columns])

    if db.engine.dialect.name == "postgresql":
        # Row triggers keep person_participation and the colleague queue (migrations 0029, 0031); fired row by
        # row on tables made in this very transaction (no statistics yet) they took minutes here: switched off for
        # the load, the summary and the queue are then filled as the migrations fill them.
        _triggers("DISABLE")
    insert(Neighbourhood, [{"id": i, "name": f"Wijk {i}", "slug": f"wijk-{i}"} for i in range(1, NEIGHBOURHOODS + 1)])
    insert(
        Initiative,
        [
            {
                "id": i,
                "name": f"Initiatief {i}",
                "description": "",
                "address": f"Straat {i}",
                "neighbourhood_id": rng.randint(1, NEIGHBOURHOODS),
            }
            for i in range(1, INITIATIVES + 1)
        ],
    )
    insert(Department, [{"id": i, "name": f"Afdeling {i:02d}"} for i in range(1, DEPARTMENTS + 1)])
    people = []
    for i in range(1, STAFF + 1):
        people.append(
            {
                "id": i,
                "name": f"Collega {i}",
                "email": f"collega{i}@gemeente.example",
                "search_key": search_key_for(f"Collega {i}", f"collega{i}@gemeente.example"),
                "kind": "staff",
                "active": rng.random() > 0.05,
                "department_id": rng.randint(1, DEPARTMENTS),
                "contact_role": "office" if rng.random() < 0.85 else "frontline",
                "locale": "nl",
                "created_at": now,
                "updated_at": now,
            }
        )
    for i in range(STAFF + 1, STAFF + RESIDENTS + 1):
        people.append(
            {
                "id": i,
                "name": f"Bewoner {i}",
                "email": f"bewoner{i}@bewoners.example",
                "search_key": search_key_for(f"Bewoner {i}", f"bewoner{i}@bewoners.example"),
                "kind": "resident",
                "active": True,
                "department_id": None,
                "contact_role": None,
                "locale": "nl",
                "created_at": now,
                "updated_at": now,
            }
        )
    insert(Person, people)
    insert(
        person_initiative,
        [
            {"person_id": i, "initiative_id": rng.randint(1, INITIATIVES)}
            for i in range(STAFF + 1, STAFF + RESIDENTS + 1)
        ],
    )
    events, hosts, stops = [], [], []
    span = YEARS * 365 * 24 * 3600
    for i in range(1, EVENTS + 1):
        # Most events lie in the past three years; a few are still to come.
        starts = now - timedelta(seconds=rng.randint(-30 * 24 * 3600, span))
        code = rng.choice(FORMATS)
        events.append(
            {
                "id": i,
                **event_row(
                    f"Bijeenkomst {i}",
                    starts,
                    now=now,
                    hours=3,
                    format=code,
                    location="Stadhuis",
                    status="cancelled" if rng.random() < 0.05 else "published",
                    max_plus_ones=0,
                ),
            }
        )
        for initiative in rng.sample(range(1, INITIATIVES + 1), rng.randint(1, 3)):
            hosts.append({"event_id": i, "initiative_id": initiative})
        if code in ("wijksafari", "speurtocht"):
            for position in range(1, rng.randint(2, 4) + 1):
                stops.append(
                    {
                        "event_id": i,
                        "position": position,
                        "name": f"Halte {position}",
                        "address": "Straat 1",
                        "starts_at": starts + timedelta(minutes=40 * (position - 1)),
                        "ends_at": starts + timedelta(minutes=40 * (position - 1) + 30),
                        "initiative_id": rng.randint(1, INITIATIVES),
                    }
                )
    recorded = {e["id"] for e in events if rng.random() < 0.3}
    invitations, seats = [], {}
    per_event = INVITATIONS // EVENTS
    states = ["yes", "no", "maybe", "invited", "waiting", "listed"]
    for event in events:
        guests = rng.sample(range(1, STAFF + 1), per_event - 5) + rng.sample(range(STAFF + 1, STAFF + RESIDENTS + 1), 5)
        for person_id in guests:
            state = rng.choices(states, [50, 20, 10, 10, 5, 5])[0]
            attended = None
            if event["id"] in recorded and state in ("yes", "waiting"):
                attended = rng.random() < (0.85 if state == "yes" else 0.2)
            seats[event["id"]] = seats.get(event["id"], 0) + (state == "yes")
            invitations.append(
                {
                    "event_id": event["id"],
                    "person_id": person_id,
                    "state": state,
                    "plus_ones": 0,
                    "note": "",
                    "reason": "",
                    "created_at": now,
                    "sent_at": None if state == "listed" else now,
                    "answered_at": now if state in ("yes", "no", "maybe", "waiting") else None,
                    "waiting_since": now if state == "waiting" else None,
                    "attended": attended,
                    "is_guide": False,
                }
            )
    for event in events:
        event["seats_taken"] = seats.get(event["id"], 0)
    insert(Event, events)
    insert(event_host, hosts)
    insert(Stop, stops)
    if db.engine.dialect.name == "postgresql":
        insert(Invitation, invitations)
        for statement in _participation_fill():
            db.session.execute(sa.text(statement))
        _triggers("ENABLE")
        # Explicit ids were given: move the sequences on, for rows made later.
        for table in ("person", "event", "department", "initiative", "neighbourhood", "stop"):
            db.session.execute(
                sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608
            )
    else:
        insert(Invitation, invitations)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("ANALYZE"))
    else:
        with db.engine.begin() as connection:
            connection.execute(sa.text("ANALYZE"))


def _triggers(switch: str) -> None:
    for table in ("person", "invitation", "person_participation"):
        db.session.execute(sa.text(f"ALTER TABLE {table} {switch} TRIGGER USER"))


def _participation_fill() -> list[str]:
    """The statements with which migration 0031 fills person_participation from the invitations there are, then
    the colleague queue from it (made as the people were inserted, before their invitations)."""
    from alembic.script import ScriptDirectory

    migration = ScriptDirectory(str(Path(__file__).resolve().parents[1] / "migrations"))
    module = migration.get_revision("0031_q12_colleague_queue").module
    fill = module.recompute("SELECT person_id FROM invitation").split("; ")
    return [*fill, "DELETE FROM colleague_queue", module.queue_rows("TRUE")]


def naive_utc(value):
    """Moments are stored as naive UTC (see UTCDateTime); COPY bypasses the column type, so convert here."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


#: Colleagues already on the suggestions event's guest list.
ON_LIST = 40


def upcoming_event(title: str, capacity: int) -> dict:
    """The columns of a published event three weeks from now."""
    start = (datetime.now(UTC) + timedelta(days=21)).replace(minute=0, second=0, microsecond=0)
    now = datetime.now(UTC)
    return event_row(title, start, now=now, description="Kennismaken met bewoners en collega's.", capacity=capacity)


def listed_rows(event_id: int, person_ids: list[int]) -> list[dict]:
    """Invitation rows of people on an event's guest list, not invited yet."""
    now = datetime.now(UTC)
    return [
        {
            "event_id": event_id,
            "person_id": p,
            "state": "listed",
            "created_at": now,
            "plus_ones": 0,
            "note": "",
            "reason": "",
            "is_guide": False,
        }
        for p in person_ids
    ]


def add_suggestions_event(rng: random.Random) -> int:
    """An upcoming event with ON_LIST colleagues on its guest list (not invited yet): the suggestions page's."""
    from organiser.events.models import Event
    from organiser.invitations.models import Invitation

    event_id = db.session.execute(
        sa.insert(Event.__table__).returning(Event.__table__.c.id),
        [upcoming_event("Suggesties: wie nodigen we uit?", 200)],
    ).scalar_one()
    db.session.execute(sa.insert(Invitation.__table__), listed_rows(event_id, rng.sample(range(1, STAFF + 1), ON_LIST)))
    db.session.commit()
    return event_id


def pages(suggestions_event: int) -> list[tuple[str, str]]:
    today = date.today()
    everything = f"?from={(today - timedelta(days=YEARS * 366)).isoformat()}&to={today.isoformat()}"
    listed = [("reach dashboard, last 12 months", "/reach"), ("reach dashboard, three years", "/reach" + everything)]
    for key in ("summary", "departments", "first-timers", "months", "initiatives"):
        listed.append((f"{key}.csv, last 12 months", f"/reach/{key}.csv"))
    listed.append(("first-timers page, three years", "/reach/first-timers" + everything))
    listed.append(("first-timers.csv, three years", "/reach/first-timers.csv" + everything))
    suggestions = f"/events/{suggestions_event}/guests/suggestions?aantal=10"
    listed.append((f"suggestions page (10 of {STAFF:,} staff)", suggestions))
    return listed


def measure(url: str, label: str) -> list[list[str]]:
    """Every page's row: time (median, min–max of RUNS after a warm-up), ratio to /healthz of the same test client
    in the same run, this process's CPU time (for SQLite that includes the queries), statements, size."""
    app = make_app(url)
    rows = []
    with app.app_context():
        from flask_migrate import upgrade

        started = time.perf_counter()
        upgrade()
        rng = random.Random(2026)
        generate(rng)
        suggestions_event = add_suggestions_event(rng)
        print(
            f"[{label}] generated {STAFF:,} staff, {EVENTS:,} events, {INVITATIONS:,} invitations "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        client = app.test_client()
        assert client.post("/login", data={"email": "bench@organiser.example", "password": PASSWORD}).status_code == 302
        for name, path in pages(suggestions_event):
            walls, cpus, health = [], [], []
            for _ in range(RUNS + 1):  # the first run warms caches and is not counted
                with h.QueryCounter(db.engine) as counter:
                    wall, cpu = time.perf_counter(), time.process_time()
                    response = client.get(path)
                    walls.append(time.perf_counter() - wall)
                    cpus.append(time.process_time() - cpu)
                assert response.status_code == 200, (path, response.status_code)
                health.append(_healthz(client))
            times = h.Spread(walls[1:])
            ratio = h.Ratio([statistics.median(health[1:]) / w for w in walls[1:]])
            rows.append(
                [
                    name,
                    label,
                    h.Spread([w * 1000 for w in times.values]).show("{:,.0f}", " ms"),
                    ratio.show(),
                    f"{min(cpus[1:]) * 1000:,.0f} ms",
                    str(counter.count),
                    f"{len(response.get_data()) / 1024:,.0f} KiB",
                ]
            )
            print(f"[{label}] {' | '.join(rows[-1])}", flush=True)
        db.session.remove()
        db.engine.dispose()
    return rows


def _healthz(client) -> float:
    """Seconds of one /healthz through the same test client (median of 5): the unit of the ratios."""
    times = []
    for _ in range(5):
        began = time.perf_counter()
        assert client.get("/healthz").status_code == 200
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    print(f"Load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; runs of {RUNS} after a warm-up.")
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        # BENCH_SHORT: SQLite only (CI stays short; PostgreSQL runs in bench_feeds and bench_load there).
        for label, url in h.Databases(Path(directory), postgres=not h.SHORT):
            rows += measure(url, label)
    h.print_table(
        f"Reach and suggestions, {STAFF:,} staff, {INVITATIONS:,} invitations over {YEARS} years, in-process "
        "(test client): time median (min–max); ratio = (1/time) ÷ (1/time of /healthz, same client, same run)",
        ["what", "database", "time", "ratio to /healthz", "cpu (this process)", "statements", "size"],
        rows,
    )


if __name__ == "__main__":
    main()
