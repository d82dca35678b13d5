"""The one home of the test factories, registered once as a pytest plugin (`pytest_plugins` in tests/conftest.py).

Each factory is a fixture that returns a callable (Indico's `create_event` style): `create_person(...)`,
`invite(event, person, state)`, ... Every test in every folder gets them by naming them as arguments; nobody
imports a conftest. The defaults are the same everywhere and listed in each factory's docstring: a test that
asserts on a value passes that value explicitly, so the reader sees it and a changed default cannot make it lie.

Factories commit, so that what they make is there for the requests a test sends (each in its own session).
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import text as sa_text

from organiser import signals
from organiser.auth.services import create_organiser as create_organiser_account
from organiser.calendar import told
from organiser.calendar.links import issue_feed_token
from organiser.events.models import Event, EventStatus, Stop
from organiser.extensions import utcnow
from organiser.followup.answering import record_followup, request_of
from organiser.followup.models import FollowupAnswer, FollowupRequest
from organiser.followup.settings import opens_at
from organiser.invitations import answers, links, sending, signups
from organiser.invitations.models import Invitation, InvitationState, SignupKind
from organiser.mail.models import OutboxMessage
from organiser.people.models import ContactRole, Department, Person, PersonKind
from organiser.places.models import Initiative, Neighbourhood

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
#: The password of every organiser the factories make (Client.login uses it).
PASSWORD = "correct horse battery"


@contextmanager
def on_every_statement(db, record: Callable[..., None]) -> Iterator[None]:
    """Call `record` (SQLAlchemy's before_cursor_execute: connection, cursor, statement, …) for each statement the
    block sends, on every engine of the app: its own, and the one of the reads outside a transaction (pool.py)."""
    engines = list(db.engines.values())
    for engine in engines:
        sa_event.listen(engine, "before_cursor_execute", record)
    try:
        yield
    finally:
        for engine in engines:
            sa_event.remove(engine, "before_cursor_execute", record)


@contextmanager
def recorded_statements(db) -> Iterator[list[str]]:
    """The SQL statements the block sends to the database, in order (for the tests that a page or a job takes
    the same number of queries however much data there is)."""
    statements: list[str] = []

    def record(_connection, _cursor, statement, *_rest):
        statements.append(statement)

    with on_every_statement(db, record):
        yield statements


def in_autocommit(connection) -> bool:
    """Whether the driver runs each statement on its own (no BEGIN before it): psycopg's autocommit, or the
    sqlite3 module's isolation_level None, which is how SQLAlchemy sets AUTOCOMMIT on each."""
    raw = connection.connection.dbapi_connection
    return raw.autocommit is True if connection.dialect.name == "postgresql" else raw.isolation_level is None


def wait_until(predicate, timeout: float, what: str, every: float = 0.1):
    """The first true value of `predicate()`, asked every `every` seconds; AssertionError naming `what` when none
    came within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not within {timeout:g} s: {what}")


def told_rows_listening(seconds: float = 10.0):
    """The current app's kept feed validator rows (calendar/told.py) once its thread listens; None on SQLite."""
    kept = told.for_app()
    if kept is None:
        return None
    kept.generation()  # starts the thread in this process
    wait_until(lambda: kept.listening, seconds, f"somebody listening on {told.CHANNEL}", every=0.01)
    return kept


def told_caught_up(db, seconds: float = 10.0) -> None:
    """Wait until the current app's listener has heard every notification committed so far (on SQLite, nothing to
    wait for): a ping sent now is heard after them (PostgreSQL delivers in commit order)."""
    kept = told.for_app()
    if kept is None:
        return
    payload = f"{told.PING}test:{time.monotonic()}"
    db.session.execute(sa_text("SELECT pg_notify(:channel, :payload)"), {"channel": told.CHANNEL, "payload": payload})
    db.session.commit()
    wait_until(lambda: kept.heard(payload), seconds, f"the listener hearing {payload}", every=0.005)


def at_once(app, db, calls: list[Callable[[], object]]) -> list[object]:
    """Run each call in a thread of its own (its own app context, session and, on PostgreSQL, connection, as
    several app servers would), all released together; each commits. Returns what each call returned, in the
    order of `calls`; fails on any error (for the concurrency tests: no overbooking, no double use)."""
    start = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(n: int, call: Callable[[], object]) -> None:
        try:
            with app.app_context():
                start.wait()
                results[n] = call()
                db.session.commit()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    db.session.expire_all()
    return results


def saved(db, row):
    """The row added and committed, so that the requests a test sends (each in its own session) see it."""
    db.session.add(row)
    db.session.commit()
    return row


# --- Organisers and places ---------------------------------------------------------------------------------------


@pytest.fixture
def create_organiser(db):
    """Factory: an organiser account through the real service (the password is PASSWORD)."""

    def factory(email="organiser@example.org", name="Olga Organisator", is_admin=False):
        organiser = create_organiser_account(email, name, PASSWORD, is_admin=is_admin)
        db.session.commit()
        return organiser

    return factory


@pytest.fixture
def organiser(create_organiser):
    """The organiser `Client.login()` logs in as (organiser@example.org)."""
    return create_organiser()


@pytest.fixture
def create_neighbourhood(db):
    """Factory: a wijk (default Oosterpark; the slug follows the name)."""

    def factory(name="Oosterpark", slug=None):
        return saved(db, Neighbourhood(name=name, slug=slug or name.lower().replace(" ", "-")))

    return factory


@pytest.fixture
def create_initiative(db, create_neighbourhood):
    """Factory: a residents' initiative (default Moestuin De Groene Vingers, in a new wijk Oosterpark)."""

    def factory(name="Moestuin De Groene Vingers", neighbourhood=None):
        return saved(db, Initiative(name=name, neighbourhood=neighbourhood or create_neighbourhood(), description=""))

    return factory


# --- Events ------------------------------------------------------------------------------------------------------


@pytest.fixture
def create_event(db):
    """Factory: an event, published unless told otherwise, starting in ten days at 14:00 Amsterdam time for
    two hours, 20 seats, no plus-ones; any other column as a keyword (`max_plus_ones=1`, `forms_teams=True`)."""

    def factory(
        title="Bruiscafé in de Buurtkamer",
        format="bruiscafe",
        starts_at=None,
        hours=2,
        organiser=None,
        status=EventStatus.PUBLISHED,
        capacity=20,
        **fields,
    ):
        if starts_at is None:
            day = (utcnow() + timedelta(days=10)).astimezone(AMSTERDAM)
            starts_at = day.replace(hour=14, minute=0, second=0, microsecond=0)
        event = Event(
            title=title,
            format=format,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=hours),
            location="Kerkstraat 41",
            status=status,
            capacity=capacity,
            seats_taken=0,
            sequence=0,
            organiser_id=organiser.id if organiser else None,
            published_at=utcnow() if status != EventStatus.DRAFT else None,
            **fields,
        )
        return saved(db, event)

    return factory


