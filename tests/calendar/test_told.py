"""Feed validator rows kept per app server while PostgreSQL tells of no change (calendar/told.py, migration 0033):
a change committed anywhere reaches every server, a lost connection keeps nothing, this process's own writes
are seen at once. On SQLite nothing is kept: every 304 reads its row, and a change made past the app is seen."""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import timedelta

import psycopg
import pytest
import sqlalchemy as sa

from organiser.calendar import told
from organiser.calendar.models import FeedState, FeedToken
from organiser.extensions import utcnow
from organiser.invitations.models import InvitationState
from tests.factories import on_every_statement, told_caught_up, told_rows_listening, wait_until

WAIT_SECONDS = 10.0
#: A moment as SQLAlchemy writes it into SQLite, which PostgreSQL reads as well.
REVOKED_AT = "2026-12-01 09:00:00.000000"


@pytest.fixture
def feed(client, db, create_event, create_person, invite, feed_token):
    """(url, event, person): a person invited to one event, their feed made once and asked with its ETag once
    (on PostgreSQL that 304 keeps the row)."""
    kept = told_rows_listening()
    person = create_person()
    event = create_event(title="Wijksafari", starts_at=utcnow() + timedelta(days=3))
    invitation = invite(event, person, InvitationState.YES)
    url = f"/calendar/personal/{feed_token(person)}.ics"
    first = client.get(url)
    assert first.status_code == 200
    told_caught_up(db)  # the notifications of making all this, heard before the row is kept
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    if kept is not None:
        assert reads(db, lambda: client.get(url, headers={"If-None-Match": first.headers["ETag"]})) == 0
    return url, first.headers["ETag"], event, person, invitation


def reads(db, request) -> int:
    """How many statements `request()` sends."""
    seen: list[str] = []
    with on_every_statement(db, lambda _c, _cur, statement, *_a: seen.append(statement)):
        request()
    return len(seen)


def write_past_the_app(db, statement: str, **parameters) -> None:
    """Run and commit `statement` on a connection of the driver itself, as another app server, a command or a
    database administrator would: no SQLAlchemy event of this process sees it."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(url.database) as connection:
            connection.execute(statement.replace("%(", ":").replace(")s", ""), parameters)
        return
    with psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False)) as connection:
        connection.execute(statement, parameters)


def answered_again(client, url, etag, seconds: float = WAIT_SECONDS):
    """The first answer other than 304 to a request holding `etag`, asked until `seconds` have passed."""

    def answer():
        response = client.get(url, headers={"If-None-Match": etag})
        return response if response.status_code != 304 else None

    return wait_until(answer, seconds, "an answer other than 304", every=0.01)


def test_a_change_committed_past_this_process_reaches_its_kept_rows(client, db, feed):
    """Without the notification the kept row would answer 304 for MOST_SECONDS (30), three times the wait."""
    url, etag, event, _person, _invitation = feed
    write_past_the_app(db, "UPDATE event SET title = %(title)s WHERE id = %(id)s", title="Bruiscafé", id=event.id)
    response = answered_again(client, url, etag)
    assert response.status_code == 200
    assert response.headers["ETag"] != etag
    assert b"Bruiscaf" in response.data


def test_a_link_replaced_past_this_process_answers_410(client, db, feed):
    url, _etag, _event, person, _invitation = feed
    write_past_the_app(
        db, "UPDATE feed_token SET revoked_at = %(now)s WHERE person_id = %(id)s", now=REVOKED_AT, id=person.id
    )
    status = wait_until(lambda: (code := client.get(url).status_code) != 200 and code, WAIT_SECONDS, "not 200", 0.01)
    assert status == 410


def test_a_lost_connection_keeps_nothing_from_before(client, db, feed):
    """The listener's connection ends and a change commits before it listens again (its notification went to
    nobody): once it listens again the kept row is gone."""
    url, etag, event, _person, _invitation = feed
    kept = told.for_app()
    if kept is None:
        assert reads(db, lambda: client.get(url, headers={"If-None-Match": etag})) == 1  # SQLite: every 304 reads
        return
    pid = kept.backend_pid
    assert pid is not None
    write_past_the_app(db, "SELECT pg_terminate_backend(%(pid)s)", pid=pid)
    write_past_the_app(db, "UPDATE event SET title = %(title)s WHERE id = %(id)s", title="Speurtocht", id=event.id)
    wait_until(lambda: kept.listening and kept.backend_pid != pid, WAIT_SECONDS, "listening again", every=0.02)
    assert kept.listening and kept.backend_pid != pid
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert b"Speurtocht" in response.data


def test_each_row_a_validator_reads_tells_of_its_change(app, db, feed, feed_token):
    """Migration 0033: the counters, a feed link, a person's language and deletion notify; feed_state and a
    person's other columns do not."""
    _url, _etag, event, person, invitation = feed
    if told.for_app() is None:
        return  # SQLite: nothing is kept, nothing to tell
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as listener:
        listener.execute(f"LISTEN {told.CHANNEL}")

        def told_of(change) -> bool:
            change()
            db.session.commit()
            # (The app's own listener pings the same channel now and then: not a change.)
            return any(not n.payload.startswith(told.PING) for n in listener.notifies(timeout=0.5))

        assert told_of(lambda: setattr(event, "title", "Netwerkborrel"))  # calendar_version
        assert told_of(lambda: setattr(invitation, "state", InvitationState.MAYBE))  # personal counter
        assert told_of(lambda: feed_token(person))  # feed_token
        assert told_of(lambda: setattr(person, "locale", "en"))
        assert not told_of(lambda: setattr(person, "name", "Ans de Vries"))
        assert not told_of(lambda: db.session.add(FeedState(key="elders", etag='"x"', changed_at=utcnow())))
        assert told_of(lambda: setattr(person, "deleted_at", utcnow()))
        assert told_of(lambda: db.session.execute(sa.delete(FeedToken).where(FeedToken.person_id == person.id)))
        assert told_of(lambda: db.session.execute(sa.text("TRUNCATE personal_feed_version")))


