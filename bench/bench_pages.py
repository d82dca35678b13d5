"""The organiser's heavy requests at a municipality's size, over HTTP, on SQLite and PostgreSQL, and mail dispatch.

The database is bench_reach's (20,000 staff, 2,000 residents, 2,000 events over three years, 100,000
invitations), plus an upcoming event with 1,000 invitations (the answers page), one with 40 on its guest list
(the suggestions page), and one event per round with 1,000 colleagues on its guest list, not yet invited.

Per round, alternated: /healthz of the server (wrk), then each page timed one request at a time over HTTP;
"ratio" is (1 / seconds of the page) ÷ (/healthz requests per second of the same server in that round). Then
"Versturen" to 1,000 people in one request, and the outbox sends what it queued: `flask outbox send --all` (one
worker) to a local SMTP sink, against the naive way (the same messages, one SMTP connection per mail) and the
limit (the same bytes from memory over one connection). SQL statements, bytes and translation look-ups are
counted once, in this process (the test client on the same database).

The server: `gunicorn -w 2` (sync workers) with the benchmark's limits and --timeout 600 (the send takes longer
than production's 30 s today). The naive suggestions come from bench/reference_app.py on the same database.

    .venv/bin/python -m bench.bench_pages
"""

from __future__ import annotations

import email
import email.policy
import os
import random
import secrets
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

from . import bench_reach
from . import harness as h
from .load_support import CSRF, Visitor

ANSWERS = h.scaled(1000, 50)
SEND = h.scaled(1000, 30)
PAGE_REPEATS = 1 if h.SHORT else 3
BASE_URL = "http://organiser.bench"
EMAIL, PASSWORD = "bench@organiser.example", bench_reach.PASSWORD