def route(*stops: tuple[datetime, datetime, str, str] | tuple[datetime, datetime, str, str, Initiative]) -> list[Stop]:
    """The stops of a route, numbered in the order given: each (starts_at, ends_at, name, address[, initiative])."""
    return [
        Stop(
            position=position,
            starts_at=stop[0],
            ends_at=stop[1],
            name=stop[2],
            address=stop[3],
            initiative=stop[4] if len(stop) > 4 else None,
        )
        for position, stop in enumerate(stops, start=1)
    ]


# --- People ------------------------------------------------------------------------------------------------------


@pytest.fixture
def create_department(db):
    """Factory: a department by name (default Vergunningen), or the existing one with that name."""

    def factory(name="Vergunningen"):
        found = db.session.scalar(db.select(Department).where(Department.name == name))
        return found or saved(db, Department(name=name))

    return factory


@pytest.fixture
def create_person(db, create_department):
    """Factory: a person in the directory.

    Defaults: "Persoon N" with persoonN@gemeente.example (N counts up within a test), staff, office-bound,
    in the department Vergunningen, active. `department` is a name or a Department (None: none); a resident
    is `kind="resident"` (no department, no contact role); `deleted=True` makes an erased person's row.
    """
    numbers = itertools.count(1)

    def factory(
        name: str | None = None,
        email: str | None = None,
        kind: PersonKind | str = PersonKind.STAFF,
        department: Department | str | None = "Vergunningen",
        role: ContactRole | str | None = ContactRole.OFFICE,
        initiatives: Iterable[Initiative] = (),
        active: bool = True,
        deleted: bool = False,
        **fields,
    ) -> Person:
        number = next(numbers)
        role = fields.pop("contact_role", role)  # the column's own name works too
        kind = PersonKind(kind)
        staff = kind == PersonKind.STAFF
        if isinstance(department, str):
            department = create_department(department)
        person = Person(
            name=name or f"Persoon {number}",
            email=None if deleted else (email or f"persoon{number}@gemeente.example").lower(),
            kind=kind,
            active=active,
            department=department if staff else None,
            contact_role=ContactRole(role) if staff and role else None,
            initiatives=list(initiatives),
            deleted_at=utcnow() if deleted else None,
            **fields,
        )
        return saved(db, person)

    return factory


