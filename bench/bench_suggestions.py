"""How fast 'suggest colleagues' is with 20,000 colleagues and 5,000 past invitations, and in how many queries.

Run: .venv/bin/python -m bench.bench_suggestions
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

from flask import Flask
from sqlalchemy import insert

from organiser.events.models import Event, EventStatus
from organiser.extensions import db, utcnow
from organiser.invitations.models import Invitation, InvitationState
from organiser.invitations.suggestions import suggest_colleagues
from organiser.people.models import ContactRole, Department, Person, PersonKind

from .people_support import QueryCounter, postgres_app, sqlite_app

STAFF = 20_000
PAST_INVITATIONS = 5_000
PAST_EVENTS = 50
DEPARTMENTS = 25
ON_LIST = 40
RUNS = 5


def seed(app: Flask) -> Event:
    """The colleagues (a quarter frontline), 50 past events with 100 answers each, and an upcoming event with 40 on
    its list."""
    now = utcnow()
    departments = [Department(name=f"Afdeling {n}") for n in range(DEPARTMENTS)]
    db.session.add_all(departments)
    db.session.flush()
    db.session.execute(
        insert(Person.__table__),
        [
            {
                "name": f"Collega {n}",
                "email": f"collega{n}@gemeente.example",
                "kind": PersonKind.STAFF,
                "active": n % 50 != 0,
                "department_id": departments[n % DEPARTMENTS].id,
                "contact_role": ContactRole.FRONTLINE if n % 4 == 0 else ContactRole.OFFICE,
                "locale": "nl",
                "created_at": now,
                "updated_at": now,
            }
            for n in range(STAFF)
        ],
    )
    person_ids = db.session.scalars(db.select(Person.id).order_by(Person.id)).all()

    def event(title: str, days: int) -> Event:
        start = now + timedelta(days=days)
        return Event(
            title=title,
            format="bruiscafe",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            location="Stadhuis",
            status=EventStatus.PUBLISHED,
            capacity=200,
            seats_taken=0,
            published_at=now,
        )

    past = [event(f"Eerder {n}", -7 * (n + 1)) for n in range(PAST_EVENTS)]
    upcoming = event("Straks", 14)
    db.session.add_all([*past, upcoming])
    db.session.flush()
    per_event = PAST_INVITATIONS // PAST_EVENTS
    rows = []
    for n in range(PAST_INVITATIONS):
        state = InvitationState.NO if n % 3 == 0 else InvitationState.YES
        rows.append(
            {
                "event_id": past[n // per_event].id,
                "person_id": person_ids[(n * 7919) % 3000],  # 3,000 colleagues share the history, often repeatedly
                "state": state,
                "sent_at": now,
                "attended": None if n % 5 else (n % 10 != 0),
                "created_at": now,
            }
        )
    # The same person twice at one event is not allowed: keep the first.
    seen = set()
    unique_rows = []
    for row in rows:
        key = (row["event_id"], row["person_id"])
        if key not in seen:
            seen.add(key)
            unique_rows.append(row)
    db.session.execute(insert(Invitation.__table__), unique_rows)
    db.session.execute(
        insert(Invitation.__table__),
        [
            {
                "event_id": upcoming.id,
                "person_id": person_ids[n * 37],
                "state": InvitationState.LISTED,
                "created_at": now,
            }
            for n in range(ON_LIST)
        ],
    )
    db.session.commit()
    print(f"  seeded {STAFF:,} colleagues, {len(unique_rows):,} past invitations in {PAST_EVENTS} events")
    return upcoming


def run(app: Flask, label: str) -> None:
    print(f"{label}:")
    with app.test_request_context():
        event = seed(app)
        event_id = event.id
        for n in (10, 50):
            timings, counts = [], set()
            for _ in range(RUNS):
                db.session.expire_all()
                event = db.session.get(Event, event_id)
                with QueryCounter(db.engine) as queries:
                    started = time.perf_counter()
                    suggestions = suggest_colleagues(event, n)
                    timings.append(time.perf_counter() - started)
                counts.add(queries.count)
            assert len(suggestions) == n
            print(
                f"  suggest {n:>2}: median {statistics.median(timings) * 1000:.0f} ms "
                f"(best {min(timings) * 1000:.0f} ms over {RUNS} runs), queries {sorted(counts)}"
            )


def main() -> None:
    with sqlite_app() as app:
        run(app, "SQLite")
    with postgres_app() as app:
        if app is None:
            print("PostgreSQL: not reachable, skipped")
        else:
            run(app, "PostgreSQL")


if __name__ == "__main__":
    main()
