"""Load on the loopback production set-up (deploy.local): the data, visitors over real HTTP, and the checks.

Shared by `bench/bench_load.py` (big, with timings) and `tests/ops/test_load.py` (small, correctness only).

What "the waiting list in arrival order" means here: a server cannot know who pressed the button first, only
whose request reached the guarded seat update first. What a visitor can observe is that their answer was
confirmed before someone else's was sent. So for every pair A, B where A's POST was answered before B's POST
was sent: if both wait, A is ahead of B; if A waits while B got a seat, A asked for more seats than B (A did
not fit, B did). And the places on the list are 1..N without gaps or doubles, each visitor was told the place
they really have, and freed seats go to the head of the list.
"""

from __future__ import annotations

import http.client
import itertools
import re
import secrets
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from .harness import count_request

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
#: The personal page's forms carry a key bound to the link instead of a session-bound CSRF token.
FORM_KEY = re.compile(r'name="form_key" type="hidden" value="([^"]+)"')
POSITION = re.compile(r"op plaats (\d+)")
FLASH = re.compile(r'<p class="flash flash--\w+">([^<]*)</p>')


@dataclass
class Reply:
    """One HTTP exchange, with monotonic clock readings taken by the client."""

    status: int
    headers: dict[str, str]
    body: bytes
    sent: float
    received: float

    @property
    def latency(self) -> float:
        return self.received - self.sent

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Visitor:
    """One person's browser: a keep-alive connection per server and the session cookie (shared by both servers,
    as they share the secret key)."""

    def __init__(self) -> None:
        self.connections: dict[str, http.client.HTTPConnection] = {}
        self.cookies: dict[str, str] = {}
        #: Requests sent again on a fresh connection because the server had closed the kept-alive one.
        self.reconnects = 0

    def request(self, base: str, method: str, path: str, body: bytes | None = None, headers=None) -> Reply:
        headers = dict(headers or {})
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        for attempt in range(2):
            reused = base in self.connections
            connection = self.connections.get(base) or self._connect(base)
            sent = time.monotonic()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle kept-alive connection before reading this request: send it again,
                # as browsers do. Never for a fresh connection (then the server may have seen it).
                connection.close()
                del self.connections[base]
                if not reused or attempt:
                    raise
                self.reconnects += 1
                continue
            received = time.monotonic()
            count_request()
            for cookie in response.headers.get_all("Set-Cookie") or []:
                name, _, value = cookie.split(";", 1)[0].partition("=")
                self.cookies[name.strip()] = value.strip()
            if response.will_close:
                connection.close()
                del self.connections[base]
            return Reply(response.status, dict(response.headers.items()), data, sent, received)
        raise AssertionError("unreachable")

    def _connect(self, base: str) -> http.client.HTTPConnection:
        parts = urlsplit(base)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.connections[base] = connection
        return connection

    def get(self, base: str, path: str, headers=None) -> Reply:
        return self.request(base, "GET", path, headers=headers)

    def post(self, base: str, path: str, fields: dict[str, str]) -> Reply:
        return self.request(base, "POST", path, body=urlencode(fields).encode())

    def close(self) -> None:
        for connection in self.connections.values():
            connection.close()
        self.connections.clear()


