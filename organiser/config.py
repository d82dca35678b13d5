"""Configuration: defaults here, overrides from ORGANISER_* environment variables or a mapping."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent

#: The placeholder secret key; the app refuses to start with it outside debug and testing.
DEFAULT_SECRET_KEY = "dev-only-change-me"  # noqa: S105 (refused outside debug and testing)

DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": DEFAULT_SECRET_KEY,
    "DATABASE_URL": None,  # default: SQLite file in the instance folder
    "BASE_URL": "http://127.0.0.1:5000",
    #: Host names this app answers to (a JSON list); default: the host of BASE_URL (with a loopback BASE_URL also
    #: localhost and 127.0.0.1). Any other Host header (or X-Forwarded-Host) is a 400: links are never built on it.
    "TRUSTED_HOSTS": None,
    "REDIS_URL": None,
    #: Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted (0: none).
    "PROXY_FIX": 0,
    # Mail (Flask-Mail reads MAIL_*). Without MAIL_SERVER, mail is kept for the development mail page.
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_DEFAULT_SENDER": "organiser@localhost",
    "MAIL_TIMEOUT": 30,
    "MAIL_BATCH_SIZE": 50,
    "MAIL_MESSAGE_ID_DOMAIN": None,  # default: the host of BASE_URL
    "MAIL_EHLO_HOSTNAME": None,  # default: the Message-ID domain
    "MAIL_MAX_ATTEMPTS": 10,
    #: Wait after the first temporary failure; doubles with each try (at most an hour), plus up to 25% jitter.
    "MAIL_BACKOFF_SECONDS": 60,
    #: A claimed row is retried by another worker after this long (a worker that died mid-batch).
    "MAIL_LEASE_SECONDS": 600,
    # The reply mailbox (see README: "Answers from calendar apps"). Without INBOX_URL nothing reads replies, so
    # scheduling mail asks for none and says the calendar buttons do not answer.
    #: The ORGANIZER of scheduling mail, plus-addressed per invitation (antwoord+<key>@gemeente.example).
    "REPLY_ADDRESS": None,
    #: imap:// or imaps://user:password@host:port/MAILBOX
    "INBOX_URL": None,
    #: Seconds between fetches in the worker.
    "INBOX_INTERVAL": 60,
    "INBOX_BATCH_SIZE": 50,
    "INBOX_TIMEOUT": 30,
    #: Move applied messages to this folder instead of deleting them.
    "INBOX_DONE_FOLDER": None,
    #: Exchange Online: OAuth2 client credentials instead of a password (see DEPLOYMENT.md).
    "INBOX_OAUTH2_TOKEN_URL": None,
    "INBOX_OAUTH2_CLIENT_ID": None,
    "INBOX_OAUTH2_CLIENT_SECRET": None,
    "INBOX_OAUTH2_SCOPE": None,
    #: An answer's confirmation waits this long; a further answer in that time replaces it (one mail, final state).
    "CONFIRMATION_DELAY_SECONDS": 60,
    # Product settings.
    "TIMEZONE": "Europe/Amsterdam",
    "DEFAULT_OFFICE_SHARE": 50,
    "REMINDER_DAYS_BEFORE_DEADLINE": 3,
    # After the encounter (organiser/followup): the questions go out the morning after an event at this hour (local
    # time), stay open this many days (the organiser may change it per event), and those who did not answer get one
    # reminder this many days after the first mail (none if the questions close first).
    "FOLLOWUP_SEND_HOUR": 9,
    "FOLLOWUP_OPEN_DAYS": 14,
    "FOLLOWUP_REMINDER_DAYS": 5,
    #: "Stuur nu een herinnering" skips whoever got a reminder less than this many hours ago (a double click,
    #: two organisers at once, or pressing it again the same day sends nothing twice).
    "REMINDER_AGAIN_AFTER_HOURS": 24,
    #: The daily digest of news for organisers (organiser/news) goes out from this hour (local time) on.
    "NEWS_DIGEST_HOUR": 8,
    # Privacy: how long each category of personal data is kept (organiser/retention.py holds the policy; the
    # privacy statement and the "my data" page show these same numbers; `flask jobs` and the worker apply them).
    #: Notes (diet, accessibility) and plus-ones: removed this many days after the event.
    "RETENTION_NOTES_DAYS": 30,
    #: Contents of a mail (text, HTML, calendar part: links, notes) once it is sent: removed after this many days.
    "RETENTION_SENT_MAIL_DAYS": 0,
    #: Contents of a mail that could not be sent (failed, or kept without SMTP): removed after this many days.
    "RETENTION_UNSENT_MAIL_DAYS": 14,
    #: That a mail was sent (to whom, what kind, status, when): the record is deleted after this many days.
    "RETENTION_MAIL_LOG_DAYS": 365,
    #: Answers and attendance under a name: detached from the person this many days after the event (counts stay).
    "RETENTION_ANSWERS_DAYS": 730,
    #: Follow-up answers (free texts, tied to the person) and the consent to share an e-mail address with fellow
    #: attendees: this many days after the event the answers are detached and their texts removed (counts stay),
    #: and sharing stops.
    "RETENTION_FOLLOWUP_DAYS": 180,
    #: People set inactive (left the municipality, or their initiative): anonymised this many days later.
    "RETENTION_LEFT_DAYS": 365,
    #: Uploaded people files (CSV/xlsx) that were never confirmed: deleted this many hours after the upload.
    "RETENTION_IMPORT_HOURS": 24,
    #: News for organisers about an invitee's answer, waiting-list move or bounced mail: deleted this many days
    #: after it was recorded (mailed or not).
    "RETENTION_NEWS_DAYS": 30,
    #: Sign-ups on the public page never confirmed through the mailed link: deleted this many hours after.
    "RETENTION_SIGNUP_HOURS": 48,
    # The privacy and accessibility statements (footer of every page).
    #: The municipality (or organisation) responsible for this site, as it calls itself: "Gemeente Voorbeeldstad".
    "MUNICIPALITY_NAME": "",
    #: Where residents and staff ask about their data or report an accessibility problem (an e-mail address).
    "PRIVACY_CONTACT": "",
    #: The data protection officer (functionaris gegevensbescherming): an e-mail address, or empty.
    "PRIVACY_OFFICER": "",
    #: Compliance status of the accessibility statement: A, B, C or D (see digitoegankelijk.nl); C until an audit.
    "ACCESSIBILITY_STATUS": "C",
    #: Date of the accessibility statement (YYYY-MM-DD), and a link to the audit report it rests on (or empty).
    "ACCESSIBILITY_STATEMENT_DATE": "",
    "ACCESSIBILITY_AUDIT_URL": "",
    "FEED_PAST_DAYS": 90,
    # Recently rendered calendar feeds kept per process, by ETag (0: off). See calendar.services.RenderedFeeds.
    "FEED_CACHE_BYTES": 32 * 1024 * 1024,
    # Feed entries (VEVENTs, stored in the database) also kept per process (0: off). See calendar.fragments.
    "FEED_ENTRY_CACHE_BYTES": 32 * 1024 * 1024,
    #: On PostgreSQL, each app server keeps the feeds' validator rows while the database tells of no change
    #: (LISTEN/NOTIFY, calendar/told.py): a 304 without a round trip. False: every 304 reads its row.
    "FEED_VALIDATORS_TOLD": True,
    #: Requests per token URL (as "N/minute", "N/hour", …); an address may make a hundred times as many.
    "RATE_LIMIT_TOKEN": "30/minute",
    #: Login attempts per account per window (a successful login starts the count again); an address may make
    #: ten times as many (see ratelimit.py).
    "RATE_LIMIT_LOGIN": "10/minute",
    #: "Forgot my password" mails per account, and requests per client address (also for unknown addresses).
    "RATE_LIMIT_PASSWORD_RESET": "3/hour",
    "RATE_LIMIT_PASSWORD_RESET_ADDRESS": "30/hour",
    #: Sign-ups on public event pages per e-mail address, and per client address (a town hall shares one).
    "RATE_LIMIT_SIGNUP": "5/hour",
    "RATE_LIMIT_SIGNUP_ADDRESS": "60/hour",
    #: At most one sign-up mail to one address within this many minutes (whatever the event).
    "SIGNUP_MAIL_INTERVAL_MINUTES": 10,
    #: How long the link in an invitation to a new account works, and a password-reset link.
    "ACCOUNT_WELCOME_HOURS": 72,
    "PASSWORD_RESET_MINUTES": 30,
    # Sign-in with the municipality's account (OpenID Connect; discovery from the issuer). Off without an issuer.
    "OIDC_ISSUER": None,
    "OIDC_CLIENT_ID": None,
    "OIDC_CLIENT_SECRET": None,
    #: The provider's name on the login page ("Inloggen met <name>"); default: the issuer's host name.
    "OIDC_NAME": None,
    #: New accounts on first sign-in for verified addresses of this one domain (e.g. "gemeente.nl"); None: off.
    "OIDC_JIT_DOMAIN": None,
    #: The role such an account gets: "organiser" or "checkin".
    "OIDC_JIT_ROLE": "organiser",
    #: False: passwords are not used at all (only the municipality's sign-in); needs OIDC_ISSUER.
    "PASSWORD_LOGIN": True,
    #: Who must use a second factor (TOTP) with a password: "administrator" (ASVS L2 for admin access) or "all".
    "MFA_REQUIRED_FOR": "administrator",
    #: Wrong codes per account per window at the second step of logging in.
    "RATE_LIMIT_MFA": "5/minute",
    #: The trail (who did what) is kept this long, then purged by `flask jobs`.
    "TRAIL_RETENTION_DAYS": 365,
    "LANGUAGES": ["nl", "en"],
    "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
    "CSV_MAX_ROWS": 20000,
    # Flask / extensions.
    #: A login lasts at most this many hours; then the organiser logs in again (ASVS 3.3.2).
    "SESSION_HOURS": 12,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    "BABEL_DEFAULT_LOCALE": "nl",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
    #: hide_parameters: SQL errors in logs name the statement, never the values (personal data, token hashes).
    #: No pool_pre_ping: connections a database restart closed are replaced without a round trip (pool.py).
    "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
}


def load_config(app, overrides: dict[str, Any] | None) -> None:
    """Fill app.config from the defaults, the environment and the given mapping, in that order."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("ORGANISER")
    for key in TEXT_SETTINGS | {key for key, default in DEFAULTS.items() if isinstance(default, str)}:
        written = os.environ.get(f"ORGANISER_{key}")
        if written is not None and isinstance(app.config.get(key), bool | int | float):
            app.config[key] = written  # read as JSON: a password of digits stays the text written, not a number
    if overrides:
        app.config.from_mapping(overrides)
    for key, default in DEFAULTS.items():
        if isinstance(default, bool | int | float):
            app.config[key] = typed_setting(key, app.config[key], default)
    for key, choices in CHOICES.items():
        if app.config[key] not in choices:
            raise SettingError(f"ORGANISER_{key} is {app.config[key]!r}: one of {', '.join(choices)}.")
    if app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
        # `make run` writes a random key here once, so that commands and the server agree on it.
        key_file = Path(app.instance_path) / "secret_key"
        if key_file.is_file():
            app.config["SECRET_KEY"] = key_file.read_text().strip() or DEFAULT_SECRET_KEY
    url = app.config.get("SQLALCHEMY_DATABASE_URI") or app.config["DATABASE_URL"]
    if not url:
        os.makedirs(app.instance_path, exist_ok=True)
        url = "sqlite:///" + os.path.join(app.instance_path, "organiser.sqlite3")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(url)
    if url.startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "connect_args": {"timeout": 30},
        }
    app.config["BASE_URL"] = app.config["BASE_URL"].rstrip("/")
    if app.config["TRUSTED_HOSTS"] is None:
        app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config["BASE_URL"])
    app.config["SESSION_COOKIE_SECURE"] = app.config["BASE_URL"].startswith("https://")
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]


