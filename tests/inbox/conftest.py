"""A real IMAP server for the reply mailbox: Debian's Dovecot (dovecot-imapd) on loopback, with a throw-away
configuration (own base_dir, static passdb: any user name with the password "secret" has a mailbox of its own),
and the messages calendar apps and mail servers send, written from their documented forms (messages/)."""

from __future__ import annotations

import base64
import http.server
import imaplib
import itertools
import json
import os
import pwd
import quopri
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from string import Template

import pytest
from icalendar import Calendar

from organiser.extensions import utcnow
from organiser.invitations import sending
from organiser.invitations.models import Invitation
from organiser.mail.deferred import rendered
from organiser.mail.models import OutboxMessage
from tests.conftest import make_app, skip_or_fail

MESSAGES = Path(__file__).parent / "messages"
REPLY_ADDRESS = "antwoord@gemeente.example"
PASSWORD = "secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


OAUTH2_CLIENT_ID = "organiser-inbox"
OAUTH2_CLIENT_SECRET = "client-secret"


class TokenAuthority:
    """A stand-in for Microsoft Entra ID on loopback: the client-credentials token endpoint organiser calls, and the
    introspection endpoint Dovecot's oauth2 passdb calls. As Entra issues a token per resource (the scope), this
    one issues a token for the mailbox named in the scope ("imap://<user>/.default")."""

    def __init__(self) -> None:
        self.issued: dict[str, str] = {}
        self.requests: list[dict[str, str]] = []
        authority = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in urllib.parse.parse_qs(self.rfile.read(length).decode()).items()}
                if self.path == "/token":
                    authority.requests.append(form)
                    good = (form.get("grant_type"), form.get("client_id"), form.get("client_secret")) == (
                        "client_credentials",
                        OAUTH2_CLIENT_ID,
                        OAUTH2_CLIENT_SECRET,
                    )
                    user = form.get("scope", "").removeprefix("imap://").removesuffix("/.default")
                    if not good or not user:
                        return self._json(401, {"error": "invalid_client"})
                    token = secrets_token()
                    authority.issued[token] = user
                    return self._json(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3599})
                user = authority.issued.get(form.get("token", ""))
                return self._json(200, {"active": user is not None, "username": user or ""})

            def _json(self, status: int, data: dict) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def secrets_token() -> str:
    return secrets.token_urlsafe(24)


