"""The suggestions read a per-person summary kept by triggers: the same suggestions and reasons as ranking every
colleague's invitations on each request (the way before, kept here as the reference), on generated data, also
after the changes the triggers must follow; and a fixed, small number of queries whatever the size."""

from __future__ import annotations

import heapq
import random
from datetime import UTC, datetime, timedelta

import pytest
from flask import current_app
from sqlalchemy import and_, case, func, or_
from sqlalchemy import event as sa_event

from organiser.events.models import Event, EventStatus
from organiser.extensions import utcnow
from organiser.invitations.guest_list import ON_LIST_STATES
from organiser.invitations.models import Invitation, InvitationState
from organiser.invitations.participation import PersonParticipation, QueuedColleague
from organiser.invitations.retention import detach_old_answers
from organiser.invitations.suggestions import _long_date, suggest_colleagues
from organiser.people.erasure import delete_person
from organiser.people.models import ContactRole, Department, Person, PersonKind
from tests.factories import recorded_statements

STATES = list(InvitationState)
ANSWERED = [
    InvitationState.YES,
    InvitationState.NO,
    InvitationState.MAYBE,
    InvitationState.WAITING,
    InvitationState.INVITED,
]


def reference(db, event: Event, n: int, now: datetime) -> list[tuple[int, list[str]]]:
    """The ranking as it was made before the summary: every colleague in Python, from all invitations."""
    attended = and_(
        Event.ends_at < now,
        Event.status != EventStatus.CANCELLED,
        or_(
            Invitation.attended.is_(True),
            and_(Invitation.attended.is_(None), Invitation.state == InvitationState.YES),
        ),
    )
    ranked = (
        db.select(
            Invitation.person_id.label("person_id"),
            Invitation.state.label("state"),
            func.row_number()
            .over(partition_by=Invitation.person_id, order_by=(Event.starts_at.desc(), Invitation.id.desc()))
            .label("rank"),
        )
        .join(Event, Event.id == Invitation.event_id)
        .where(Invitation.state != InvitationState.LISTED, Invitation.event_id != event.id)
        .subquery()
    )
    declined = (
        db.select(ranked.c.person_id)
        .where(ranked.c.rank <= 2)
        .group_by(ranked.c.person_id)
        .having(func.count() == 2, func.sum(case((ranked.c.state == InvitationState.NO, 1), else_=0)) == 2)
    )
    on_list = db.select(Invitation.person_id).where(Invitation.event_id == event.id)
    candidates = db.session.execute(
        db.select(Person.id, Person.name, Person.department_id, Person.contact_role)
        .where(Person.kind == PersonKind.STAFF, Person.active.is_(True), Person.deleted_at.is_(None))
        .where(Person.contact_role.is_not(None))
        .where(Person.id.not_in(on_list), Person.id.not_in(declined))
    ).all()
    last_attended = dict(
        db.session.execute(
            db.select(Invitation.person_id, func.max(Event.ends_at))
            .join(Event, Event.id == Invitation.event_id)
            .where(Invitation.event_id != event.id, attended)
            .group_by(Invitation.person_id)
        ).all()
    )
    represented = set(
        db.session.scalars(
            db.select(Person.department_id)
            .distinct()
            .join(Invitation, Invitation.person_id == Person.id)
            .where(Invitation.event_id == event.id, Invitation.state.in_(ON_LIST_STATES))
            .where(Person.kind == PersonKind.STAFF)
        )
    )
    queues: dict = {ContactRole.OFFICE: {}, ContactRole.FRONTLINE: {}}
    for person_id, name, department_id, role in candidates:
        last = last_attended.get(person_id)
        key = (0, 0.0) if last is None else (1, last.replace(tzinfo=UTC).timestamp())
        queues[role].setdefault(department_id, []).append((key, name.lower(), person_id, last))

    def turn(department_id, queue):
        best = queue[-1]
        return (
            picked_from.get(department_id, 0),
            department_id in represented,
            best[0],
            best[1],
            -1 if department_id is None else department_id,
            department_id,
        )

    picked_from: dict = {}
    chosen = []
    for role in (ContactRole.OFFICE, ContactRole.FRONTLINE):
        heap = []
        for department_id, queue in queues[role].items():
            queue.sort(reverse=True)
            heap.append(turn(department_id, queue))
        heapq.heapify(heap)
        while heap and len(chosen) < n:
            *_order, department_id = heapq.heappop(heap)
            queue = queues[role][department_id]
            _key, _name, person_id, last = queue.pop()
            first = department_id not in represented and picked_from.get(department_id, 0) == 0
            picked_from[department_id] = picked_from.get(department_id, 0) + 1
            chosen.append((person_id, last, first))
            if queue:
                heapq.heappush(heap, turn(department_id, queue))
    people = {p.id: p for p in db.session.scalars(db.select(Person).where(Person.id.in_([c[0] for c in chosen])))}
    result = []
    for person_id, last, first in chosen:
        person = people[person_id]
        reasons = [
            "nog nooit deelgenomen" if last is None else f"laatst deelgenomen op {_long_date(last.replace(tzinfo=UTC))}"
        ]
        if first and person.department is not None:
            reasons.append(f"afdeling {person.department.name} nog niet vertegenwoordigd")
        reasons.append("werkt op kantoor" if person.is_office else "heeft een contactrol (frontlinie)")
        result.append((person_id, reasons))
    return result


