"""Feed validator rows kept in each app server's memory for as long as PostgreSQL has told of no change
(LISTEN/NOTIFY), so that a conditional request for an unchanged feed is answered without a round trip.

A calendar app asks for its feeds every few minutes to hours and nearly always gets 304. Answered from
feed_state (validators.py), that 304 costs one statement, and on PostgreSQL the round trip is most of its time
(issue 12; bench/bench_feeds.py). Here each app server keeps the validator row it read, by the feed's key, and uses
it again while it holds:

- Triggers (migration 0033) call `pg_notify(CHANNEL)` in the transaction of every change to a row the validator
  reads: the calendar_version and personal_feed_version counters (raised with every change a feed shows),
  feed_token (a link replaced) and person (language, deletion). PostgreSQL delivers a notification when, and only
  if, its transaction commits (NOTIFY, "Notes").
- One thread per process listens on a connection of its own; every notification empties the process's rows
  (one generation: any change to an event changes every feed's counters anyway).
- A row read from the database is kept only if no notification arrived since before it was read (the generation
  it was read in), and only while the thread listens; when the connection is lost the rows go, and they are kept
  again only once LISTEN runs on a new connection.
- This process's own writes empty its rows as they commit and again once committed (a row another thread read
  in between is not kept), before any notification: read your own writes.
- Every PING_SECONDS the thread notifies itself and expects to hear it within PING_SECONDS: a connection that
  hears nothing (died unnoticed; PgBouncer in transaction mode) is given up like a lost one. Requests trust the
  rows only while the thread heard its own notification within twice that, so a thread stuck anywhere (a ping
  sent into a connection that forwards nothing) stops being trusted. LISTEN starts, and the ping goes on, only
  where migration 0033's trigger function exists.
- No row is used longer than MOST_SECONDS, whatever the thread heard: a bound on staleness for a change no
  trigger tells of (a restored backup).

The guarantee changes from "immediately" to "as soon as the notification arrives": a request that reaches another
app server in the milliseconds between a commit and the delivery of its notification can still get the old 304.
A calendar app cannot tell that from having asked a moment earlier; its next request sees the change.

SQLite has no LISTEN: there nothing is kept (`for_app` gives None) and every 304 reads its row.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections import OrderedDict, deque
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool, Pool

from ..extensions import db

log = logging.getLogger(__name__)

#: The channel of migration 0033's triggers.
CHANNEL = "organiser_feed_changes"
#: Longest a kept row is used, in seconds, however well the listener hears.
MOST_SECONDS = 30.0
#: Rows kept per process (the longest kept go first); a row is a few hundred bytes.
MOST_ROWS = 10_000
#: How long the listener waits for a notification before it checks whether it should stop, in seconds.
WAKE_SECONDS = 0.25
#: How often the listener notifies itself, and how long it waits to hear it, in seconds.
PING_SECONDS = 10.0
#: The start of a ping's payload (the triggers' payload is empty); others' pings are not changes.
PING = "ping:"
#: Connection settings of the listener (the app's connect_args win): give up on a server that stopped answering.
LISTENER_CONNECT_ARGS = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "tcp_user_timeout": 30_000,  # ms: a cable cut under a waiting ping ends the connection instead of blocking
}
#: Waits before connecting again after the connection was lost, in seconds (the last one repeats).
RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0)
_EXTENSION = "organiser.told_rows"
#: Whether migration 0033's trigger function is there (asked before LISTEN and with every ping).
_TRIGGERS_THERE = "to_regproc('feed_changes_told') IS NOT NULL"


class ToldRows:
    """Rows by key (str), valid while PostgreSQL at `url` tells of no change (see the module's docstring).

    Thread-safe; the listening thread starts with the first use in each process (gunicorn forks after the app is
    made) and stops with `stop()` (the next use starts another) or the process."""

    def __init__(self, url: URL, connect_args: dict[str, Any] | None = None, most_rows: int = MOST_ROWS) -> None:
        self._url = url
        self._connect_args = {**LISTENER_CONNECT_ARGS, **(connect_args or {})}
        self._heard: deque[str] = deque(maxlen=64)  # the payloads of the latest pings heard
        #: The server process of the listening connection (pg_stat_activity.pid), once it listened.
        self.backend_pid: int | None = None
        self._heard_own_at = 0.0  # time.monotonic() when the thread last heard its own ping
        self._most_rows = most_rows
        self._lock = threading.Lock()
        self._rows: OrderedDict[str, tuple[int, float, Any]] = OrderedDict()
        self._generation = 0
        self._listening = False
        self._stopping = threading.Event()  # the current thread's
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        _ALL.add(self)

    @property
    def listening(self) -> bool:
        """Whether the thread has LISTEN running on a live connection (rows are kept only then)."""
        return self._listening

    def _trusted(self) -> bool:
        """Listening, and the thread heard its own ping lately (not stuck)."""
        return self._listening and time.monotonic() - self._heard_own_at <= 2 * PING_SECONDS

    def generation(self) -> int | None:
        """The generation to read a row in (pass it to `keep`), or None while nothing can be kept."""
        self._start_in_this_process()
        return self._generation if self._trusted() else None

    def get(self, key: str) -> Any | None:
        """The row kept for `key`, or None (read it from the database)."""
        if not self._trusted():
            self._start_in_this_process()
            return None
        entry = self._rows.get(key)
        if entry is None or entry[0] != self._generation or time.monotonic() - entry[1] > MOST_SECONDS:
            return None
        return entry[2]

    def keep(self, key: str, generation: int | None, row: Any) -> None:
        """Keep `row`, read from the database in `generation`, unless a change was told since."""
        with self._lock:
            if generation is None or generation != self._generation or not self._trusted():
                return
            self._rows[key] = (generation, time.monotonic(), row)
            self._rows.move_to_end(key)
            while len(self._rows) > self._most_rows:
                self._rows.popitem(last=False)

    def heard(self, payload: str) -> bool:
        """Whether the thread has heard a ping with `payload` (PING + anything) since it last connected.
        Notifications arrive in the order their transactions committed: once a ping sent after a commit is heard,
        so is every notification of that commit."""
        return payload in self._heard

    def changed(self) -> None:
        """Forget every row: something a validator reads has changed (or may have)."""
        with self._lock:
            self._generation += 1
            self._rows.clear()

    def stop(self, wait: float = 2.0) -> None:
        """Stop listening and close the connection (waits up to `wait` seconds for the thread); nothing is kept
        until the next use starts another thread."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._stopping.set()
            self._pid, self._listening = None, False
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(wait)

    def _forked(self) -> None:
        """In a forked child: the parent's rows and state, but not its thread (and perhaps its lock held)."""
        self._lock = threading.Lock()
        self._rows.clear()
        self._generation += 1
        self._listening, self._thread, self._pid = False, None, None

    def _start_in_this_process(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid, self._listening, self._generation = os.getpid(), False, self._generation + 1
            self._rows.clear()
            self._stopping = threading.Event()
            self._thread = threading.Thread(
                target=self._listen, args=(self._stopping,), name="organiser-told-rows", daemon=True
            )
            self._thread.start()

    def _listen(self, stopping: threading.Event) -> None:
        engine = create_engine(self._url, poolclass=NullPool, connect_args=self._connect_args)
        self._failures = 0
        try:
            while not stopping.is_set():
                try:
                    self._listen_on(engine, stopping)
                except Exception as error:  # psycopg.Error, OSError: the server away, restarted, the network
                    self._failures += 1
                    if self._failures % 60 == 1:  # the first time, then every few minutes while it lasts
                        log.warning("feed validators: listening on %s failed (%s); kept rows unused", CHANNEL, error)
                    stopping.wait(RETRY_SECONDS[min(self._failures, len(RETRY_SECONDS)) - 1])
        finally:
            engine.dispose()

    def _listen_on(self, engine: Engine, stopping: threading.Event) -> None:
        raw = engine.raw_connection()
        try:
            connection = raw.driver_connection  # psycopg.Connection: SQLAlchemy has no LISTEN of its own
            assert connection is not None
            connection.autocommit = True
            told = connection.execute(f"SELECT {_TRIGGERS_THERE}").fetchone()
            if not (told and told[0]):
                raise LookupError("nothing notifies yet: run the migrations (flask db upgrade)")
            connection.execute(f"LISTEN {CHANNEL}")
            with self._lock:  # what changed before LISTEN ran was not told: rows read until now go
                if stopping.is_set():
                    return
                self._generation += 1
                self._rows.clear()
                self._heard.clear()
                self._listening, self.backend_pid = True, connection.info.backend_pid
                self._heard_own_at = time.monotonic()
            self._failures = 0
            ping, pinged = None, time.monotonic() - PING_SECONDS
            while not stopping.is_set():
                for notify in connection.notifies(timeout=WAKE_SECONDS):
                    if not notify.payload.startswith(PING):
                        self.changed()
                        continue
                    self._heard.append(notify.payload)
                    if notify.payload == ping:
                        ping, self._heard_own_at = None, time.monotonic()
                if time.monotonic() - pinged >= PING_SECONDS:
                    if ping is not None:  # not heard for PING_SECONDS: this connection hears nothing
                        raise TimeoutError("the server did not tell this connection of its own notification")
                    ping, pinged = f"{PING}{os.getpid()}:{time.monotonic()}", time.monotonic()
                    told = connection.execute(
                        f"SELECT {_TRIGGERS_THERE}, pg_notify(%s, %s)", (CHANNEL, ping)
                    ).fetchone()
                    if not (told and told[0]):  # migration 0033 undone while listening: nothing notifies now
                        raise LookupError("nothing notifies any more (migration 0033 undone)")
        finally:
            with self._lock:
                if self._stopping is stopping or self._thread is None:  # (not a newer thread's state)
                    self._listening = False
                self._generation += 1
                self._rows.clear()
            raw.invalidate()  # closed, not given back: LISTEN belongs to this connection alone


#: Every ToldRows of this process, emptied when this process commits a write (`_committed`).
_ALL: weakref.WeakSet[ToldRows] = weakref.WeakSet()


def init_app(app: Flask) -> None:
    """Keep validator rows for the app's PostgreSQL database (nothing for SQLite), unless
    FEED_VALIDATORS_TOLD is false; the listener stops when the app's engine is disposed (commands, tests)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql" or not app.config.get("FEED_VALIDATORS_TOLD", True):
        return
    options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}
    told = app.extensions[_EXTENSION] = ToldRows(url, options.get("connect_args"))
    with app.app_context():
        event.listen(db.engine, "engine_disposed", lambda _engine: told.stop())


def for_app() -> ToldRows | None:
    """The current app's kept rows, or None where nothing is kept."""
    return current_app.extensions.get(_EXTENSION)


def _forked_child() -> None:
    for told in list(_ALL):
        told._forked()


os.register_at_fork(after_in_child=_forked_child)


def _wrote(connection, _cursor, _statement, _parameters, context, _executemany) -> None:
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        connection.info["organiser_wrote"] = True


def _committed(connection) -> None:
    # SQLAlchemy calls this before the COMMIT reaches the server: another thread may still read the old row and
    # keep it in the new generation, so the rows go again once the connection comes back to its pool (`_returned`).
    if connection.invalidated:  # (its `info` would raise; it commits nothing)
        return
    if connection.info.pop("organiser_wrote", False):
        connection.info["organiser_committed"] = True
        _forget_everywhere()


def _returned(_dbapi_connection, record) -> None:
    if record is not None and record.info.pop("organiser_committed", False):
        _forget_everywhere()


def _forget_everywhere() -> None:
    for told in list(_ALL):
        told.changed()


def _rolled_back(connection) -> None:
    # A connection the server dropped is rolled back too: its `info` would raise PendingRollbackError there, and
    # the pool throws its record away anyway.
    if not connection.invalidated:
        connection.info.pop("organiser_wrote", None)


# Every engine of the process: a write committed here empties the rows before its notification arrives.
event.listen(Engine, "after_cursor_execute", _wrote)
event.listen(Engine, "commit", _committed)
event.listen(Engine, "rollback", _rolled_back)
event.listen(Pool, "checkin", _returned)