def add_events(rounds: int) -> dict:
    """The answers event, the suggestions event and one send event per round (+1 counted in-process)."""
    from organiser.events.models import Event
    from organiser.extensions import db
    from organiser.invitations.models import Invitation

    now = datetime.now(UTC)
    staff = list(range(1, bench_reach.STAFF + 1))
    rng = random.Random(12)
    ids = {}

    def event(title: str, capacity: int) -> int:
        return db.session.execute(
            sa.insert(Event.__table__).returning(Event.__table__.c.id), [bench_reach.upcoming_event(title, capacity)]
        ).scalar_one()

    ids["answers"] = event("Antwoorden: duizend uitnodigingen", 600)
    states = ["yes", "no", "maybe", "invited", "waiting"]
    rows = []
    for n, person_id in enumerate(rng.sample(staff, ANSWERS)):
        state = states[n % len(states)]
        rows.append(
            {
                "event_id": ids["answers"],
                "person_id": person_id,
                "state": state,
                "plus_ones": 0,
                "note": "Ik neem een collega mee." if n % 7 == 0 else "",
                "reason": "",
                "created_at": now,
                "sent_at": now,
                "answered_at": None if state == "invited" else now,
                "waiting_since": now if state == "waiting" else None,
                "is_guide": False,
                "token_hash": secrets.token_hex(32),
                "token_nonce": secrets.token_urlsafe(32),
            }
        )
    db.session.execute(sa.insert(Invitation.__table__), rows)
    db.session.execute(
        sa.update(Event.__table__).where(Event.__table__.c.id == ids["answers"]).values(seats_taken=ANSWERS // 5)
    )
    ids["suggestions"] = bench_reach.add_suggestions_event(rng)
    ids["send"] = []
    for r in range(rounds):
        event_id = event(f"Versturen {r}: duizend collega's", 2000)
        ids["send"].append(event_id)
        db.session.execute(sa.insert(Invitation.__table__), bench_reach.listed_rows(event_id, rng.sample(staff, SEND)))
    db.session.commit()
    return ids


def listed_ids(event_id: int) -> list[int]:
    from organiser.extensions import db
    from organiser.invitations.models import Invitation

    table = Invitation.__table__
    query = sa.select(table.c.id).where(table.c.event_id == event_id, table.c.state == "listed")
    return list(db.session.scalars(query))


#: The send before issue 12 (README, 1,000 people): every mail rendered in the request, one invitee at a time.
BEFORE_SEND = "before: 3,857 statements, S 26.0 s, P 36.2 s"


def in_process_counts(app, ids: dict, send_event: int, paths: dict[str, str]) -> dict[str, dict]:
    """Statements, bytes and translation look-ups per page, and for one send, through the test client."""
    from organiser.extensions import db

    client = app.test_client()
    assert client.post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
    counts = {}
    for name, path in paths.items():
        client.get(path)  # warm
        with h.QueryCounter(db.engine) as queries, h.TranslationCounter() as translations:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        counts[name] = {"statements": queries.count, "translations": translations.count, "bytes": len(response.data)}
    chosen = listed_ids(send_event)
    with h.QueryCounter(db.engine) as queries, h.TranslationCounter() as translations:
        began = time.perf_counter()
        response = client.post(f"/events/{send_event}/send", data={"invitation": [str(i) for i in chosen]})
        seconds = time.perf_counter() - began
    assert response.status_code == 302, response.status_code
    counts["send"] = {"statements": queries.count, "translations": translations.count, "seconds": seconds}
    db.session.remove()
    return counts


class Organiser:
    """A logged-in organiser's browser over HTTP."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.visitor = Visitor()
        page = self.visitor.get(base, "/login")
        token = CSRF.search(page.text).group(1)
        reply = self.visitor.post(base, "/login", {"csrf_token": token, "email": EMAIL, "password": PASSWORD})
        assert reply.status == 302, (reply.status, reply.text[:300])
        home = self.visitor.get(base, "/events/new/netwerkborrel")  # any page with a form
        self.csrf = CSRF.search(home.text).group(1)

    def page(self, path: str) -> tuple[float, int]:
        reply = self.visitor.get(self.base, path)
        assert reply.status == 200, (path, reply.status)
        return reply.latency, len(reply.body)

    def send(self, event_id: int, chosen: list[int]) -> float:
        body = urlencode([("csrf_token", self.csrf)] + [("invitation", str(i)) for i in chosen]).encode()
        reply = self.visitor.request(self.base, "POST", f"/events/{event_id}/send", body=body)
        assert reply.status == 302, (reply.status, reply.text[:300])
        return reply.latency


def mail_files(directory: Path) -> set[str]:
    return {p.name for p in directory.glob("*.eml")}


def dispatch(env: dict[str, str]) -> float:
    """`flask outbox send --all` as a worker would (one SMTP connection per batch); returns its wall time."""
    began = time.perf_counter()
    subprocess.run(
        [str(h.BIN / "flask"), "outbox", "send", "--all"],
        env=env,
        cwd=h.ROOT,
        check=True,
        capture_output=True,
        timeout=3600,
    )
    return time.perf_counter() - began


def send_again(paths: list[Path], port: int, one_connection: bool) -> float:
    """The delivered messages sent again over SMTP: one connection each (naive) or all over one (limit)."""
    messages = []
    for path in paths:
        data = path.read_bytes()
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        messages.append((str(parsed["From"].addresses[0].addr_spec), str(parsed["To"].addresses[0].addr_spec), data))
    began = time.perf_counter()
    if one_connection:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for sender, to, data in messages:
                smtp.sendmail(sender, [to], data)
    else:
        for sender, to, data in messages:
            with smtplib.SMTP("127.0.0.1", port) as smtp:
                smtp.sendmail(sender, [to], data)
    return time.perf_counter() - began


def measure_database(label: str, url: str, tmp: Path) -> tuple[list[list[str]], list[list[str]]]:
    from flask_migrate import upgrade

    from organiser.extensions import db

    secret_key = secrets.token_hex(32)
    app = bench_reach.make_app(url)
    # The test client asks for "localhost"; the links name BASE_URL.
    app.config.update(
        SECRET_KEY=secret_key,
        BASE_URL=BASE_URL,
        TRUSTED_HOSTS=["localhost", "organiser.bench"],
        MFA_REQUIRED_FOR="none",
    )
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        bench_reach.generate(random.Random(2026))
        ids = add_events(h.ROUNDS + 1)
        print(f"[{label}] data generated in {time.perf_counter() - started:.0f} s", flush=True)
        today = date.today()
        three_years = f"?from={(today - timedelta(days=bench_reach.YEARS * 366)).isoformat()}&to={today.isoformat()}"
        paths = {
            "answers": f"/events/{ids['answers']}/answers",
            "suggestions": f"/events/{ids['suggestions']}/guests/suggestions?aantal=10",
            "reach": "/reach" + three_years,
        }
        counts = in_process_counts(app, ids, ids["send"][-1], paths)
        send_lists = {event_id: listed_ids(event_id) for event_id in ids["send"][:-1]}
        db.session.remove()
        db.engine.dispose()

    mail_dir = tmp / f"mail-{label}"
    smtp_port = h.free_port()
    sink = subprocess.Popen(
        [sys.executable, "-m", "bench.fast_smtp_sink", "--port", str(smtp_port), "--directory", str(mail_dir)],
        cwd=h.ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    env = h.server_env(
        url,
        secret_key,
        BASE_URL,
        ORGANISER_MAIL_SERVER="127.0.0.1",
        ORGANISER_MAIL_PORT=str(smtp_port),
        ORGANISER_MAIL_DEFAULT_SENDER="Organiser <organiser@organiser.test>",
        ORGANISER_MAIL_MESSAGE_ID_DOMAIN="organiser.test",
    )
    log = tmp / f"gunicorn-pages-{label}.log"
    figures = {name: h.Spread() for name in ("answers", "suggestions", "reach", "naive suggestions", "send")}
    ratios = {name: h.Ratio() for name in figures}
    health = h.Spread()
    mail = {name: h.Spread() for name in ("worker", "naive", "limit")}
    sizes = {}
    try:
        time.sleep(0.5)
        seconds = dispatch(env)  # the counted send's mail, and the files the naive and limit runs send again
        startup = statistics.median(dispatch(env) for _ in range(h.scaled(2, 1)))  # nothing due: start-up cost
        print(
            f"[{label}] first dispatch {seconds:.1f} s; `flask outbox send` with nothing due {startup:.1f} s",
            flush=True,
        )
        reference_env = {**env, "BENCH_DATABASE_URL": url}
        with (
            h.Gunicorn("organiser:create_app()", env, log) as server,
            h.Gunicorn("bench.reference_app:create()", reference_env, log) as reference,
        ):
            h.wrk(server.url + "/healthz", seconds=1)
            organiser = Organiser(server.url)
            for path in paths.values():  # every worker has rendered each page once
                for _ in range(2):
                    organiser.page(path)
            naive_path = f"/naive/suggestions/{ids['suggestions']}?aantal=10"
            h.get(reference.url, naive_path)
            for round_number in range(h.ROUNDS):
                rate = h.wrk(server.url + "/healthz").per_second
                health.add(rate)
                for name, path in paths.items():
                    times = []
                    for _ in range(PAGE_REPEATS):
                        latency, sizes[name] = organiser.page(path)
                        times.append(latency)
                    figures[name].add(statistics.median(times))
                    ratios[name].add(1 / statistics.median(times) / rate)
                reference_rate = h.wrk(reference.url + "/healthz").per_second
                naive = statistics.median(h.get(reference.url, naive_path).seconds for _ in range(PAGE_REPEATS))
                figures["naive suggestions"].add(naive)
                ratios["naive suggestions"].add(1 / naive / reference_rate)
                event_id = ids["send"][round_number]
                seconds = organiser.send(event_id, send_lists[event_id])
                figures["send"].add(seconds)
                ratios["send"].add(1 / seconds / rate)
                before = mail_files(mail_dir)
                seconds = dispatch(env)
                delivered = sorted(mail_dir / name for name in mail_files(mail_dir) - before)
                assert len(delivered) >= SEND * 0.9, f"{len(delivered)} of {SEND} mails delivered"
                mail["worker"].add(len(delivered) / max(seconds - startup, 1e-3))
                mail["naive"].add(len(delivered) / send_again(delivered, smtp_port, one_connection=False))
                mail["limit"].add(len(delivered) / send_again(delivered, smtp_port, one_connection=True))
            organiser.visitor.close()
    finally:
        sink.terminate()
        sink.wait(timeout=10)

    def ms(spread: h.Spread) -> str:
        return h.Spread([v * 1000 for v in spread.values]).show("{:,.0f}", " ms")

    rows = [
        ["/healthz of the server", label, health.show("{:,.0f}", "/s"), "1", ""],
        [
            f'"Versturen" to {SEND:,} people (one request)',
            label,
            h.Spread([v for v in figures["send"].values]).show("{:,.1f}", " s"),
            ratios["send"].show(),
            f"{counts['send']['statements']:,} SQL statements, {counts['send']['translations']:,} translation calls "
            f"(in-process: {counts['send']['seconds']:.1f} s); {BEFORE_SEND}",
        ],
        [
            f"answers page, {ANSWERS:,} invitations",
            label,
            ms(figures["answers"]),
            ratios["answers"].show(),
            f"{sizes['answers'] / 1e6:.2f} MB, {counts['answers']['statements']} statements, "
            f"{counts['answers']['translations']:,} translation calls",
        ],
        [
            f"suggestions page, {bench_reach.STAFF:,} staff, {bench_reach.INVITATIONS:,} past invitations",
            label,
            ms(figures["suggestions"]),
            ratios["suggestions"].show(),
            f"{counts['suggestions']['statements']} statements",
        ],
        [
            "suggestions the naive way (all colleagues into Python; reference server)",
            label,
            ms(figures["naive suggestions"]),
            ratios["naive suggestions"].show(),
            "ratio to the reference server's /healthz",
        ],
        [
            f"reach dashboard, {bench_reach.INVITATIONS:,} invitations, three years",
            label,
            ms(figures["reach"]),
            ratios["reach"].show(),
            f"{counts['reach']['statements']} statements, {sizes['reach'] / 1e3:.0f} kB",
        ],
    ]
    mail_rows = [
        ["outbox worker (`flask outbox send --all`, start-up subtracted)", label, mail["worker"].show("{:,.0f}", "/s")],
        ["naive: the same messages, one SMTP connection per mail", label, mail["naive"].show("{:,.0f}", "/s")],
        ["limit: the same bytes from memory over one connection", label, mail["limit"].show("{:,.0f}", "/s")],
    ]
    return rows, mail_rows


def main() -> None:
    h.require_wrk()
    began = time.monotonic()
    rows, mail_rows = [], []
    with tempfile.TemporaryDirectory(prefix="organiser-bench-") as tmp:
        # BENCH_SHORT: SQLite here, PostgreSQL in bench_feeds and bench_load (both kept working, CI stays short).
        for label, url in h.Databases(Path(tmp), postgres=not h.SHORT):
            page_rows, dispatch_rows = measure_database(label, url, Path(tmp))
            rows += page_rows
            mail_rows += dispatch_rows
    print(
        f"\ngunicorn -w 2 (sync workers); pages one request at a time, median of {PAGE_REPEATS} per round; "
        f"{h.ROUNDS} rounds; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    h.print_table(
        "Pages: time of one request over HTTP (a Python client, one request at a time: a latency, which the client "
        "does not limit; /healthz by wrk), median (min–max over rounds); ratio = (1/time) ÷ /healthz per second",
        ["what", "database", "time", "ratio to /healthz", "counted in-process"],
        rows,
    )
    h.print_table(
        f"Mail dispatch to a local SMTP sink ({SEND:,} mails per round): mails per second, one worker",
        ["what", "database", "mails/s"],
        mail_rows,
    )
    print(f"\n{h.show_requests_made()}; run took {time.monotonic() - began:.0f} s")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
