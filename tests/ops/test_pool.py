"""Pooled connections the database server closed are replaced before a request uses them, without a round trip
per request (organiser/pool.py, instead of SQLAlchemy's pool_pre_ping)."""

from __future__ import annotations

import socket
import time

import pytest
import sqlalchemy as sa

from organiser.calendar.models import CalendarVersion
from organiser.events.models import Event
from organiser.pool import read_alone, reads_engine, server_has_spoken
from tests.factories import in_autocommit


def test_an_idle_socket_is_quiet_until_the_other_side_speaks_or_hangs_up():
    app_side, server_side = socket.socketpair()
    try:
        assert not server_has_spoken(app_side.fileno())
        server_side.sendall(b"E")  # what PostgreSQL sends before it closes: an ErrorResponse (FATAL)
        assert server_has_spoken(app_side.fileno())
        assert app_side.recv(1) == b"E"
        assert not server_has_spoken(app_side.fileno())
        server_side.close()  # the end of the stream
        assert server_has_spoken(app_side.fileno())
    finally:
        app_side.close()
        server_side.close()


def test_a_request_after_the_server_closed_every_connection_gets_a_new_one(app, db, client, database):
    """What a PostgreSQL restart does to an app server's pool: every idle connection is ended by the server. The
    next request must be answered as usual, not with the database-away page (503)."""
    if database["kind"] != "postgresql":
        pytest.skip("a SQLite file does not hang up; the PostgreSQL run covers this")
    assert client.get("/agenda").status_code == 200  # a connection now waits in the pool
    pooled_before = db.engine.pool.checkedin()
    assert pooled_before >= 1
    admin = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        ended = connection.execute(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
        ).scalar_one()
    admin.dispose()
    assert ended >= 1
    time.sleep(0.2)  # the server's goodbye reaches the app's sockets

    for page in ("/agenda", "/calendar/public.ics"):
        response = client.get(page)
        assert response.status_code == 200, (page, response.status_code)


def test_a_read_alone_switches_nothing(app, db):
    """pool.read_alone runs on an engine whose connections are in AUTOCOMMIT for good: no switch of isolation level
    to AUTOCOMMIT and back per read (with the pool's rollback of a returned connection, a third of a feed's 304 on
    PostgreSQL), and no transaction left open on it."""
    engine = reads_engine()
    assert engine is not db.engine
    happened: list[str] = []
    sa.event.listen(engine, "set_connection_execution_options", lambda *_args: happened.append("switched"))
    for _ in range(3):
        read_alone(sa.select(CalendarVersion.version), {})
    assert happened == []
    with engine.connect() as connection:
        assert in_autocommit(connection)
        raw = connection.connection.dbapi_connection
        if connection.dialect.name == "postgresql":
            assert raw.info.transaction_status == raw.info.transaction_status.IDLE
        else:
            assert not raw.in_transaction


def test_a_read_alone_sees_what_is_committed_not_what_the_request_has_not(app, db, create_event):
    """Its own snapshot: another transaction's committed rows, not the session's own uncommitted writes."""
    event = create_event(title="Vastgelegd")
    db.session.commit()
    event.title = "Nog niet vastgelegd"
    db.session.flush()
    titles = read_alone(sa.select(Event.title).where(Event.id == sa.bindparam("id")), {"id": event.id})
    assert [row.title for row in titles] == ["Vastgelegd"]
    db.session.rollback()


def test_disposing_the_app_engine_closes_the_reads_connections(app, db):
    """Code that disposes db.engine (commands, tests) leaves no connection of the reads' engine open."""
    read_alone(sa.select(CalendarVersion.version), {})
    assert reads_engine().pool.checkedin() == 1
    db.engine.dispose()
    assert reads_engine().pool.checkedin() == 0
