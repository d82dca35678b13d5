"""Production on loopback: a fresh PostgreSQL database, migrations, two gunicorn instances, one outbox worker
and a local SMTP sink, all on 127.0.0.1 (the set-up of DEPLOYMENT.md, small).

From the shell (or `scripts/production-local.sh start|stop|status`):

    .venv/bin/python -m deploy.local start     # prints the URLs; everything keeps running
    .venv/bin/python -m deploy.local status
    .venv/bin/python -m deploy.local stop      # stops every process and drops the database

From Python (the load and fault tests, the load benchmark):

    with LocalProduction(env={"ORGANISER_MAIL_LEASE_SECONDS": "3"}) as stack:
        urlopen(stack.web_urls[0] + "/healthz")
        stack.delivered()   # the messages the SMTP sink received

The PostgreSQL server is ORGANISER_TEST_DATABASE_URL (as in `make test`) or postgresql://postgres@127.0.0.1:5432/
postgres; the database is new for every start (`organiser_local_<pid>_<random>`) and dropped by stop. State
(process ids, ports, logs, received mail) lives in `instance/production-local/` unless told otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import email
import email.parser
import email.policy
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_STATE_DIR = ROOT / "instance" / "production-local"
DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    """A TCP port on loopback that nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_url() -> str:
    """The PostgreSQL server to make the database on, with the psycopg 3 driver."""
    from organiser.config import normalise_database_url

    return normalise_database_url(os.environ.get("ORGANISER_TEST_DATABASE_URL") or DEFAULT_SERVER_URL)


@dataclass
class State:
    """What `stop` and `status` need to find again, also from another process (kept as state.json)."""

    state_dir: str
    admin_url: str
    database_name: str
    database_url: str
    secret_key: str
    web_ports: list[int]
    smtp_port: int
    #: Process ids by name ("web-1", "web-2", "worker", "smtp"); each leads its own process group.
    pids: dict[str, int] = field(default_factory=dict)
    #: Extra ORGANISER_* settings given at start, passed to every process started later too.
    env: dict[str, str] = field(default_factory=dict)


class StartFailed(RuntimeError):
    """A part of the stack did not come up; the message ends with the tail of its log."""