def run_concurrently(items: Sequence, work: Callable, concurrency: int) -> list:
    """work(item) for every item, `concurrency` at a time; results in the order of items. Bounded: each item once."""
    results: list = [None] * len(items)
    counter = itertools.count()
    lock = threading.Lock()
    errors: list[BaseException] = []

    def loop() -> None:
        while True:
            with lock:
                index = next(counter)
            if index >= len(items) or errors:
                return
            try:
                results[index] = work(items[index])
            except BaseException as error:  # reported after all threads stopped
                errors.append(error)
                return

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(max(1, min(concurrency, len(items))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    if errors:
        raise errors[0]
    return results


@dataclass
class Stats:
    """Throughput and latency percentiles of one kind of request."""

    label: str
    count: int
    seconds: float
    latencies: list[float] = field(repr=False)

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, p: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]

    def row(self, baseline: Stats | None = None) -> str:
        ms = [self.percentile(p) * 1000 for p in (50, 95, 99)]
        ratio = f"{self.per_second / baseline.per_second:6.3f}" if baseline and baseline.per_second else "     –"
        return (
            f"{self.label:<44} {self.count:>6} {self.per_second:>9.1f}/s  "
            f"p50 {ms[0]:7.1f} ms  p95 {ms[1]:7.1f} ms  p99 {ms[2]:7.1f} ms  ratio {ratio}"
        )


def stats(label: str, replies: Sequence[Reply]) -> Stats:
    """Throughput over the wall time from the first request sent to the last reply received."""
    seconds = max(r.received for r in replies) - min(r.sent for r in replies) if replies else 0.0
    return Stats(label, len(replies), seconds, [r.latency for r in replies])


class VisitorPerThread:
    """One kept-alive visitor per client thread (a feed reader polls many feeds over one connection); closes
    them all at the end."""

    def __init__(self) -> None:
        self.local = threading.local()
        self.visitors: list[Visitor] = []
        self.lock = threading.Lock()

    def __call__(self) -> Visitor:
        if not hasattr(self.local, "visitor"):
            self.local.visitor = Visitor()
            with self.lock:
                self.visitors.append(self.local.visitor)
        return self.local.visitor

    def __enter__(self) -> VisitorPerThread:
        return self

    def __exit__(self, *exc_info) -> None:
        for visitor in self.visitors:
            visitor.close()


def hit_many(urls: Sequence[str], path: str, count: int, concurrency: int) -> list[Reply]:
    """`count` GETs of one path, spread over the servers (the baseline /healthz)."""
    with VisitorPerThread() as visitor:
        return run_concurrently(range(count), lambda n: visitor().get(urls[n % len(urls)], path), concurrency)


# --- RSVP: data ----------------------------------------------------------------------------------------------


def seed_rsvp_event(app, invitees: int, capacity: int, max_plus_ones: int = 1) -> tuple[int, list[str]]:
    """A published event with `invitees` colleagues invited (mails queued); returns its id and their RSVP
    tokens in invitation order."""
    from organiser.events.models import Event, EventStatus
    from organiser.extensions import db, utcnow
    from organiser.invitations import guest_list, links, sending
    from organiser.invitations.models import Invitation
    from organiser.people.models import ContactRole, Department, Person, PersonKind

    tag = secrets.token_hex(3)
    with app.app_context(), app.test_request_context():
        department = Department(name=f"Belasting {tag}")
        start = (utcnow() + timedelta(days=14)).replace(minute=0, second=0)
        event = Event(
            title=f"Netwerkborrel met weinig plaatsen {tag}",
            format="netwerkborrel",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            location="Stadhuis, Spui 70",
            status=EventStatus.PUBLISHED,
            published_at=utcnow(),
            capacity=capacity,
            seats_taken=0,
            max_plus_ones=max_plus_ones,
            sequence=0,
        )
        people = [
            Person(
                name=f"Collega {tag} {n:04d}",
                email=f"collega-{tag}-{n:04d}@gemeente.example",
                kind=PersonKind.STAFF,
                department=department,
                contact_role=ContactRole.OFFICE,
            )
            for n in range(invitees)
        ]
        db.session.add_all([department, event, *people])
        db.session.flush()
        guest_list.add_to_guest_list(event, [p.id for p in people])
        sending.send_invitations(event)
        invitations = db.session.scalars(
            db.select(Invitation).where(Invitation.event_id == event.id).order_by(Invitation.id)
        ).all()
        tokens = [links.rsvp_token(invitation) for invitation in invitations]
        db.session.commit()
        event_id = event.id
        db.session.remove()
    return event_id, tokens


# --- RSVP: answering over HTTP -------------------------------------------------------------------------------


@dataclass
class Answer:
    """One visitor's answer: open the page on one server, post to the other, read the confirmation."""

    index: int
    token: str
    answer: str
    plus_ones: int
    page: Reply | None = None
    post: Reply | None = None
    confirmation: Reply | None = None

    @property
    def shown_position(self) -> int | None:
        """The place on the waiting list the visitor was told, if any."""
        found = POSITION.search(self.confirmation.text) if self.confirmation else None
        return int(found.group(1)) if found else None

    @property
    def replies(self) -> list[Reply]:
        return [r for r in (self.page, self.post, self.confirmation) if r is not None]


def answer_over_http(urls: Sequence[str], item: Answer) -> Answer:
    """GET the personal page (CSRF token and session cookie), POST the answer to the other server, GET the page
    the POST redirects to (the flash message with the outcome)."""
    visitor = Visitor()
    try:
        first, second = urls[item.index % len(urls)], urls[(item.index + 1) % len(urls)]
        path = f"/rsvp/{item.token}"
        item.page = visitor.get(first, path)
        # The answer form carries the link's own form key (no session needed); a session CSRF token only where
        # the page still has one.
        found, key = CSRF.search(item.page.text), FORM_KEY.search(item.page.text)
        if item.page.status != 200 or not (found or key):
            return item
        fields = {"answer": item.answer, "plus_ones": str(item.plus_ones), "note": ""}
        fields["csrf_token"] = found.group(1) if found else ""
        fields["form_key"] = key.group(1) if key else ""
        item.post = visitor.post(second, path, fields)
        if item.post.status in (302, 303):
            location = urlsplit(item.post.headers.get("Location", path))
            item.confirmation = visitor.get(second, location.path)
    finally:
        visitor.close()
    return item


def answer_all(urls: Sequence[str], answers: Sequence[Answer], concurrency: int) -> list[Answer]:
    """Everyone answers, `concurrency` visitors at a time, over both servers."""
    return run_concurrently(list(answers), lambda item: answer_over_http(urls, item), concurrency)


# --- RSVP: the checks ----------------------------------------------------------------------------------------


@dataclass
class Seating:
    """The event's seats and list as stored."""

    capacity: int
    seats_taken: int
    #: token -> (state, plus_ones)
    states: dict[str, tuple[str, int]]
    #: tokens in waiting-list order (waiting_since, id)
    waiting: list[str]
    #: token -> place as the app computes it (answers.waiting_position)
    positions: dict[str, int]
    confirmations: int
    promotions: int


def read_seating(app, event_id: int, tokens: Sequence[str]) -> Seating:
    from organiser.events.models import Event
    from organiser.extensions import db
    from organiser.invitations import answers
    from organiser.invitations.models import Invitation, InvitationState
    from organiser.mail.models import OutboxMessage
    from organiser.tokens import hash_token

    by_hash = {hash_token(token): token for token in tokens}
    with app.app_context():
        event = db.session.get(Event, event_id)
        invitations = db.session.scalars(db.select(Invitation).where(Invitation.event_id == event_id)).all()
        states = {by_hash[i.token_hash]: (i.state.value, i.plus_ones) for i in invitations}
        waiting = sorted(
            (i for i in invitations if i.state == InvitationState.WAITING), key=lambda i: (i.waiting_since, i.id)
        )
        positions = {by_hash[i.token_hash]: answers.waiting_position(i) for i in waiting}

        def count(kind: str) -> int:
            query = db.select(db.func.count()).select_from(OutboxMessage)
            return db.session.scalar(query.where(OutboxMessage.event_id == event_id, OutboxMessage.kind == kind))

        seating = Seating(
            capacity=event.capacity,
            seats_taken=event.seats_taken,
            states=states,
            waiting=[by_hash[i.token_hash] for i in waiting],
            positions=positions,
            confirmations=count("confirmation"),
            promotions=count("promotion"),
        )
        db.session.remove()
    return seating


def check_no_server_errors(answers: Sequence[Answer]) -> None:
    errors = [(a.index, r.status) for a in answers for r in a.replies if r.status >= 500]
    assert not errors, f"server errors (visitor, status): {errors[:10]}"
    unanswered = [a.index for a in answers if a.post is None or a.post.status not in (302, 303)]
    assert not unanswered, f"visitors whose answer was not taken: {unanswered[:10]}"


def check_seats(seating: Seating) -> None:
    """Never overbooked, and the counter equals the seats held."""
    held = sum(1 + plus for state, plus in seating.states.values() if state == "yes")
    assert seating.seats_taken == held, f"seats_taken {seating.seats_taken} but yes answers hold {held}"
    assert held <= seating.capacity, f"overbooked: {held} seats for {seating.capacity}"


def check_waiting_list(seating: Seating) -> None:
    """Places 1..N, no gaps, no doubles, in the stored order."""
    places = [seating.positions[token] for token in seating.waiting]
    assert places == list(range(1, len(places) + 1)), f"waiting places not 1..N in order: {places}"


def check_told_places(answers: Sequence[Answer], seating: Seating) -> None:
    """Everyone who was put on the waiting list was told the place they really have (valid while nobody left)."""
    wrong = [
        (a.index, a.shown_position, seating.positions.get(a.token))
        for a in answers
        if a.shown_position is not None and a.shown_position != seating.positions.get(a.token)
    ]
    assert not wrong, f"told a different place than stored (visitor, told, stored): {wrong[:10]}"


def check_arrival_order(answers: Sequence[Answer], seating: Seating) -> int:
    """For every pair where A's answer was confirmed before B's was sent: A is not behind B (see module docstring).
    Returns how many such ordered pairs were checked."""
    yes = [a for a in answers if a.answer == "yes" and a.post is not None]
    checked = 0
    for a in yes:
        for b in yes:
            if a is b or not a.post.received < b.post.sent:
                continue
            state_a, state_b = seating.states[a.token][0], seating.states[b.token][0]
            if state_a == "waiting" and state_b == "waiting":
                checked += 1
                assert seating.positions[a.token] < seating.positions[b.token], (
                    f"visitor {a.index} answered before {b.index} but waits behind them"
                )
            elif state_a == "waiting" and state_b == "yes":
                checked += 1
                assert a.plus_ones > b.plus_ones, f"visitor {a.index} answered before {b.index}, waits while they sit"
    return checked


def _promote(before: Seating, waiting: Sequence[str], free: int) -> tuple[list[str], int]:
    """One pass of `invitations.answers.promote_from_waiting_list`'s rule (issue 11) over `waiting` with `free` seats:
    in order of arrival, everyone who fits moves up; someone who needs more seats than are free is passed over for
    these seats and keeps their place. Returns (who moved up, seats left)."""
    promoted = []
    for token in waiting:
        needed = 1 + before.states[token][1]
        if needed <= free:
            free -= needed
            promoted.append(token)
    return promoted, free


def possible_promotions(before: Seating, freed_each: Sequence[int]) -> list[list[str]]:
    """Who may have moved up when several people cancelled at the same moment: each cancellation frees its seats and
    promotes at once, in whatever order the cancellations were taken, so the outcome is that of one of the orders
    (with a pair first in line, freeing one seat at a time passes them over where freeing two would not)."""
    outcomes = []
    for order in itertools.permutations(freed_each):
        waiting, free, promoted = list(before.waiting), before.capacity - before.seats_taken, []
        for seats in order:
            moved, free = _promote(before, waiting, free + seats)
            promoted += moved
            waiting = [token for token in waiting if token not in moved]
        outcomes.append(sorted(promoted, key=before.waiting.index))
    return outcomes


# --- Feeds ---------------------------------------------------------------------------------------------------


def seed_feed_people(app, people: int, events: int = 20, invitations_each: int = 2) -> list[str]:
    """`people` colleagues, each invited to a few of `events` published events and each with a personal feed
    token (issued with calendar.services.issue_feed_token); returns the tokens."""
    from sqlalchemy import insert

    from organiser.calendar.links import issue_feed_token
    from organiser.events.models import Event, EventStatus
    from organiser.extensions import db, utcnow
    from organiser.invitations.models import Invitation, InvitationState
    from organiser.people.models import ContactRole, Department, Person, PersonKind

    tag = secrets.token_hex(3)
    with app.app_context():
        now = utcnow().replace(minute=0, second=0)
        department = Department(name=f"Feeds {tag}")
        agenda = [
            Event(
                title=f"Bruiscafé {tag} {n}",
                format="bruiscafe",
                description="Koffie, thee en kennismaken met de buurt.",
                starts_at=now + timedelta(days=3 + n, hours=14),
                ends_at=now + timedelta(days=3 + n, hours=16),
                location=f"Buurtkamer, Dorpsstraat {n}",
                status=EventStatus.PUBLISHED,
                published_at=now,
                capacity=50,
                seats_taken=0,
                sequence=0,
                updated_at=now,
            )
            for n in range(events)
        ]
        persons = [
            Person(
                name=f"Abonnee {tag} {n:05d}",
                email=f"abonnee-{tag}-{n:05d}@gemeente.example",
                kind=PersonKind.STAFF,
                department=department,
                contact_role=ContactRole.OFFICE if n % 3 else ContactRole.FRONTLINE,
            )
            for n in range(people)
        ]
        db.session.add_all([department, *agenda, *persons])
        db.session.flush()
        rows = [
            {
                "event_id": agenda[(n + k * 7) % events].id,
                "person_id": person.id,
                "state": InvitationState.INVITED if k else InvitationState.MAYBE,
                "sent_at": now,
                "created_at": now,
                "plus_ones": 0,
                "note": "",
                "reason": "",
                "is_guide": False,
            }
            for n, person in enumerate(persons)
            for k in range(invitations_each)
        ]
        db.session.execute(insert(Invitation), rows)
        tokens = [issue_feed_token(person) for person in persons]
        db.session.commit()
        db.session.remove()
    return tokens


def poll_feeds(urls: Sequence[str], tokens: Sequence[str], concurrency: int, etags: Sequence[str] | None = None):
    """Each token's feed fetched once, spread over the servers; with `etags`, as a conditional request
    (If-None-Match) to the *other* server than the first fetch (validators must not depend on the server)."""
    shift = 0 if etags is None else 1
    with VisitorPerThread() as visitor:

        def work(index: int) -> Reply:
            headers = {"Accept": "text/calendar,text/plain;q=0.8,*/*;q=0.5", "Accept-Encoding": "gzip, deflate"}
            if etags is not None:
                headers["If-None-Match"] = etags[index]
            path = f"/calendar/personal/{tokens[index]}.ics"
            return visitor().get(urls[(index + shift) % len(urls)], path, headers)

        return run_concurrently(range(len(tokens)), work, concurrency)


def check_feed_polls(first: Sequence[Reply], again: Sequence[Reply]) -> None:
    """Full feeds the first time (uncompressed, with an ETag), 304 with no body the second time."""
    bad = [(n, r.status) for n, r in enumerate(first) if r.status != 200]
    assert not bad, f"first fetches not 200 (token, status): {bad[:10]}"
    for reply in first:
        assert reply.headers.get("Content-Type") == "text/calendar; charset=utf-8"
        assert "Content-Encoding" not in reply.headers, "feeds must go out uncompressed (Outlook)"
        assert reply.headers.get("ETag") and reply.body.startswith(b"BEGIN:VCALENDAR")
    bad = [(n, r.status) for n, r in enumerate(again) if r.status != 304 or r.body]
    assert not bad, f"conditional fetches not an empty 304 (token, status): {bad[:10]}"
