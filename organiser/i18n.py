"""Language choice and Dutch-first formatting of dates and times in Europe/Amsterdam."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_format_datetime
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_babel import gettext as _

from . import clock
from .config import ROOT
from .extensions import babel


def select_locale() -> str:
    """The language the visitor chose (remembered in the session), else Dutch."""
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang") if has_request_context() else None
    if isinstance(chosen, str) and chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def local_zone() -> ZoneInfo:
    return clock.local_zone()


def to_local(moment: datetime) -> datetime:
    """A stored UTC moment as wall-clock time in the municipality's zone."""
    return moment.astimezone(local_zone())


def format_when(moment: datetime | None, style: str = "full") -> str:
    """'zaterdag 6 december 2026, 14:00' (style full), '6 dec. 2026, 14:00' (short), '14:00' (time); a time in
    the hour that happens twice (the night the clock goes back) says which: '02:30 (zomertijd)'."""
    if moment is None:
        return ""
    local = to_local(moment)
    locale = str(get_locale() or "nl")
    patterns = {
        "full": "EEEE d MMMM y, HH:mm",
        "date": "EEEE d MMMM y",
        "short": "d MMM y, HH:mm",
        "time": "HH:mm",
    }
    text = babel_format_datetime(local, patterns[style], tzinfo=local.tzinfo, locale=locale)
    if style != "date":
        text += occurrence_suffix(moment)
    return text


def occurrence_suffix(moment: datetime, zone: ZoneInfo | None = None) -> str:
    """' (zomertijd)' or ' (wintertijd)' for a moment in the hour that happens twice, else ''."""
    which = clock.occurrence(moment, zone)
    if which is None:
        return ""
    return " " + (_("(zomertijd)") if which == 1 else _("(wintertijd)"))


def format_span(start: datetime, end: datetime) -> str:
    """'zaterdag 6 december 2026, 14:00–17:00', or both full moments when the days differ."""
    if to_local(start).date() == to_local(end).date():
        return f"{format_when(start)}–{format_when(end, 'time')}"
    return f"{format_when(start)} – {format_when(end)}"


def init_babel(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(ROOT / "translations"))
    app.jinja_env.filters["when"] = format_when
    app.jinja_env.globals["format_span"] = format_span
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["request"] = request