def generate(db, rng: random.Random, people: int = 240, batch: str = "") -> tuple[list[Event], list[Person]]:
    """Departments (and colleagues without one), both roles, residents, inactive people; past, cancelled and
    upcoming events; invitations in every state, some checked in, some not."""
    now = utcnow()
    departments = [Department(name=f"Afdeling {batch}{d}") for d in range(7)]
    db.session.add_all(departments)
    persons = [
        Person(
            name=rng.choice(["an", "Bo", "bea", "Cor", "de Vries", "Ed", "ed", "Fien"]) + f" {rng.randrange(60)}",
            email=f"p{batch}{n}@gemeente.example",
            kind=PersonKind.STAFF if n % 13 else PersonKind.RESIDENT,
            active=n % 17 != 0,
            department=None if n % 11 == 0 else rng.choice(departments),
            contact_role=None if n % 13 == 0 else rng.choice([ContactRole.OFFICE, ContactRole.FRONTLINE]),
        )
        for n in range(people)
    ]
    db.session.add_all(persons)
    events = []
    for e in range(14):
        # Some events share an end, so that ties in "longest ago" are decided by name.
        starts = now + timedelta(days=(e % 10 - 8) * 20, hours=e % 3)
        events.append(
            Event(
                title=f"Bijeenkomst {e}",
                format="bruiscafe",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                location="Kerkstraat 41",
                status=EventStatus.CANCELLED if e % 6 == 5 else EventStatus.PUBLISHED,
                capacity=1000,
                seats_taken=0,
            )
        )
    db.session.add_all(events)
    db.session.flush()
    upcoming = [e for e in events if e.starts_at > now and e.status == EventStatus.PUBLISHED]
    for n, person in enumerate(persons):
        # Some say yes to every upcoming event: their last time is the one before two events ahead.
        twice_ahead = n % 19 == 1
        chosen = rng.sample(events, rng.randrange(0, 6))
        if twice_ahead:
            chosen = upcoming + [e for e in chosen if e not in upcoming]
        for event in chosen:
            yes = twice_ahead and event in upcoming
            state = InvitationState.YES if yes else rng.choice(STATES)
            event.seats_taken += yes  # their seats, which retention or erasure gives back
            db.session.add(
                Invitation(
                    event=event,
                    person=person,
                    state=state,
                    waiting_since=now if state == InvitationState.WAITING else None,
                    sent_at=None if state == InvitationState.LISTED else now,
                    attended=None if yes else rng.choice([None, None, True, False]),
                )
            )
    db.session.flush()
    return events, persons


def suggested(event: Event, n: int, now: datetime) -> list[tuple[int, list[str]]]:
    return [(s.person.id, s.reasons) for s in suggest_colleagues(event, n, now)]


def assert_same(db, events: list[Event], now: datetime) -> None:
    for event in events:
        for n in (1, 7, 40, 400):
            assert suggested(event, n, now) == reference(db, event, n, now), (event.title, n)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_same_suggestions_and_reasons_as_ranking_every_invitation(in_request, db, seed):
    rng = random.Random(seed)
    events, persons = generate(db, rng)
    now = utcnow()
    # The data holds every case of a last time: never, behind, latest ahead, and the one before ahead too.
    cases = {
        ("never" if q.last_taken_part_at is None else "behind" if q.last_taken_part_at < now else "ahead")
        + ("" if q.previous_taken_part_at is None or q.previous_taken_part_at < now else ", twice")
        for q in db.session.scalars(db.select(QueuedColleague))
    }
    assert cases == {"never", "behind", "ahead", "ahead, twice"}
    assert_same(db, events, now)
    # Later: events that were upcoming have ended; their yes answers now count.
    assert_same(db, events[:4], now + timedelta(days=60))


