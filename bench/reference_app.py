"""The yardsticks the benchmarks compare organiser with, served by gunicorn exactly as organiser is.

- /healthz: the same trivial answer as organiser's.
- /memory/<name>: the bytes of BENCH_MEMORY_DIR/<name>, read once at start (a body organiser served, with its
  ETag; If-None-Match gives 304): the limit, what serving that body can cost at best on this server.
- /naive/public.ics, /naive/personal/<token>.ics: the feed built the naive way, from the same database: one
  query, one icalendar.Event object per row, `to_ical()` on every request.
- /naive/suggestions/<event_id>?aantal=N: colleagues to suggest, the naive way: load every active colleague and
  every past answer into Python and rank there.

    BENCH_DATABASE_URL=... BENCH_MEMORY_DIR=... gunicorn 'bench.reference_app:create()'
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

import icalendar
import sqlalchemy as sa
from flask import Flask, Response, abort, request

from organiser.calendar.models import FeedToken
from organiser.config import normalise_database_url
from organiser.events.models import Event
from organiser.invitations.models import Invitation
from organiser.people.models import Person

EVENT, INVITATION, PERSON, FEED_TOKEN = Event.__table__, Invitation.__table__, Person.__table__, FeedToken.__table__


def create() -> Flask:
    app = Flask(__name__)
    engine = sa.create_engine(normalise_database_url(os.environ["BENCH_DATABASE_URL"]), pool_pre_ping=True)
    memory: dict[str, tuple[bytes, str]] = {}
    directory = os.environ.get("BENCH_MEMORY_DIR")
    if directory:
        for path in Path(directory).glob("*"):
            body = path.read_bytes()
            memory[path.name] = (body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.get("/memory/<name>")
    def from_memory(name: str):
        if name not in memory:
            abort(404)
        body, etag = memory[name]
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, content_type="text/calendar; charset=utf-8", headers={"ETag": etag})

    def feed(rows) -> Response:
        calendar = icalendar.Calendar()
        calendar.add("prodid", "-//naive//NL")
        calendar.add("version", "2.0")
        stamp = datetime.now(UTC)
        for row in rows:
            entry = icalendar.Event()
            entry.add("uid", f"event-{row.id}@naive")
            entry.add("dtstamp", stamp)
            entry.add("dtstart", row.starts_at.replace(tzinfo=UTC))
            entry.add("dtend", row.ends_at.replace(tzinfo=UTC))
            entry.add("summary", row.title)
            entry.add("description", row.description or "")
            entry.add("location", row.location or "")
            entry.add("sequence", row.sequence or 0)
            entry.add("status", "CANCELLED" if row.status == "cancelled" else "CONFIRMED")
            calendar.add_component(entry)
        return Response(calendar.to_ical(), content_type="text/calendar; charset=utf-8")

    @app.get("/naive/public.ics")
    def naive_public():
        since = datetime.now(UTC) - timedelta(days=90)
        query = (
            sa.select(EVENT)
            .where(EVENT.c.status != "draft", EVENT.c.published_at.is_not(None), EVENT.c.starts_at >= since)
            .order_by(EVENT.c.starts_at, EVENT.c.id)
        )
        with engine.connect() as connection:
            return feed(connection.execute(query).all())

    @app.get("/naive/personal/<token>.ics")
    def naive_personal(token: str):
        digest = hashlib.sha256(token.encode()).hexdigest()
        query = (
            sa.select(EVENT)
            .join(INVITATION, INVITATION.c.event_id == EVENT.c.id)
            .join(FEED_TOKEN, FEED_TOKEN.c.person_id == INVITATION.c.person_id)
            .where(FEED_TOKEN.c.token_hash == digest, FEED_TOKEN.c.revoked_at.is_(None))
            .where(INVITATION.c.state.not_in(["no", "listed"]), INVITATION.c.sent_at.is_not(None))
            .order_by(EVENT.c.starts_at, EVENT.c.id)
        )
        with engine.connect() as connection:
            return feed(connection.execute(query).all())

    @app.get("/naive/suggestions/<int:event_id>")
    def naive_suggestions(event_id: int):
        wanted = request.args.get("aantal", 10, type=int)
        with engine.connect() as connection:
            colleagues = connection.execute(
                sa.select(PERSON.c.id, PERSON.c.name, PERSON.c.department_id, PERSON.c.contact_role).where(
                    PERSON.c.kind == "staff", PERSON.c.active.is_(True)
                )
            ).all()
            answers = connection.execute(
                sa.select(INVITATION.c.person_id, INVITATION.c.state, INVITATION.c.attended, INVITATION.c.event_id)
            ).all()
        on_list = {a.person_id for a in answers if a.event_id == event_id}
        came = Counter(a.person_id for a in answers if a.attended or a.state == "yes")
        asked = Counter(a.person_id for a in answers)
        ranked = sorted(
            (c for c in colleagues if c.id not in on_list),
            key=lambda c: (-(came[c.id] / asked[c.id] if asked[c.id] else 0.5), asked[c.id], c.name),
        )
        items = "".join(f"<li>{escape(c.name)}</li>" for c in ranked[:wanted])
        return f"<!doctype html><title>suggesties</title><ol>{items}</ol>"

    return app
