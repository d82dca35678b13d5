"""Pooled database connections: replaced before a request uses them when the server has closed them; a read
that needs no transaction of its own.

A PostgreSQL restart (or `pg_terminate_backend`, `idle_session_timeout`) ends every pooled connection: the server
sends a FATAL error message and closes the socket, while the connection waits idle in an app server's pool.
SQLAlchemy's `pool_pre_ping` finds this out with a round trip (`SELECT 1`) at every checkout: on a calendar feed
answered with one statement that is a second round trip per request, about a fifth of its time. Here instead, at
checkout, one `poll()` of the connection's socket: an idle connection has nothing to read unless the server has
said something unasked, and then it has closed (or is closing) the connection. Raising `DisconnectionError` from a
checkout listener makes the pool throw that connection away and hand out a new one (SQLAlchemy, "Dealing with
Disconnects", custom pessimistic checks; urllib3 tests its idle keep-alive sockets the same way).

What a poll cannot see, neither could the ping in time: a server that vanished without closing the socket (a cut
cable) makes either wait for TCP to give up. A connection cut between checkout and its first statement fails that
request with the database-away page (web.py) and is invalidated by SQLAlchemy, as with the ping.
"""

from __future__ import annotations

import select
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask
from sqlalchemy import Engine, Executable, Row, event, make_url
from sqlalchemy.exc import DisconnectionError

from .extensions import db


def replace_closed_connections(app: Flask) -> None:
    """Check every PostgreSQL connection the app's engines hand out (call after Flask-SQLAlchemy's init_app).
    SQLite needs no check: a file does not hang up."""
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "postgresql":
                event.listen(engine, "checkout", _refuse_closed)


def _refuse_closed(dbapi_connection, _record, _proxy) -> None:
    """Pool checkout listener: DisconnectionError (take another) when the server closed this connection."""
    if dbapi_connection.closed or server_has_spoken(dbapi_connection.fileno()):
        raise DisconnectionError("the server closed this pooled connection")


def server_has_spoken(fd: int) -> bool:
    """Whether the idle socket `fd` can be read without waiting: data the server sent unasked (a FATAL error
    before it hangs up), or the end of the stream. Does not read; never waits."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


#: Flask-SQLAlchemy's bind key of the engine `read_alone` uses (SQLALCHEMY_BINDS); no model is bound to it.
READS = "reads"


def add_reads_engine(app: Flask) -> None:
    """Configure the engine of `read_alone` (call before Flask-SQLAlchemy's init_app, which makes the engines): the
    app's database and engine options, every connection in AUTOCOMMIT for good and nothing to reset when it goes
    back to the pool (no transaction is ever open on it). Switching a connection of the app's engine to AUTOCOMMIT
    and back for each read, and rolling it back on its return, cost a third of the read on PostgreSQL (a feed's
    304 is one such read; bench/bench_feeds.py). The pool holds at most as many connections as reads at once (one
    per thread of a worker). In-memory SQLite has one database per connection: it keeps to the app's engine."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return
    binds = dict(app.config.get("SQLALCHEMY_BINDS") or {})
    binds[READS] = {
        **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
        "url": url,
        "isolation_level": "AUTOCOMMIT",
        "pool_reset_on_return": None,
    }
    app.config["SQLALCHEMY_BINDS"] = binds


def dispose_reads_with_the_app_engine(app: Flask) -> None:
    """The reads' engine closes its connections whenever the app's engine does (Engine.dispose: commands that
    end, forked workers, tests), so that code which disposes `db.engine` leaves no connection of it open."""
    with app.app_context():
        reads = db.engines.get(READS)
        if reads is not None:
            event.listen(db.engine, "engine_disposed", lambda _engine: reads.dispose())


def reads_engine() -> Engine:
    """The engine `read_alone` runs on (see add_reads_engine)."""
    return db.engines.get(READS) or db.engine.execution_options(isolation_level="AUTOCOMMIT")


def read_alone(statement: Executable, parameters: Mapping[str, Any]) -> Sequence[Row[*tuple[Any, ...]]]:
    """The rows of one read-only `statement`, run outside the request's transaction on a connection in AUTOCOMMIT
    (the statement is its own snapshot, as every statement is under PostgreSQL's READ COMMITTED).

    On PostgreSQL that is one round trip where the session adds two (psycopg sends BEGIN before the statement,
    and the view's COMMIT): a calendar feed answered from such reads costs one round trip per statement. The
    connection comes from an engine of its own (add_reads_engine) and goes back to its pool at once; a request
    that goes on to write does so in the session's transaction, as always. Not for rows the session itself wrote
    and has not committed: they are not there yet."""
    with reads_engine().connect() as connection:
        return connection.execute(statement, parameters).all()
