"""Cross-cutting web concerns: security headers, error pages, language switch, the home page."""

from __future__ import annotations

import contextlib
import re
import sys
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import SecurityError
from werkzeug.routing import IntegerConverter

from .extensions import db, login_manager
from .forms import MAX_ID, parse_record_id

bp = Blueprint("web", __name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


@bp.get("/")
def index():
    """The home page: what this is, and the way to the agenda."""
    return redirect(url_for("events.agenda"))


@bp.post("/language")
def set_language():
    """Remember the chosen language and go back where the visitor was."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next")) or url_for("web.index"))


@bp.get("/healthz")
def health():
    """A trivial endpoint for load balancers and as the baseline in benchmarks."""
    return {"status": "ok"}


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link on BASE_URL (for mail and calendars), with or without a request (the worker has none)."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def page_number() -> int:
    """The ?pagina= of a paginated list: 1 for anything that is not a page number (a huge one overflows OFFSET)."""
    page = parse_record_id(request.args.get("pagina", "1")) or 1
    return page if page <= 100_000 else 1


class RecordIdConverter(IntegerConverter):
    """<int:…> in URLs, limited to ids the database can hold: a longer number is a 404, not an overflow."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


#: C0 control characters and DEL. Nobody types them into a URL, PostgreSQL cannot store NUL, and browsers drop
#: tab, CR and LF from a URL before following it (so "/\t/evil.example" would become "//evil.example").
URL_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def refuse_control_characters_in_url():
    """Before every request: control characters in the path or in any query argument (name or value) are a 400,
    before a view, a token lookup or the database sees them. Form fields are checked by the forms (forms.py)."""
    if URL_CONTROL_CHARACTERS.search(request.path) or any(
        URL_CONTROL_CHARACTERS.search(name) or URL_CONTROL_CHARACTERS.search(value)
        for name, value in request.args.items(multi=True)
    ):
        title = _("Ongeldig webadres")
        message = _("In dit webadres staan onzichtbare stuurtekens. Controleer de link, of typ het adres opnieuw.")
        return render_template("error.html", title=title, message=message), 400
    return None


def private(response):
    """A page behind a secret link (RSVP, host, sign-up, check-in links): never cached, and the link never leaked
    to another site through the Referer header."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def safe_next(target: str | None) -> str | None:
    """A path on this site, or None: never an open redirect to another site (also not through characters that a
    browser drops or reads as a slash), never a header that breaks."""
    if not target or URL_CONTROL_CHARACTERS.search(target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


#: Menu entries of the other domains, shown to logged-in organisers.
NAV_ITEMS = (
    ("people.directory", _l("Mensen")),
    ("places.initiatives", _l("Initiatieven")),
    ("reach.dashboard", _l("Bereik")),
    ("mail.outbox", _l("Mail")),
)


#: Per-event organiser pages of the other domains, shown on the event page.
EVENT_ACTIONS = (
    ("invitations.guest_list", _l("Gastenlijst samenstellen")),
    ("invitations.send", _l("Uitnodigingen versturen")),
    ("invitations.answers", _l("Antwoorden")),
    ("invitations.signup_settings", _l("Aanmelden via de agenda")),
    ("teams.overview", _l("Teams")),
    ("reach.attendance", _l("Aanwezigheid")),
    ("followup.evaluation", _l("Na afloop: vragen en evaluatie")),
    ("sharing.team", _l("Wie organiseert")),
    ("hosts.manage", _l("Links voor initiatiefnemers en aanmeldhulp")),
)


def set_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
    if current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def database_unavailable_page():
    """503 with a plain Dutch explanation; rendered without touching the database (it is the thing that is away)."""
    # Nothing of this request is kept: the transaction is all or nothing. A rollback on a connection that is
    # gone fails too; the server has rolled back already.
    with contextlib.suppress(Exception):
        db.session.rollback()
    g._login_user = login_manager.anonymous_user()  # the menu must not look the organiser up in the database
    response = current_app.make_response(
        (
            render_template(
                "error.html",
                title=_("Even geen verbinding"),
                message=_("Even geen verbinding met de database. Probeer het over een minuut opnieuw."),
            ),
            503,
        )
    )
    response.headers["Retry-After"] = "60"
    response.headers["Cache-Control"] = "no-store"
    return response


#: A path segment that may be a secret (RSVP and feed tokens, import ids): at least 20 URL-safe characters.
_SECRET_SEGMENT = re.compile(r"[A-Za-z0-9_-]{20,}")


def loggable_path(path: str) -> str:
    """The request path with anything that could be a secret token replaced, for logs."""
    return _SECRET_SEGMENT.sub("[hidden]", path)


class DatabaseError(Exception):
    """A database error as logged: what failed and where, without the values of the statement or the row."""


def loggable_exception(exc_info):
    """exc_info for the log: a database error is replaced by one that names the SQL statement, the error's class,
    SQLSTATE and constraint, and keeps the traceback, but not the message (which may quote the data)."""
    _type, error, traceback = exc_info
    if not isinstance(error, DBAPIError):
        return exc_info
    original = error.orig
    diag = getattr(original, "diag", None)
    facts = [type(original).__name__, getattr(original, "sqlstate", None) or ""]
    if diag is not None:
        facts += [diag.table_name or "", diag.column_name or "", diag.constraint_name or ""]
    elif original is not None:
        facts.append(str(original).splitlines()[0][:200])  # SQLite's messages name the column, not the value
    safe = DatabaseError(" ".join(fact for fact in facts if fact) + f" [SQL: {error.statement}]")
    return (DatabaseError, safe.with_traceback(traceback), traceback)


#: Errors that mean "the database is away", answered with the 503 page.
DATABASE_AWAY = (OperationalError, InterfaceError, PoolTimeoutError)


def _causes(error: BaseException | None):
    """The error and every error it was raised while handling (__cause__, __context__)."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def last_resort(app: Flask):
    """WSGI middleware: an error that escapes Flask itself (one raised while handling another, or while ending the
    request) still gets a page that says what is going on, never the server's bare "Internal Server Error".

    Written without templates or the database: the 503 text when the database is away anywhere in the chain of
    errors (seen under load while PostgreSQL restarted), else a plain 500. The error is logged with its traceback
    (statement values left out, as everywhere: `loggable_exception`).
    """
    wsgi_app = app.wsgi_app

    def middleware(environ, start_response):
        started = []

        def recording_start_response(*args):
            started.append(True)
            return start_response(*args)

        try:
            return wsgi_app(environ, recording_start_response)
        except Exception as error:
            app.logger.error("error outside the request handling", exc_info=loggable_exception(sys.exc_info()))
            if started:  # a server keeps the first response's headers (Content-Length): let it drop the connection
                raise
            if any(isinstance(cause, DATABASE_AWAY) for cause in _causes(error)):
                status = "503 Service Unavailable"
                text = "Even geen verbinding met de database. Probeer het over een minuut opnieuw."
            else:
                status = "500 Internal Server Error"
                text = "Er ging iets mis aan onze kant. Probeer het later nog eens."
            body = f'<!doctype html><html lang="nl"><title>organiser</title><p>{text}</p></html>'.encode()
            headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
            headers += [("Cache-Control", "no-store"), ("Retry-After", "60")]
            # PEP 3333: once the app has started a response, only with exc_info may the server replace it (it does
            # while nothing was sent yet, else it raises and drops the connection).
            start_response(status, headers, *([sys.exc_info()] if started else []))
            return [body]

    return middleware


def end_session_quietly(_error: BaseException | None = None) -> None:
    """Teardown: give the connection back even when the database went away after the page was made.

    Flask-SQLAlchemy's own teardown ends the session with a rollback; on a connection the server has cut, that
    rollback raises, after the response was built, and the visitor gets a broken page (seen while PostgreSQL
    restarted under load). Nothing is lost by ending it here: a request commits before it answers. Registered after
    Flask-SQLAlchemy, so it runs first (Flask runs teardowns in reverse order).
    """
    try:
        db.session.remove()
    except Exception as error:  # noqa: BLE001 - the connection is gone; the pool replaces it
        current_app.logger.warning("session ended on a broken connection: %s", type(error).__name__)


def init_web(app: Flask) -> None:
    app.register_blueprint(bp)
    app.teardown_appcontext(end_session_quietly)
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_control_characters_in_url)
    app.after_request(set_security_headers)
    app.jinja_env.globals["nav_items"] = NAV_ITEMS
    app.jinja_env.globals["event_actions"] = EVENT_ACTIONS

    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        message = _("Het formulier is verlopen. Laad de pagina opnieuw en probeer het nog eens.")
        return render_template("error.html", title=_("Formulier verlopen"), message=message), 400

    def error_page(code: int, title, message):
        def handler(error):
            if getattr(error, "response", None) is not None:  # a page of its own (the login form, refusing)
                return error.response
            return render_template("error.html", title=title, message=message), code

        return handler

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeoutError)  # DATABASE_AWAY
    def database_unavailable(error):
        """The database is away (restarting, unreachable, every connection busy): say so, and when to retry."""
        app.logger.warning(
            "database unavailable on %s [%s]: %s",
            loggable_path(request.path),
            request.method,
            str(getattr(error, "orig", None) or error).splitlines()[0][:300],
        )
        return database_unavailable_page()

    @app.errorhandler(SecurityError)
    def untrusted_host(error):
        """A Host (or X-Forwarded-Host) header that is not in TRUSTED_HOSTS: plain text, as no link can be built.
        The health check builds no link and tells nothing: a load balancer may ask it by the server's address."""
        if request.path == "/healthz":
            return health()
        return current_app.response_class("400 Bad Request: unknown host\n", status=400, mimetype="text/plain")

    @app.errorhandler(413)
    def too_large(error):
        """Over MAX_CONTENT_LENGTH (or a form field over MAX_FORM_MEMORY_SIZE): say what the limit is."""
        limit = app.config.get("MAX_CONTENT_LENGTH") or 0
        message = _("Het bestand of formulier is te groot.")
        if limit:
            size = f"{limit / 1024 / 1024:.0f} MB" if limit >= 1024 * 1024 else f"{limit // 1024} kB"
            message += " " + _(
                "Het maximum is %(size)s. Splits een groot bestand in kleinere delen en probeer het opnieuw.", size=size
            )
        return render_template("error.html", title=_("Te groot"), message=message), 413

    for code, title, message in (
        (400, _l("Ongeldig verzoek"), _l("Dit verzoek kon niet worden verwerkt.")),
        (403, _l("Geen toegang"), _l("U heeft geen toegang tot deze pagina.")),
        (404, _l("Niet gevonden"), _l("Deze pagina bestaat niet (meer).")),
        (405, _l("Niet toegestaan"), _l("Deze handeling is hier niet mogelijk.")),
        (410, _l("Verlopen"), _l("Deze link werkt niet meer.")),
        (429, _l("Te veel verzoeken"), _l("U heeft te vaak geprobeerd. Wacht even en probeer het opnieuw.")),
        (500, _l("Er ging iets mis"), _l("Er ging iets mis aan onze kant. Probeer het later nog eens.")),
    ):
        app.register_error_handler(code, error_page(code, title, message))