# --- Invitations -------------------------------------------------------------------------------------------------

#: The answers the real service records (`answers.record_answer`).
ANSWERED = frozenset({InvitationState.YES, InvitationState.NO, InvitationState.MAYBE})


@pytest.fixture
def invite(db, create_person):
    """Factory: `person` (or a new person of that name) invited to `event`, in `state` (default INVITED).

    LISTED is on the guest list, not sent; any other state is sent (`sent_at`, no mail, no RSVP token: ask
    `rsvp_token` for one). Yes, no and maybe are recorded by the real service, as the organiser records an
    answer on someone's behalf (`answers.record_answer`, without mail): seats_taken and the waiting list stay
    as in production, and a yes that does not fit fails here rather than overbook. Its signals to other
    domains stay muted (a yes is not placed in a team): a test of that answers through the RSVP page or calls
    the receiver. A cancelled event takes no answers any more, so there the state and the seats are written
    directly, by the same rule (`answers.seats_for`). WAITING is written directly (waiting since now), and only
    on an event without a seat for them: a later answer would promote them at once otherwise.
    Any other column as a keyword (`attended=True`, `reason="..."`, `sent_at=...`), set last.
    """

    def factory(
        event: Event,
        person: Person | str,
        state: InvitationState | str = InvitationState.INVITED,
        *,
        plus_ones: int = 0,
        note: str = "",
        **fields,
    ) -> Invitation:
        state = InvitationState(state)
        if isinstance(person, str):
            person = create_person(person)
        now = utcnow()
        invitation = Invitation(event=event, person=person, state=InvitationState.LISTED, note=note)
        db.session.add(invitation)
        if state != InvitationState.LISTED:
            invitation.state, invitation.sent_at = InvitationState.INVITED, now
        if state == InvitationState.WAITING:
            seats_free = event.capacity - event.seats_taken
            assert 1 + plus_ones > seats_free, "invite: nobody waits while there is a seat; fill the event first"
        if state == InvitationState.WAITING or (state in ANSWERED and event.status == EventStatus.CANCELLED):
            # Not through the service: it puts on the waiting list only when full, and a cancelled event takes
            # no answers. The same seats rule, so seats_taken stays the sum of the seats held.
            invitation.state, invitation.plus_ones, invitation.answered_at = state, plus_ones, now
            invitation.waiting_since = now if state == InvitationState.WAITING else None
            event.seats_taken += answers.seats_for(state, plus_ones)
        elif state in ANSWERED:
            db.session.flush()
            with signals.invitation_joined.muted(), signals.invitation_left.muted():
                outcome = answers.record_answer(
                    invitation, state.value, plus_ones, note, by_organiser=True, notify=False, now=now
                )
            assert outcome.state == state, f"invite: {state} was recorded as {outcome.state} (event full?)"
        for name, value in fields.items():  # given columns win (sent_at=..., attended=...)
            setattr(invitation, name, value)
        db.session.commit()
        return invitation

    return factory