class LocalProduction:
    """Start, inspect and stop the loopback production set-up."""

    def __init__(
        self,
        state_dir: Path | str | None = None,
        *,
        env: Mapping[str, str] | None = None,
        web_instances: int = 2,
        workers: int = 2,
        threads: int = 4,
        smtp_delay: float = 0.0,
        worker_interval: float = 1.0,
        with_worker: bool = True,
    ) -> None:
        self.state_dir = Path(state_dir or DEFAULT_STATE_DIR)
        self.extra_env = {key: str(value) for key, value in (env or {}).items()}
        self.web_instances = web_instances
        self.workers = workers
        self.threads = threads
        self.smtp_delay = smtp_delay
        self.worker_interval = worker_interval
        self.with_worker = with_worker
        self.state: State | None = None
        #: Our own children, so that they are reaped when they stop (a started-from-the-shell stack has none).
        self._children: dict[int, subprocess.Popen] = {}
        self._message_ids: dict[str, str] = {}

    # --- Properties -------------------------------------------------------------------------------------------

    @property
    def mail_dir(self) -> Path:
        return self.state_dir / "mail"

    @property
    def web_urls(self) -> list[str]:
        assert self.state is not None, "not started"
        return [f"http://127.0.0.1:{port}" for port in self.state.web_ports]

    @property
    def database_url(self) -> str:
        assert self.state is not None, "not started"
        return self.state.database_url

    def app(self, **config):
        """An app object on this stack's database and secret key (tokens derived in it work on the servers);
        for preparing data and checking the database from a test or benchmark."""
        assert self.state is not None, "not started"
        from organiser import create_app

        return create_app(
            {
                "SQLALCHEMY_DATABASE_URI": self.state.database_url,
                "SECRET_KEY": self.state.secret_key,
                "BASE_URL": f"http://127.0.0.1:{self.state.web_ports[0]}",
                "MAIL_MESSAGE_ID_DOMAIN": "organiser.test",
                **config,
            }
        )

    def app_env(self, **extra: str) -> dict[str, str]:
        """The environment every process of the stack runs with (ORGANISER_* settings, FLASK_APP)."""
        assert self.state is not None, "not started"
        env = {key: value for key, value in os.environ.items() if not key.startswith(("ORGANISER_", "FLASK_"))}
        env.update(
            FLASK_APP="organiser",
            PYTHONUNBUFFERED="1",
            ORGANISER_DATABASE_URL=self.state.database_url,
            ORGANISER_SECRET_KEY=self.state.secret_key,
            ORGANISER_BASE_URL=f"http://127.0.0.1:{self.state.web_ports[0]}",
            ORGANISER_MAIL_SERVER="127.0.0.1",
            ORGANISER_MAIL_PORT=str(self.state.smtp_port),
            ORGANISER_MAIL_DEFAULT_SENDER="Organiser <organiser@organiser.test>",
            ORGANISER_MAIL_MESSAGE_ID_DOMAIN="organiser.test",
            ORGANISER_MAIL_TIMEOUT="5",
        )
        env.update(self.state.env)
        env.update(extra)
        return env

    # --- Starting and stopping ------------------------------------------------------------------------------

    def start(self) -> LocalProduction:
        """Database, migrations, SMTP sink, web instances, worker; stops what started if anything fails."""
        if (self.state_dir / "state.json").exists():
            raise StartFailed(f"already running (see {self.state_dir / 'state.json'}); stop it first")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.mail_dir.mkdir(exist_ok=True)
        for old in self.mail_dir.glob("*.eml"):
            old.unlink()
        admin_url = server_url()
        name = f"organiser_local_{os.getpid()}_{secrets.token_hex(3)}"
        self.state = State(
            state_dir=str(self.state_dir),
            admin_url=admin_url,
            database_name=name,
            database_url=sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False),
            secret_key=secrets.token_hex(32),
            web_ports=[free_port() for _ in range(self.web_instances)],
            smtp_port=free_port(),
            env=self.extra_env,
        )
        try:
            self._create_database()
            self._save()
            self.flask("db", "upgrade", check=True)
            self.start_smtp()
            for number in range(1, self.web_instances + 1):
                self._start_web(number)
            for number in range(1, self.web_instances + 1):
                self._wait_for_web(number)
            if self.with_worker:
                self.start_worker()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every process (TERM, then KILL after 10 s) and drop the database."""
        if self.state is None:
            self.state = self._load()
            if self.state is None:
                return
        for name in list(self.state.pids)[::-1]:
            self._stop_process(name)
        self._drop_database()
        (self.state_dir / "state.json").unlink(missing_ok=True)
        self.state = None

    def status(self) -> dict[str, bool]:
        """Which parts are up: each process alive, and the database reachable."""
        if self.state is None:
            self.state = self._load()
            if self.state is None:
                return {}
        status = {name: _alive(pid) for name, pid in self.state.pids.items()}
        engine = sa.create_engine(self.state.database_url)
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
            status["database"] = True
        except sa.exc.OperationalError:
            status["database"] = False
        finally:
            engine.dispose()
        return status

    def __enter__(self) -> LocalProduction:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # --- Parts that tests start and stop on purpose ----------------------------------------------------------

    def start_smtp(self, delay: float | None = None) -> None:
        """The SMTP sink on its port (again, after stop_smtp); waits until it accepts connections."""
        assert self.state is not None
        delay = self.smtp_delay if delay is None else delay
        argv = [sys.executable, "-m", "deploy.smtp_sink", "--port", str(self.state.smtp_port)]
        argv += ["--directory", str(self.mail_dir), "--delay", str(delay)]
        self._spawn("smtp", argv)
        self._wait_for_port("smtp", self.state.smtp_port)

    def stop_smtp(self) -> None:
        """Take the mail server away (connections are refused until start_smtp)."""
        self._stop_process("smtp")

    def start_worker(self, **extra_env: str) -> None:
        """One `flask outbox work` process (it also runs the scheduled jobs)."""
        argv = [str(BIN / "flask"), "outbox", "work", "--interval", str(self.worker_interval)]
        self._spawn("worker", argv, self.app_env(**extra_env))

    def stop_worker(self, sig: signal.Signals = signal.SIGTERM) -> None:
        """Stop the worker; SIGKILL simulates a crash (no chance to record anything)."""
        self._stop_process("worker", sig)

    def flask(self, *args: str, check: bool = False, **extra_env: str) -> subprocess.CompletedProcess:
        """Run a `flask …` command against this stack's database (e.g. `flask demo-data`)."""
        return subprocess.run(
            [str(BIN / "flask"), *args],
            env=self.app_env(**extra_env),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=check,
            timeout=300,
        )

    def delivered(self) -> list[EmailMessage]:
        """Every message the SMTP sink accepted, in the order it accepted them."""
        return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in self._mail_files()]

    def delivered_message_ids(self) -> list[str]:
        """The Message-ID of every message the SMTP sink accepted (headers only, each file read once)."""
        ids = []
        for path in self._mail_files():
            if path.name not in self._message_ids:
                with path.open("rb") as file:
                    headers = email.parser.BytesHeaderParser(policy=email.policy.default).parse(file)
                self._message_ids[path.name] = str(headers["Message-ID"])
            ids.append(self._message_ids[path.name])
        return ids

    def _mail_files(self) -> list[Path]:
        return sorted(self.mail_dir.glob("*.eml"), key=lambda path: (path.stat().st_mtime_ns, path.name))

    def log(self, name: str) -> str:
        path = self.state_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- Internals --------------------------------------------------------------------------------------------

    def _start_web(self, number: int) -> None:
        assert self.state is not None
        port = self.state.web_ports[number - 1]
        argv = [
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--timeout",
            "30",
            "--graceful-timeout",
            "5",
            "--keep-alive",
            "5",
            "organiser:create_app()",
        ]
        self._spawn(f"web-{number}", argv, self.app_env())

    def _wait_for_web(self, number: int, timeout: float = 30) -> None:
        assert self.state is not None
        url = f"http://127.0.0.1:{self.state.web_ports[number - 1]}/healthz"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive(f"web-{number}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own loopback URL)
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise StartFailed(f"web-{number} did not answer {url} within {timeout:g} s\n{self._tail(f'web-{number}')}")

    def _wait_for_port(self, name: str, port: int, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive(name)
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise StartFailed(f"{name} did not listen on port {port} within {timeout:g} s\n{self._tail(name)}")

    def _check_alive(self, name: str) -> None:
        assert self.state is not None
        pid = self.state.pids.get(name)
        child = self._children.get(pid) if pid else None
        if pid is None or (child is not None and child.poll() is not None) or not _alive(pid):
            raise StartFailed(f"{name} stopped during start-up\n{self._tail(name)}")

    def _spawn(self, name: str, argv: list[str], env: Mapping[str, str] | None = None) -> None:
        assert self.state is not None
        if _alive(self.state.pids.get(name)):
            raise StartFailed(f"{name} is running already")
        log = open(self.state_dir / f"{name}.log", "ab")  # noqa: SIM115 (the child keeps it open)
        try:
            child = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=dict(env or self.app_env()),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped as a whole, never by name
            )
        finally:
            log.close()
        self._children[child.pid] = child
        self.state.pids[name] = child.pid
        self._save()

    def _stop_process(self, name: str, sig: signal.Signals = signal.SIGTERM, timeout: float = 10) -> None:
        assert self.state is not None
        pid = self.state.pids.pop(name, None)
        self._save()
        if pid is None:
            return
        _signal_group(pid, sig)
        child = self._children.pop(pid, None)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if child is not None and child.poll() is not None:
                break
            if child is None and not _alive(pid):
                break
            time.sleep(0.05)
        else:
            _signal_group(pid, signal.SIGKILL)
            if child is not None:
                child.wait(timeout=5)
        if sig != signal.SIGKILL:
            _signal_group(pid, signal.SIGKILL)  # anything of its group that outlived it (gunicorn workers)

    def _create_database(self) -> None:
        assert self.state is not None
        admin = sa.create_engine(self.state.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(sa.text(f'CREATE DATABASE "{self.state.database_name}"'))
        except sa.exc.OperationalError as error:
            raise StartFailed(f"PostgreSQL is not reachable at {self.state.admin_url}: {error.orig}") from None
        finally:
            admin.dispose()

    def _drop_database(self) -> None:
        assert self.state is not None
        admin = sa.create_engine(self.state.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.state.database_name}" WITH (FORCE)'))
        finally:
            admin.dispose()

    def _save(self) -> None:
        assert self.state is not None
        path = self.state_dir / "state.json"
        partial = path.with_suffix(".part")
        partial.write_text(json.dumps(asdict(self.state), indent=2))
        partial.replace(path)

    def _load(self) -> State | None:
        path = self.state_dir / "state.json"
        if not path.exists():
            return None
        return State(**json.loads(path.read_text()))

    def _tail(self, name: str, lines: int = 30) -> str:
        return "\n".join(self.log(name).splitlines()[-lines:])


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (exited, not yet reaped) is not alive
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def _signal_group(pid: int, sig: signal.Signals) -> None:
    """Signal the process group the child leads (gunicorn's workers included); gone already is fine."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.local", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["start", "stop", "status"])
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="a setting, e.g. RATE_LIMIT_TOKEN=60/minute"
    )
    args = parser.parse_args(argv)
    stack = LocalProduction(
        args.state_dir,
        workers=args.workers,
        threads=args.threads,
        env={f"ORGANISER_{k.removeprefix('ORGANISER_')}": v for k, _, v in (s.partition("=") for s in args.set)},
    )
    if args.command == "start":
        stack.start()
        assert stack.state is not None
        print(f"database   {stack.state.database_name} ({sa.engine.make_url(stack.database_url).host})")
        for number, url in enumerate(stack.web_urls, 1):
            print(f"web-{number}      {url}")
        print(f"worker     flask outbox work (pid {stack.state.pids.get('worker')})")
        print(f"smtp sink  127.0.0.1:{stack.state.smtp_port}, mail in {stack.mail_dir}")
        print(f"logs       {stack.state_dir}/*.log")
        print(f"stop with  {sys.executable} -m deploy.local stop")
        return 0
    if args.command == "stop":
        stack.stop()
        print("stopped")
        return 0
    status = stack.status()
    if not status:
        print("not running")
        return 3
    for name, up in status.items():
        print(f"{name:<10} {'up' if up else 'DOWN'}")
    return 0 if all(status.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
