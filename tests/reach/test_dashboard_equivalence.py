"""The reach dashboard's faster computation (issue 12) gives the very figures main's four queries gave, on
generated data over three years and for several periods; and its number of statements does not grow with
the data."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from organiser.events.models import Event, EventStatus
from organiser.extensions import utcnow
from organiser.i18n import to_local
from organiser.invitations.models import Invitation, InvitationState
from organiser.reach import dashboard
from organiser.reach.departments import department_reach
from organiser.reach.office_reach import office_reach
from organiser.reach.periods import Period, default_period
from tests.factories import recorded_statements, route
from tests.reach import reach_reference as reference

FORMATS = ["wijksafari", "speurtocht", "bruiscafe", "netwerkborrel", "broedplaats"]
STATES = [
    InvitationState.YES,
    InvitationState.NO,
    InvitationState.MAYBE,
    InvitationState.INVITED,
    InvitationState.WAITING,
    InvitationState.LISTED,
]


def generate(
    db, rng, invitations, create_department, create_person, create_initiative, create_neighbourhood, create_event
):
    """Departments (one without colleagues), office-bound and frontline colleagues (some left, one erased, one
    without a department), residents, events over three years (some cancelled, some ahead, some with attendance
    recorded, hosts and stops), and `invitations` invitations in every state."""
    hood = create_neighbourhood("Havenkwartier")
    initiatives = [create_initiative(f"Initiatief {i}", hood) for i in range(5)]
    departments = [create_department(f"Afdeling {i}") for i in range(4)]
    create_department("Afdeling zonder collega's")
    people = [
        create_person(
            department=rng.choice(departments),
            role=rng.choice(["office", "office", "frontline"]),
            active=rng.random() > 0.15,
        )
        for _ in range(30)
    ]
    people.append(create_person(department=None))
    people.append(create_person(department=departments[0], deleted=True))
    people += [create_person(kind="resident") for _ in range(5)]
    now = utcnow()
    events = []
    for n in range(24):
        starts = to_local(now - timedelta(days=rng.randint(-20, 3 * 365), hours=rng.randint(0, 8)))
        event = create_event(
            f"Bijeenkomst {n}",
            format=rng.choice(FORMATS),
            starts_at=starts,
            status=EventStatus.CANCELLED if rng.random() < 0.1 else EventStatus.PUBLISHED,
            capacity=500,
            hosts=rng.sample(initiatives, rng.randint(0, 2)),
        )
        if rng.random() < 0.4:
            event.stops = route((starts, starts + timedelta(hours=1), "Halte", "Straat 1", rng.choice(initiatives)))
        events.append(event)
    # Two events at the same moment: the first-timer's first event is then the one with the lower id.
    events[1].starts_at, events[1].ends_at = events[0].starts_at, events[0].ends_at
    db.session.commit()
    recorded = {e.id for e in events if rng.random() < 0.35}
    pairs = rng.sample([(e, p) for e in events for p in people], invitations)
    for event, person in pairs:
        state = rng.choice(STATES)
        attended = None
        if event.id in recorded and state in (InvitationState.YES, InvitationState.WAITING):
            attended = rng.random() < 0.7
        db.session.add(
            Invitation(
                event=event,
                person=person,
                state=state,
                sent_at=None if state == InvitationState.LISTED else now,
                answered_at=now if state in (InvitationState.YES, InvitationState.NO) else None,
                waiting_since=now if state == InvitationState.WAITING else None,
                attended=attended,
                signed_up_at=now if state == InvitationState.YES and rng.random() < 0.2 else None,
            )
        )
    db.session.commit()
    assert db.session.query(Invitation).count() == invitations
    assert db.session.query(Event).count() == 24


def periods() -> list[Period]:
    today = to_local(utcnow()).date()
    return [
        default_period(),
        Period(today - timedelta(days=3 * 366), today),
        Period(today - timedelta(days=700), today - timedelta(days=300)),
        Period(today - timedelta(days=90), today + timedelta(days=30)),
        Period(date(2000, 1, 1), date(2000, 12, 31)),  # nothing in it
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_dashboard_figures_equal_mains(
    app, db, seed, create_department, create_person, create_initiative, create_neighbourhood, create_event
):
    generate(
        db,
        random.Random(seed),
        300,
        create_department,
        create_person,
        create_initiative,
        create_neighbourhood,
        create_event,
    )
    now = utcnow()
    with app.test_request_context():
        for period in periods():
            expected = reference.reach_dashboard(period, now)
            assert dashboard.reach_dashboard(period, now) == expected, period
            # The CSV export computes each table on its own.
            assert office_reach(period, now) == expected.office
            assert department_reach(period, now) == expected.departments
            assert dashboard.reach_dashboard(period, now).tables() == expected.tables()
        # The data says something: people reached, first-timers, initiatives met.
        everything = reference.reach_dashboard(periods()[1], now)
        assert everything.office.reached and any(d.reached for d in everything.departments)
        assert sum(e.first_timers for e in everything.events) and any(d.initiatives for d in everything.initiatives)


@pytest.mark.parametrize("invitations", [10, 200])
def test_dashboard_statements_do_not_grow_with_the_data(
    app, db, invitations, create_department, create_person, create_initiative, create_neighbourhood, create_event
):
    generate(
        db,
        random.Random(7),
        invitations,
        create_department,
        create_person,
        create_initiative,
        create_neighbourhood,
        create_event,
    )
    with app.test_request_context(), recorded_statements(db) as statements:
        figures = dashboard.reach_dashboard(periods()[1])
    assert figures.events  # the data is there
    assert len(statements) == 3  # colleagues reached and invited, the events with first-timers, the initiatives met