@pytest.fixture
def invitees(db, create_person):
    """Factory: `n` new colleagues (or one per name in `names`; create_person's defaults, or the keywords given)
    put on the event's guest list and sent their invitations by the real service (`sending.send_invitations`:
    RSVP tokens, mails queued); returns the invitations in order. `send=False` leaves them on the list."""

    def factory(
        event: Event, n: int = 3, *, names: Iterable[str] = (), send: bool = True, **person_fields
    ) -> list[Invitation]:
        people = [create_person(name, **person_fields) for name in names] or [
            create_person(**person_fields) for _ in range(n)
        ]
        invitations = [Invitation(event=event, person=person) for person in people]
        db.session.add_all(invitations)
        db.session.flush()
        if send:
            sending.send_invitations(event, [invitation.id for invitation in invitations])
        db.session.commit()
        return invitations

    return factory


@pytest.fixture
def sign_up(app, db):
    """Factory: a sign-up on `event`'s public page by the real service (`signups.request_signup`: kept
    unconfirmed, holding no seat, its confirmation mail queued); returns the confirmation token from that mail.

    Defaults: "Aanmelder N" with aanmelderN@example.org (N counts up within a test), a resident, no plus-ones,
    no note; any other detail as a keyword (`kind="staff"`, `department_id=...`, `contact_role=...`).
    """
    numbers = itertools.count(1)

    def factory(event: Event, name: str | None = None, email: str | None = None, kind: str = "resident", **details):
        number = next(numbers)
        email = email or f"aanmelder{number}@example.org"
        with app.test_request_context():
            signup = signups.request_signup(
                event,
                signups.SignupDetails(
                    name=name or f"Aanmelder {number}", email=email, kind=SignupKind(kind), **details
                ),
            )
        db.session.commit()
        assert signup is not None, "sign_up: a sign-up mail went to this address just now"
        mail = db.session.scalars(
            db.select(OutboxMessage)
            .where(OutboxMessage.kind == "signup_confirm", OutboxMessage.to_address == email.lower())
            .order_by(OutboxMessage.id.desc())
        ).first()
        return re.search(r"/aanmelden/([A-Za-z0-9_-]+)", mail.text_body).group(1)

    return factory


def _committed(db, issue):
    """A factory that issues a token through the real service and commits, so that the link works at once."""

    def factory(owner):
        token = issue(owner)
        db.session.commit()
        return token

    return factory


@pytest.fixture
def rsvp_token(db):
    """Factory: a new personal RSVP token for an invitation (earlier links stop working)."""
    return _committed(db, links.issue_rsvp_token)


@pytest.fixture
def feed_token(db):
    """Factory: a new personal calendar feed token for a person (earlier ones are revoked)."""
    return _committed(db, issue_feed_token)


# --- After the encounter ------------------------------------------------------------------------------------------


@pytest.fixture
def answer_followup(db):
    """Factory: `invitation` asked the follow-up questions (a request row, as the morning-after job makes it, without
    mail) and, given any answers, answering them through the real service (`record_followup`: met_someone,
    department_ids, initiative_ids, keeps_in_touch, rating, touch_about, do_differently, anonymous). Answers are
    given an hour after the questions open, so any ended event will do. Returns the answer, or None when only asked.
    """

    def factory(invitation: Invitation, **answers) -> FollowupAnswer | None:
        moment = opens_at(invitation.event) + timedelta(hours=1)
        request = request_of(invitation)
        if request is None:
            request = FollowupRequest(invitation=invitation, event_id=invitation.event_id, asked_at=moment)
            db.session.add(request)
            db.session.flush()
        answer = record_followup(request, now=moment, **answers) if answers else None
        db.session.commit()
        return answer

    return factory
