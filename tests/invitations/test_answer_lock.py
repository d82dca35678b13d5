"""The event's row lock covers only the seat arithmetic (issue 12): an answer takes it as late as it can, and between
the locking statement and the commit come only what the seats decide (the place in line) and one write.

Counted through the RSVP page, with an organiser who wants news (their lookup happens before the lock)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from organiser.auth.models import NewsDelivery
from organiser.invitations import links
from organiser.invitations.models import Invitation, InvitationState
from organiser.mail.models import OutboxMessage
from organiser.news.models import NewsItem

#: The statement that takes the event's row: SELECT … FOR UPDATE of the event, or an UPDATE of it.
LOCKING = re.compile(r"^\s*(SELECT\b.*\bFROM event\b.*\bFOR UPDATE|UPDATE event\b)", re.S | re.I)

#: Statements from the lock to the commit, the locking one included: PostgreSQL runs the write as one statement
#: (CTEs); SQLite takes its write lock with a write that changes nothing and runs the write as three.
LIMIT = {"postgresql": 3, "sqlite": 6}


@pytest.fixture
def under_lock(db):
    """Run one request; returns the statements from the event's lock to the commit (None: no lock taken)."""

    def run(action) -> list[str] | None:
        inside: list[str] | None = None
        committed: list[list[str] | None] = []

        def on_statement(conn, cursor, statement, *args) -> None:
            nonlocal inside
            if inside is None and LOCKING.match(statement):
                inside = []
            if inside is not None:
                inside.append(statement)

        def on_commit(session) -> None:
            nonlocal inside
            committed.append(inside)
            inside = None

        sa.event.listen(db.engine, "before_cursor_execute", on_statement)
        sa.event.listen(Session, "after_commit", on_commit)
        try:
            action()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", on_statement)
            sa.event.remove(Session, "after_commit", on_commit)
        assert committed, "the request committed"
        return committed[0]

    return run


def test_the_lock_covers_the_seats_and_one_write(client, db, create_event, invitees, organiser, under_lock):
    organiser.news_delivery = NewsDelivery.DAILY.value
    db.session.commit()
    event = create_event(capacity=2, organiser=organiser)
    tokens = [links.rsvp_token(invitation) for invitation in invitees(event, 5)]
    limit = LIMIT[db.engine.dialect.name]

    def answer(n: int, value: str):
        def post():
            response = client.post(f"/rsvp/{tokens[n]}", {"answer": value, "plus_ones": "0", "note": ""})
            assert response.status_code == 302

        return post

    seated = under_lock(answer(0, "yes"))
    assert seated is not None and len(seated) <= limit, seated
    under_lock(answer(1, "yes"))
    waiting = under_lock(answer(2, "yes"))  # full: to the waiting list, told place 1
    assert waiting is not None and len(waiting) <= limit, waiting
    # An answer that changes no seats and leaves the waiting list alone takes no lock.
    assert under_lock(answer(3, "no")) is None
    # Nothing looked up inside the lock: not the organisers who want news, not the invitation or event again.
    for statement in seated + waiting:
        assert not re.match(r"^\s*SELECT (organiser|invitation|person)\.id\b", statement, re.I), statement

    db.session.expire_all()
    states = db.session.scalars(db.select(Invitation.state).order_by(Invitation.id)).all()
    assert states[:4] == [InvitationState.YES, InvitationState.YES, InvitationState.WAITING, InvitationState.NO]
    confirmations = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == "confirmation")).all()
    assert len(confirmations) == 4 and all(message.facts for message in confirmations)
    told = [message.facts["waiting_position"] for message in confirmations if message.facts["state"] == "waiting"]
    assert told == [1]
    # The news was recorded all the same (in the same transaction), for the answers that are news.
    assert db.session.scalar(db.select(sa.func.count()).select_from(NewsItem)) >= 4
