"""Language choice and Dutch-first formatting of dates and times in Europe/Amsterdam."""

from __future__ import annotations

import math
from datetime import datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_format_datetime
from babel.numbers import format_decimal
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import get_locale
from flask_babel import gettext as _

from . import clock
from .config import ROOT
from .extensions import babel

#: Each language by its own name (an endonym: a reader finds their language whatever the page's language).
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


def language_choices() -> list[tuple[str, str]]:
    """(code, name) of every language the app speaks (LANGUAGES), for a choice of mail language."""
    return [(code, LANGUAGE_NAMES.get(code, code)) for code in current_app.config["LANGUAGES"]]


def select_locale() -> str:
    """The language the visitor chose (remembered in the session), else the page's own language (an invitee's
    page speaks the language of their invitation mail: `g.page_locale`), else Dutch."""
    languages = current_app.config["LANGUAGES"]
    if has_request_context():
        for candidate in (session.get("lang"), g.get("page_locale")):
            if isinstance(candidate, str) and candidate in languages:
                return candidate
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


def whole_percent(share: float | Fraction) -> int:
    """A share (0..1) in whole percent, rounded half up: 1 of 6 is 17, 1 of 8 is 13 (never cut off, never a
    banker's rounding). Every table, chart, mail and CSV shows shares through this, so they agree."""
    exact = Fraction(str(share)) * 100  # the float's shortest decimal form: 0.145 is 14.5, not 14.4999…
    return math.floor(exact + Fraction(1, 2))


def percent_text(share: float | Fraction) -> str:
    """'17%': a share in whole percent (see whole_percent)."""
    return f"{whole_percent(share)}%"


def percent_below(share: float | Fraction, target: int) -> str:
    """A share that falls short of `target` percent, as a number without the sign: whole percent, or with one
    decimal (rounded down) where whole percent would reach the target (49,6 rather than 50 for a target of 50)."""
    shown = whole_percent(share)
    if shown < target:
        return str(shown)
    tenths = math.floor(Fraction(str(share)) * 1000) / 10
    return format_decimal(tenths, format="0.0", locale=str(get_locale() or "nl"))


def init_babel(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(ROOT / "translations"))
    app.jinja_env.filters["when"] = format_when
    app.jinja_env.globals["format_span"] = format_span
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["language_names"] = LANGUAGE_NAMES
    app.jinja_env.globals["request"] = request