class Dovecot:
    """Dovecot serving IMAP on 127.0.0.1:port; `kick(user)` cuts that user's connections (a server going away)."""

    def __init__(
        self, binary: str, base: Path, port: int, config: Path, process: subprocess.Popen, authority: TokenAuthority
    ) -> None:
        self.binary = binary
        self.base = base
        self.port = port
        self.config = config
        self.process = process
        self.authority = authority

    def url(self, user: str) -> str:
        return f"imap://{user}:{PASSWORD}@127.0.0.1:{self.port}/INBOX"

    def connect(self, user: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(user, PASSWORD)
        return client

    def append(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        client = self.connect(user)
        try:
            client.append(folder, None, None, raw)
        finally:
            client.logout()

    def messages(self, user: str, folder: str = "INBOX") -> list[tuple[bytes, bytes]]:
        """(flags, raw) of every message in the folder, not marking anything."""
        client = self.connect(user)
        try:
            client.select(folder, readonly=True)
            _typ, data = client.uid("SEARCH", None, "ALL")
            found = []
            for uid in data[0].split():
                _typ, fetched = client.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
                found.append((fetched[0][0], fetched[0][1]))
            return found
        finally:
            client.logout()

    def kick(self, user: str) -> None:
        doveadm = shutil.which("doveadm") or "/usr/bin/doveadm"
        subprocess.run([doveadm, "-c", str(self.config), "kick", user], check=False, capture_output=True, timeout=10)


def _mail_user() -> tuple[str, int, int]:
    """Dovecot refuses to keep mail as root: as root the mail belongs to the package's own 'dovecot' user."""
    if os.geteuid() != 0:
        entry = pwd.getpwuid(os.geteuid())
    else:
        try:
            entry = pwd.getpwnam("dovecot")
        except KeyError:
            skip_or_fail("Dovecot's 'dovecot' user does not exist (is dovecot-imapd installed?)")
    return entry.pw_name, entry.pw_uid, entry.pw_gid


#: What the configurations of both versions say alike.
COMMON = """\
base_dir = $base/run
state_dir = $base/state
log_path = $base/dovecot.log
info_log_path = $base/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
auth_mechanisms = plain login xoauth2 oauthbearer
first_valid_uid = 1"""

#: The throw-away configuration for Dovecot 2.3 (Debian 12).
CONFIG_2_3 = """\
$common
disable_plaintext_auth = no
mail_location = maildir:$base/mail/%u
$users
# OAuth2 (as Exchange Online wants it): Dovecot asks the token authority whether a bearer token is valid.
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $base/oauth2.conf
}
passdb {
  driver = static
  args = password=$password
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$base/home/%u
}
$services"""

#: The same for Dovecot 2.4 (Debian 13, upstream), whose settings were renamed (doc.dovecot.org, "Upgrading
#: Dovecot CE from 2.3 to 2.4"): dovecot_config_version and dovecot_storage_version must come first;
#: mail_location became mail_driver + mail_path; disable_plaintext_auth = no became auth_allow_cleartext = yes;
#: %u became %{user}; passdb and userdb are named blocks whose args became settings (password, fields); the OAuth2
#: mechanisms no longer use a passdb but the global oauth2 { } block (its settings were the oauth2 args file's).
CONFIG_2_4 = """\
dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
$common
auth_allow_cleartext = yes
mail_driver = maildir
mail_path = $base/mail/%{user}
$users
# OAuth2 (as Exchange Online wants it): Dovecot asks the token authority whether a bearer token is valid.
oauth2 {
$oauth2}
passdb static {
  password = $password
}
userdb static {
  fields {
    uid = $uid
    gid = $gid
    home = $base/home/%{user}
  }
}
$services"""

SERVICES = """\
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
  $chroot
}
service stats {
  inet_listener http {
    port = 0
  }
}
"""

#: What Dovecot asks the token authority (2.3: the oauth2 passdb's args file; 2.4: the oauth2 { } block).
OAUTH2_SETTINGS = (
    "introspection_mode = post\n"
    "introspection_url = http://127.0.0.1:$authority/introspect\n"
    "username_attribute = username\nactive_attribute = active\nactive_value = true\n"
)


def dovecot_version(binary: str) -> tuple[int, ...]:
    """`dovecot --version` ("2.3.19.1 (9b53102964)") as numbers: (2, 3, 19, 1)."""
    output = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10, check=True).stdout
    first = output.split()[0] if output.split() else ""
    return tuple(int(part) for part in first.split(".") if part.isdigit())


def dovecot_config(version: tuple[int, ...], **values) -> tuple[str, str | None]:
    """The configuration for this Dovecot version, and the oauth2 args file 2.3 needs (None for 2.4)."""
    oauth2 = Template(OAUTH2_SETTINGS).substitute(authority=values.pop("authority"))
    services = Template(SERVICES).substitute(port=values["port"], chroot=values.pop("chroot"))
    values["common"] = Template(COMMON).substitute(base=values["base"])
    if version >= (2, 4):
        indented = "".join(f"  {line}\n" for line in oauth2.splitlines())
        return Template(CONFIG_2_4).substitute(oauth2=indented, services=services, **values), None
    return Template(CONFIG_2_3).substitute(services=services, **values), oauth2


@pytest.fixture(scope="session")
def dovecot() -> Dovecot:
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.path.exists(binary):
        skip_or_fail("Dovecot is not installed (Debian: apt-get install dovecot-imapd)")
    user, uid, gid = _mail_user()
    # Not under pytest's private temporary directory: the mail user must be able to reach the mail folder.
    base = Path(tempfile.mkdtemp(prefix="organiser-dovecot-"))
    base.chmod(0o755)
    for folder in ("mail", "home"):
        (base / folder).mkdir()
        os.chown(base / folder, uid, gid)
    port = free_port()
    authority = TokenAuthority()
    root = os.geteuid() == 0
    users = "" if root else "\n".join(f"{name} = {user}" for name in ("default_login_user", "default_internal_user"))
    text, oauth2 = dovecot_config(
        dovecot_version(binary),
        base=base,
        users=users,
        password=PASSWORD,
        uid=uid,
        gid=gid,
        port=port,
        chroot="" if root else "chroot =",
        authority=authority.port,
    )
    if oauth2 is not None:
        (base / "oauth2.conf").write_text(oauth2)
    config = base / "dovecot.conf"
    config.write_text(text)
    with open(base / "stderr.log", "wb") as stderr:
        process = subprocess.Popen([binary, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=stderr)
    deadline = time.monotonic() + 15
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log = (base / "dovecot.log").read_text() if (base / "dovecot.log").exists() else ""
                process.kill()
                errors = (base / "stderr.log").read_text(errors="replace")
                skip_or_fail(f"Dovecot did not start: {errors[-500:]} {log[-500:]}")
            time.sleep(0.1)
    yield Dovecot(binary, base, port, config, process, authority)
    authority.stop()
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    shutil.rmtree(base, ignore_errors=True)


_mailbox_numbers = itertools.count(1)


@pytest.fixture
def mailbox_user(dovecot) -> str:
    """A mailbox of this test's own (Dovecot's static passdb makes one for every user name)."""
    return f"antwoord{os.getpid()}x{next(_mailbox_numbers)}"


@pytest.fixture
def app(database_url, dovecot, mailbox_user):
    """The app reading this test's reply mailbox."""
    from organiser.extensions import db as _db

    app = make_app(database_url, INBOX_URL=dovecot.url(mailbox_user), REPLY_ADDRESS=REPLY_ADDRESS, INBOX_TIMEOUT=10)
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()


# --- Messages in the forms the clients send ---------------------------------------------------------------


def ical_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def render_message(name: str, **values) -> bytes:
    """A message from messages/<name>.eml, its calendar part from messages/<calendar>.ics (CRLF line ends).

    The calendar text is offered as $CALENDAR (8bit), $CALENDAR_BASE64 and $CALENDAR_QP, as each client encodes it.
    """
    eml = (MESSAGES / f"{name}.eml").read_text()
    calendar_name = values.pop("calendar", None)
    if calendar_name:
        ics = Template((MESSAGES / f"{calendar_name}.ics").read_text()).substitute(values)
        ics = "\r\n".join(ics.splitlines()) + "\r\n"
        encoded = base64.encodebytes(ics.encode()).decode()
        values["CALENDAR"] = ics.rstrip("\r\n")
        values["CALENDAR_BASE64"] = encoded.rstrip("\n")
        values["CALENDAR_QP"] = quopri.encodestring(ics.encode()).decode().rstrip("\n")
    text = Template(eml).substitute(values)
    return "\r\n".join(text.splitlines()).encode() + b"\r\n"


# --- Invitations and the replies their mail brings -----------------------------------------------------------

SUBJECTS = {"ACCEPTED": "Geaccepteerd", "TENTATIVE": "Voorlopig", "DECLINED": "Geweigerd"}


@pytest.fixture
def invited(db, create_event, create_person, organiser):
    """Factory: an event of the logged-in organiser with people invited (invitation mails queued)."""

    def factory(n=1, **event_fields):
        event = create_event(organiser=organiser, **event_fields)
        people = [create_person(name=f"Anna de Vries {i}") for i in range(n)]
        for person in people:
            db.session.add(Invitation(event=event, person=person))
        db.session.flush()
        sending.send_invitations(event)
        db.session.commit()
        invitations = db.session.scalars(
            db.select(Invitation).where(Invitation.event_id == event.id).order_by(Invitation.id)
        ).all()
        return event, list(invitations)

    return factory


def last_calendar_mail(db, invitation_id: int) -> OutboxMessage | None:
    """The latest mail with a calendar part, as it is sent (a mail recorded as facts rendered as the worker does)."""
    query = (
        db.select(OutboxMessage).where(OutboxMessage.invitation_id == invitation_id).order_by(OutboxMessage.id.desc())
    )
    return next((mail for mail in map(rendered, db.session.scalars(query)) if mail.ics is not None), None)


def vevent_of(mail: OutboxMessage):
    (vevent,) = Calendar.from_ical(mail.ics).walk("VEVENT")
    return vevent


def reply_from(
    db, invitation_id, client="outlook", partstat="ACCEPTED", *, form="reply", stamp=None, attendee=None, **extra
):
    """The REPLY (or COUNTER) `client` sends when its user presses a button on the invitation's last calendar mail."""
    invitation = db.session.get(Invitation, invitation_id)
    vevent = vevent_of(last_calendar_mail(db, invitation_id))
    event = invitation.event
    values = {
        "calendar": f"{client}_{form}",
        "UID": str(vevent["UID"]),
        "SEQUENCE": int(vevent["SEQUENCE"]),
        "DTSTAMP": ical_stamp(stamp or utcnow()),
        "ORGANIZER": str(vevent["ORGANIZER"])[len("mailto:") :],
        "ATTENDEE": attendee or invitation.person.email,
        "ATTENDEE_NAME": invitation.person.name,
        "PARTSTAT": partstat,
        "DTSTART": ical_stamp(event.starts_at),
        "DTEND": ical_stamp(event.ends_at),
        "SUMMARY": event.title,
        "SUBJECT": f"{SUBJECTS.get(partstat, 'Antwoord')}: {event.title}",
        "MESSAGE_ID": f"<{uuid.uuid4()}@client.example>",
        "DATE": format_datetime(utcnow()),
        **extra,
    }
    return render_message(f"{client}_{form}", **values)


def fetch(app) -> str:
    result = app.test_cli_runner().invoke(args=["inbox", "fetch"])
    assert result.exit_code == 0, result.output
    return result.output


def reload(db, invitation_id) -> Invitation:
    db.session.expire_all()
    return db.session.get(Invitation, invitation_id)
