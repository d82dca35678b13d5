"""organiser: plan contact-building encounters between municipalities and residents' initiatives."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from . import extensions as ext
from . import models  # noqa: F401  (every table known to migrations)
from .auth.admin import bp as accounts_bp
from .auth.mfa_views import bp as mfa_bp
from .auth.services import load_organiser
from .auth.sso import init_sso
from .auth.sso_views import bp as sso_bp
from .auth.views import bp as auth_bp
from .calendar import told
from .calendar.views import bp as calendar_bp
from .cli import register_cli
from .config import DEFAULT_SECRET_KEY, ROOT, load_config
from .events.copy_views import bp as copies_bp
from .events.sharing_views import bp as sharing_bp
from .events.views import bp as events_bp
from .followup.views import bp as followup_bp
from .i18n import init_babel
from .invitations.host_views import bp as hosts_bp
from .invitations.views import bp as invitations_bp
from .mail.views import bp as mail_bp
from .people.import_views import bp as people_import_bp
from .people.views import bp as people_bp
from .places.views import bp as places_bp
from .pool import add_reads_engine, dispose_reads_with_the_app_engine, replace_closed_connections
from .ratelimit import init_limiter
from .reach.checkin_views import bp as checkin_bp
from .reach.views import bp as reach_bp
from .receivers import connect_receivers
from .statements import bp as statements_bp
from .teams.views import bp as teams_bp
from .web import RecordIdConverter, init_web, last_resort, loggable_exception, loggable_path


class OrganiserFlask(Flask):
    """Flask, logging unexpected errors without the secret tokens that some paths carry, and without the values
    that a database error quotes (PostgreSQL's DETAIL repeats the failing row: names, addresses, notes)."""

    def log_exception(self, exc_info) -> None:
        self.logger.error(
            "Exception on %s [%s]",
            loggable_path(request.path),
            request.method,
            exc_info=loggable_exception(exc_info),
        )


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application; `config` overrides the defaults and the environment (tests use it)."""
    app = OrganiserFlask(
        __name__,
        template_folder=ROOT / "templates",
        static_folder=ROOT / "static",
        instance_path=str(ROOT / "instance"),
    )
    load_config(app, config)
    refuse_default_secret_key(app)
    trust_proxies(app)
    limit_url_ids(app)
    register_extensions(app)
    register_blueprints(app)
    init_web(app)
    if not (app.testing or app.debug):  # there the error is raised for the test or shown by the debugger
        app.wsgi_app = last_resort(app)  # type: ignore[method-assign]  # the outermost layer
    init_limiter(app)  # after every blueprint: a limiter of this app's own, on the views marked in ratelimit.py
    connect_receivers()
    register_cli(app)
    return app


def refuse_default_secret_key(app: Flask) -> None:
    """Sessions and CSRF tokens signed with a published key are forgeable: stop in production."""
    if app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY and not (app.debug or app.testing):
        raise RuntimeError(
            "ORGANISER_SECRET_KEY is not set. Set it to a long random value "
            "(for example: python -c 'import secrets; print(secrets.token_hex(32))'), "
            "or run in debug mode for development."
        )


def trust_proxies(app: Flask) -> None:
    """Behind PROXY_FIX reverse proxies, take client address, scheme, host and prefix from their X-Forwarded-*
    headers (rate limits per address, https links, secure cookies). 0: no proxy, the headers are ignored."""
    proxies = int(app.config.get("PROXY_FIX") or 0)
    if proxies > 0:
        # Flask's documented way to add WSGI middleware (the method is replaced on this instance only).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies
        )


def limit_url_ids(app: Flask) -> None:
    """Ids in URLs (<int:…>) only up to what the database holds; set before any route is added.

    Repeated slashes are not merged into a redirect (Werkzeug's default): a path such as
    `/rsvp//evil.example/data` (a token with an encoded "/") answers 404 like any unknown link, instead of a 308
    whose Location is built from what the visitor typed.
    """
    app.url_map.converters["int"] = RecordIdConverter
    app.url_map.merge_slashes = False


def register_extensions(app: Flask) -> None:
    add_reads_engine(app)  # a second engine, for the reads of calendar feeds (pool.read_alone)
    ext.db.init_app(app)
    replace_closed_connections(app)  # instead of pool_pre_ping: no round trip per request
    dispose_reads_with_the_app_engine(app)
    told.init_app(app)  # feed validators kept while PostgreSQL tells of no change
    ext.migrate.init_app(
        app,
        ext.db,
        directory=str(ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
        render_item=ext.render_migration_item,
    )
    ext.mail.init_app(app)
    ext.csrf.init_app(app)
    ext.login_manager.init_app(app)
    ext.login_manager.user_loader(load_organiser)
    init_sso(app)
    init_babel(app)


def register_blueprints(app: Flask) -> None:
    for bp in (
        auth_bp,
        accounts_bp,
        mfa_bp,
        sso_bp,
        places_bp,
        events_bp,
        copies_bp,
        sharing_bp,
        people_bp,
        people_import_bp,
        invitations_bp,
        hosts_bp,
        teams_bp,
        calendar_bp,
        mail_bp,
        reach_bp,
        followup_bp,
        statements_bp,
        checkin_bp,
    ):
        app.register_blueprint(bp)