def test_the_summary_follows_every_change(in_request, db):
    rng = random.Random(3)
    events, persons = generate(db, rng)
    invitations = db.session.scalars(db.select(Invitation).order_by(Invitation.id)).all()
    for invitation in rng.sample(invitations, 60):
        # Every answer, also those the summary reads nothing of (waiting, maybe, invited: no recomputation).
        invitation.state = rng.choice(ANSWERED)
        invitation.waiting_since = utcnow() if invitation.state == InvitationState.WAITING else None
        invitation.attended = rng.choice([None, True, False])
        invitation.sent_at = invitation.sent_at or utcnow()
    for invitation in [i for i in invitations if i.state == InvitationState.LISTED][:30]:
        invitation.state = InvitationState.INVITED  # sent
        invitation.sent_at = utcnow()
    for invitation in rng.sample(invitations, 20):
        db.session.delete(invitation)
    db.session.flush()
    events[0].status = EventStatus.CANCELLED
    events[1].starts_at -= timedelta(days=300)
    events[1].ends_at -= timedelta(days=300)
    events[2].status = EventStatus.PUBLISHED
    # A bulk statement, past the ORM.
    now = utcnow()
    db.session.execute(
        db.update(Invitation).where(Invitation.event_id == events[3].id).values(state=InvitationState.NO, sent_at=now)
    )
    db.session.execute(db.delete(Event).where(Event.id == events[4].id))
    db.session.flush()
    delete_person(persons[5])
    db.session.flush()
    # The people themselves change: renamed, moved, another role, inactive, active again, made a resident.
    departments = db.session.scalars(db.select(Department)).all()
    staff = [p for p in persons if p.kind == PersonKind.STAFF and p.deleted_at is None]
    for person in rng.sample(staff, 40):
        change = rng.randrange(5)
        if change == 0:
            person.name = rng.choice(["aa", "Zz", "Ée"]) + person.name
        elif change == 1:
            person.department = rng.choice([None, *departments])
        elif change == 2:
            person.contact_role = ContactRole.FRONTLINE if person.is_office else ContactRole.OFFICE
        elif change == 3:
            person.active = not person.active
        else:
            person.kind, person.contact_role = PersonKind.RESIDENT, None
    db.session.flush()
    # A bulk statement past the ORM, on people too.
    db.session.execute(db.update(Person).where(Person.id.in_([p.id for p in staff[:10]])).values(active=False))
    db.session.flush()
    db.session.expire_all()
    assert_same(db, events[5:], utcnow())
    assert db.session.get(PersonParticipation, persons[5].id) is None
    empty = db.select(PersonParticipation).where(
        PersonParticipation.last_taken_part_at.is_(None), PersonParticipation.declined_last_two.is_(False)
    )
    assert db.session.scalars(empty).all() == []
    # Retention detaches old answers from their people (to nameless stand-ins): they no longer count.
    later = utcnow() + timedelta(days=200)
    assert detach_old_answers(later + timedelta(days=current_app.config["RETENTION_ANSWERS_DAYS"])) > 0
    db.session.expire_all()
    assert_same(db, events[5:], later)


def test_sending_ends_a_run_of_two_declines_listing_changes_nothing(in_request, db, create_event, create_person):
    person = create_person(name="Twee Keer Nee")
    now = utcnow()
    for days in (-40, -20):
        event = create_event(starts_at=now + timedelta(days=days))
        db.session.add(Invitation(event=event, person=person, state=InvitationState.NO, sent_at=now))
    db.session.flush()
    assert db.session.get(PersonParticipation, person.id).declined_last_two
    later = Invitation(event=create_event(), person=person, state=InvitationState.LISTED)
    db.session.add(later)
    db.session.flush()
    db.session.expire_all()
    assert db.session.get(PersonParticipation, person.id).declined_last_two
    later.state, later.sent_at = InvitationState.INVITED, now
    db.session.flush()
    db.session.expire_all()
    assert db.session.get(PersonParticipation, person.id) is None  # nothing left to say