#: Settings that are always text although their default is None (addresses, names, secrets): Flask reads
#: ORGANISER_MAIL_PASSWORD=12345678 as JSON, a number, which Flask-Mail cannot log in with.
TEXT_SETTINGS = frozenset(
    {
        "DATABASE_URL",
        "REDIS_URL",
        "MAIL_SERVER",
        "MAIL_USERNAME",
        "MAIL_PASSWORD",
        "MAIL_MESSAGE_ID_DOMAIN",
        "MAIL_EHLO_HOSTNAME",
        "REPLY_ADDRESS",
        "INBOX_URL",
        "INBOX_DONE_FOLDER",
        "INBOX_OAUTH2_TOKEN_URL",
        "INBOX_OAUTH2_CLIENT_ID",
        "INBOX_OAUTH2_CLIENT_SECRET",
        "INBOX_OAUTH2_SCOPE",
        "OIDC_ISSUER",
        "OIDC_CLIENT_ID",
        "OIDC_CLIENT_SECRET",
        "OIDC_NAME",
        "OIDC_JIT_DOMAIN",
    }
)

#: Settings with a fixed set of values: any other (a typo such as "administrators") would silently mean the
#: weakest (no second factor for anyone), or fail at the first sign-in (an unknown role).
CHOICES = {
    "MFA_REQUIRED_FOR": ("administrator", "all", "none"),
    "OIDC_JIT_ROLE": ("organiser", "checkin"),
}

