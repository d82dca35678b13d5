"""Configuration: defaults here, overrides from ORGANISER_* environment variables or a mapping."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

#: The placeholder secret key; the app refuses to start with it outside debug and testing.
DEFAULT_SECRET_KEY = "dev-only-change-me"  # noqa: S105 (refused outside debug and testing)

DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": DEFAULT_SECRET_KEY,
    "DATABASE_URL": None,  # default: SQLite file in the instance folder
    "BASE_URL": "http://127.0.0.1:5000",
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
    # Product settings.
    "TIMEZONE": "Europe/Amsterdam",
    "DEFAULT_OFFICE_SHARE": 50,
    "REMINDER_DAYS_BEFORE_DEADLINE": 3,
    "PERSONAL_DATA_RETENTION_DAYS": 30,
    "FEED_PAST_DAYS": 90,
    # Recently rendered calendar feeds kept per process, by ETag (0: off). See calendar.services.RenderedFeeds.
    "FEED_CACHE_BYTES": 32 * 1024 * 1024,
    # Feed entries (VEVENTs, stored in the database) also kept per process (0: off). See calendar.fragments.
    "FEED_ENTRY_CACHE_BYTES": 32 * 1024 * 1024,
    #: Requests per token URL (as "N/minute", "N/hour", …); an address may make a hundred times as many.
    "RATE_LIMIT_TOKEN": "30/minute",
    #: Login attempts per account per window (a successful login starts the count again); an address may make
    #: ten times as many (see ratelimit.py).
    "RATE_LIMIT_LOGIN": "10/minute",
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
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
}


def load_config(app, overrides: dict[str, Any] | None) -> None:
    """Fill app.config from the defaults, the environment and the given mapping, in that order."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("ORGANISER")
    if overrides:
        app.config.from_mapping(overrides)
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
    app.config["SESSION_COOKIE_SECURE"] = app.config["BASE_URL"].startswith("https://")
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]


def normalise_database_url(url: str) -> str:
    """Let people write postgres:// or postgresql:// and still get the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