def test_only_a_change_of_yes_no_or_listed_recomputes_the_summary(in_request, db, create_event, create_person):
    """The summary reads three things of a state: yes, no, listed. Joining a waiting list, answering maybe or going
    back to not answered leaves it alone (recomputed, it ran inside the event's row lock: issue 12); a no does not.
    Seen by a summary row made wrong on purpose: only a recomputation puts it right."""
    person = create_person(name="Wacht Even")
    now = utcnow()
    db.session.add(
        Invitation(
            event=create_event(starts_at=now - timedelta(days=30)),
            person=person,
            state=InvitationState.YES,
            sent_at=now,
        )
    )
    upcoming = Invitation(event=create_event(), person=person, state=InvitationState.INVITED, sent_at=now)
    db.session.add(upcoming)
    db.session.flush()

    def stored() -> datetime | None:
        db.session.expire_all()
        return db.session.get(PersonParticipation, person.id).last_taken_part_at

    truth, wrong = stored(), datetime(2001, 1, 1, tzinfo=UTC)
    assert truth is not None
    db.session.execute(
        db.update(PersonParticipation)
        .where(PersonParticipation.person_id == person.id)
        .values(last_taken_part_at=wrong)
    )
    for state in (InvitationState.WAITING, InvitationState.MAYBE, InvitationState.INVITED, InvitationState.WAITING):
        upcoming.state, upcoming.waiting_since = state, now if state == InvitationState.WAITING else None
        db.session.flush()
        assert stored() == wrong, state
    upcoming.state, upcoming.waiting_since = InvitationState.NO, None
    db.session.flush()
    assert stored() == truth


def test_two_queries_none_over_all_invitations_whatever_the_size(in_request, db):
    """One ranking query (LIMITed) and one for the chosen people, whatever the numbers."""
    rng = random.Random(4)
    events, _persons = generate(db, rng, people=10)
    with recorded_statements(db) as small:
        suggest_colleagues(events[-1], 10)
    generate(db, rng, people=200, batch="b")
    with recorded_statements(db) as large:
        more = suggest_colleagues(events[-1], 10)
    assert len(small) == len(large) == 2
    assert len(more) == 10
    assert "LIMIT" in large[0].upper() and "COLLEAGUE_QUEUE" in large[0].upper()


#: The tables the ranking may only look into by an index (`department` it reads whole: a few dozen rows).
LOOKED_UP = {"person", "person_participation", "colleague_queue", "invitation", "event"}


def test_the_ranking_reads_no_colleague_it_does_not_rank(in_request, db):
    """The ranking reads each queue's first n and the few whose latest event lies ahead, by index: no table of
    people, invitations or events is read from end to end (the plan, asked of the database itself; on
    PostgreSQL with sequential scans and hash and merge joins priced out, which on a few hundred rows it would
    rightly prefer: it then reads a table whole only if no index can find what the query asks for)."""
    events, _persons = generate(db, random.Random(5))
    executed = []

    def record(_connection, _cursor, statement, parameters, *_rest):
        executed.append((statement, parameters))

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        suggest_colleagues(events[-1], 10)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    statement, parameters = executed[0]
    connection = db.session.connection()
    if db.engine.dialect.name == "postgresql":
        for method in ("seqscan", "hashjoin", "mergejoin"):
            connection.exec_driver_sql(f"SET LOCAL enable_{method} = off")
        (tree,) = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar_one()
        plan = [
            f"{node['Node Type']} on {node.get('Relation Name')}: {node.get('Index Cond')}"
            for node in _nodes(tree["Plan"])
        ]
        whole = [
            node["Node Type"] + " on " + node["Relation Name"]
            for node in _nodes(tree["Plan"])
            if node.get("Relation Name") in LOOKED_UP and not ({"Index Cond", "Recheck Cond"} & set(node))
        ]
    else:
        steps = [row[3] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
        assert any(step.startswith("SEARCH colleague_queue") for step in steps), steps
        whole = [
            step for step in steps if step.startswith("SCAN") and step.split()[1].rstrip("_0123456789") in LOOKED_UP
        ]
    assert whole == [], plan if db.engine.dialect.name == "postgresql" else steps


def _nodes(node: dict):
    yield node
    for child in node.get("Plans", ()):
        yield from _nodes(child)