def test_this_process_forgets_its_kept_rows_when_it_commits_a_write(app, db, feed):
    """Before its commit returns, not when the notification arrives; a read or a rollback forgets nothing."""
    kept = told.for_app()
    if kept is None:
        return  # SQLite: nothing is kept
    before = kept.generation()
    db.session.execute(sa.select(FeedState.key)).all()
    db.session.commit()
    assert kept.generation() == before
    db.session.add(FeedState(key="teruggedraaid", etag='"x"', changed_at=utcnow()))
    db.session.flush()
    db.session.rollback()
    db.session.execute(sa.select(FeedState.key)).all()
    db.session.commit()
    assert kept.generation() == before
    db.session.add(FeedState(key="geschreven", etag='"x"', changed_at=utcnow()))  # a table no trigger tells of
    db.session.commit()
    assert kept.generation() > before


def test_rows_go_again_once_a_write_has_committed(app, db, feed):
    """SQLAlchemy's commit event comes before the COMMIT reaches the server: a row another thread reads in between
    is the old one, so the rows go again after it (when the connection is back in its pool)."""
    kept = told.for_app()
    if kept is None:
        return  # SQLite: nothing is kept
    at_commit: list[int | None] = []
    listener = lambda _connection: at_commit.append(kept.generation())  # noqa: E731  (runs after told's own)
    sa.event.listen(db.engine, "commit", listener)
    try:
        db.session.add(FeedState(key="geschreven", etag='"x"', changed_at=utcnow()))
        db.session.commit()
    finally:
        sa.event.remove(db.engine, "commit", listener)
    assert at_commit and kept.generation() > at_commit[0]


def test_a_connection_that_hears_nothing_is_given_up(app, db, feed, monkeypatch, caplog):
    """Its own ping is not heard (here: sent where nobody listens, as through PgBouncer in transaction mode)."""
    kept = told.for_app()
    if kept is None:
        return  # SQLite: nothing is kept
    monkeypatch.setattr(told, "PING_SECONDS", 0.3)
    monkeypatch.setattr(told, "CHANNEL", "organiser_nobody_listens")
    wait_until(lambda: "did not tell this connection" in caplog.text, WAIT_SECONDS, "the warning", every=0.02)
    assert "did not tell this connection of its own notification" in caplog.text


def test_kept_rows_are_not_trusted_once_the_listener_has_not_heard_itself_for_two_pings(client, db, feed):
    """A thread stuck anywhere (a ping sent into a connection that forwards nothing blocks it) hears nothing:
    the requests stop trusting its rows after 2 × PING_SECONDS, whatever the thread itself finds out."""
    url, etag, _event, _person, _invitation = feed
    kept = told.for_app()
    if kept is None:
        return  # SQLite: nothing is kept
    assert reads(db, lambda: client.get(url, headers={"If-None-Match": etag})) == 0
    kept._heard_own_at -= 2 * told.PING_SECONDS + 1  # as if its own ping was last heard that long ago
    assert reads(db, lambda: client.get(url, headers={"If-None-Match": etag})) == 1


def test_no_kept_row_is_used_longer_than_most_seconds(client, db, feed, monkeypatch):
    url, etag, _event, _person, _invitation = feed
    monkeypatch.setattr(told, "MOST_SECONDS", 0.0)
    assert reads(db, lambda: client.get(url, headers={"If-None-Match": etag})) == 1


def test_a_row_read_before_a_change_was_told_is_not_kept():
    rows = told.ToldRows(sa.engine.make_url("postgresql://nobody@127.0.0.1:1/none"))
    rows._listening = True  # as the thread sets them once LISTEN runs (no thread in this test)
    rows._heard_own_at = time.monotonic()
    rows._pid = os.getpid()
    generation = rows.generation()
    rows.changed()  # a notification arrives while the row is being read
    rows.keep("k", generation, "stale")
    assert rows.get("k") is None
    rows.keep("k", rows.generation(), "fresh")
    assert rows.get("k") == "fresh"
    rows._listening = False  # the connection is lost
    assert rows.get("k") is None