#: How an operator writes yes and no in an environment variable (Flask reads only JSON's true/false as booleans).
YES = frozenset({"true", "yes", "on", "1", "ja", "aan"})
NO = frozenset({"false", "no", "off", "0", "nee", "uit"})


class SettingError(RuntimeError):
    """A setting whose value is not of its kind (a yes/no setting that is neither, a number that is none)."""


def typed_setting(key: str, value: Any, default: bool | int | float) -> bool | int | float:
    """The value of a yes/no or number setting as its default's kind. Flask's from_prefixed_env keeps anything
    that is not JSON as a string, so ORGANISER_PASSWORD_LOGIN=no (or False) was the true string "no" and left
    passwords on, and ORGANISER_RETENTION_NOTES_DAYS=30d a string that made the retention job fail.

    Yes/no: a bool, 0 or 1, or a word of YES / NO (any case). Numbers: an int or float, or a string of one;
    never negative (every number here is a count, a size or a duration). :raise SettingError: naming the
    ORGANISER_ variable and what it holds, at start-up rather than when the setting is first used."""
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in YES or word in NO:
            return word in YES
        raise SettingError(f"ORGANISER_{key} is {value!r}: say yes or no (true/false, on/off, 1/0).")
    number = value
    if isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            try:
                number = float(value.strip())
            except ValueError:
                number = None
    if isinstance(number, bool) or not isinstance(number, int | float) or not 0 <= number < math.inf:
        raise SettingError(f"ORGANISER_{key} is {value!r}: give a number, 0 or more (the default is {default}).")
    return number


#: Names of this machine: a development server on one of them is opened under the other as often.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


def trusted_hosts(base_url: str) -> list[str]:
    """The Host headers to accept: the host of BASE_URL (any port), with a loopback host also the other name."""
    host = urlsplit(base_url).hostname or ""
    return list(LOOPBACK_HOSTS) if host in LOOPBACK_HOSTS else [host]


def normalise_database_url(url: str) -> str:
    """Let people write postgres:// or postgresql:// and still get the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
