"""Rate limits for token URLs and for logging in, with Flask-Limiter: per token or account, and per address.

Keyed by token or account as well as address, because a whole town hall shares one outgoing IP address:
a per-address limit alone would either lock out a department or let a guesser through.

Counts live in Redis when REDIS_URL is set (shared by every app server; a moving window, so no burst at a
window's edge); when Redis is away, each process counts on its own (Flask-Limiter's in-memory fallback, with
a logged warning) rather than refuse requests. Each app gets a limiter of its own (`init_limiter`): the
decorators below only mark a view, so no count outlives an app (nor, in the tests, a test).

Counting comes first and is atomic (one hit per attempt, before any password is checked), so concurrent
requests on several servers cannot all pass a check made before any of them was counted (SAFETY.md).
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, abort, current_app, g, request
from flask_limiter import Limiter, RequestLimit
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from .config import DEFAULTS, SettingError
from .tokens import hash_token

#: One address may use a token URL this many times as often as one token: a town hall shares one address.
ADDRESS_FACTOR = 100
#: One address may try to log in this many times as often as one account may be tried.
LOGIN_ADDRESS_FACTOR = 10

#: Scopes of the limits: a token's budget is shared by every page it opens, an address's by every token URL.
TOKEN, TOKEN_ADDRESS, LOGIN_ACCOUNT, LOGIN_ADDRESS = "token", "token-address", "login-account", "login-address"
#: Sign-ups on public event pages: per e-mail address entered, and per client address (issue 16).
SIGNUP_EMAIL, SIGNUP_ADDRESS = "signup-email", "signup-address"

#: Retry-After when the limit that was exceeded cannot be asked when it frees up (storage just went away).
DEFAULT_RETRY_SECONDS = 60
#: After the shared storage (Redis) failed, count per process this long before asking it again.
STORAGE_RETRY_SECONDS = 30

#: Views marked by the decorators below: view function -> (scopes, the page to show when refused, or None).
_marked: dict[Callable[..., Any], tuple[tuple[str, ...], Callable[[RequestLimit], Response] | None]] = {}


def limit_token_requests(view=None, *, per_address: bool = True):
    """Limit requests to a token URL per token and, unless told otherwise, (a hundredfold more generously)
    per client address. Calendar feeds pass per_address=False: Outlook 365 and Google fetch every
    subscriber's feed from a handful of their own addresses, and a 256-bit token cannot be guessed anyway."""

    def mark(view):
        _marked[view] = ((TOKEN, TOKEN_ADDRESS) if per_address else (TOKEN,), None)
        return view

    return mark(view) if view is not None else mark


def limit_login_attempts(refused: Callable[[RequestLimit], Response]):
    """Count every login attempt (a POST) per account and, ten times more generously, per address, before the
    password is looked at; over either limit the attempt is refused with the page `refused` makes (status 429),
    also with the right password: otherwise the limit would not stop anyone guessing."""

    def mark(view):
        _marked[view] = ((LOGIN_ACCOUNT, LOGIN_ADDRESS), refused)
        return view

    return mark


def limit_signups(view):
    """Count every sign-up (a POST) per e-mail address entered and per client address, before anything is looked
    at; over either limit the sign-up is refused (429) with the error page that says to wait."""
    _marked[view] = ((SIGNUP_EMAIL, SIGNUP_ADDRESS), None)
    return view


def client_address() -> str:
    return request.remote_addr or "unknown"


def _token_key() -> str:
    token = next((str(v) for k, v in (request.view_args or {}).items() if k.endswith("token")), "")
    return hash_token(token)[:32]  # never the token itself in Redis


def _account_key() -> str:
    return hash_token((request.form.get("email") or "").strip().lower())[:32]


def _signup_email_limit() -> str:
    return current_app.config["RATE_LIMIT_SIGNUP"]


def _signup_address_limit() -> str:
    return current_app.config["RATE_LIMIT_SIGNUP_ADDRESS"]


def _token_limit() -> str:
    return current_app.config["RATE_LIMIT_TOKEN"]


def _token_address_limit() -> str:
    return _multiplied(current_app.config["RATE_LIMIT_TOKEN"], ADDRESS_FACTOR)


def _login_limit() -> str:
    return current_app.config["RATE_LIMIT_LOGIN"]


def _login_address_limit() -> str:
    return _multiplied(current_app.config["RATE_LIMIT_LOGIN"], LOGIN_ADDRESS_FACTOR)


def _multiplied(limit: str, factor: int) -> str:
    """`limit` (e.g. "30/minute") with `factor` times as many requests in the same period."""
    item = parse(limit)
    return f"{item.amount * factor} per {item.multiples} {item.GRANULARITY.name}"


#: Per scope: the limit (read from the settings at each request), what is counted, and which methods count.
_LIMITS: dict[str, tuple[Callable[[], str], Callable[[], str], list[str] | None]] = {
    TOKEN: (_token_limit, _token_key, None),
    TOKEN_ADDRESS: (_token_address_limit, client_address, None),
    LOGIN_ACCOUNT: (_login_limit, _account_key, ["POST"]),
    LOGIN_ADDRESS: (_login_address_limit, client_address, ["POST"]),
    SIGNUP_EMAIL: (_signup_email_limit, _account_key, ["POST"]),
    SIGNUP_ADDRESS: (_signup_address_limit, client_address, ["POST"]),
}


def init_limiter(app: Flask) -> Limiter:
    """Give `app` a limiter of its own and apply it to the views the decorators above marked (call this after
    every blueprint is registered)."""
    for setting in (key for key in DEFAULTS if key.startswith("RATE_LIMIT_")):
        try:
            parse(app.config[setting])
        except (ValueError, TypeError):
            # Else the app starts, and every request the limit guards fails when the limit is first parsed.
            raise SettingError(
                f"ORGANISER_{setting} is {app.config[setting]!r}: a rate such as 30/minute or 10 per hour."
            ) from None
    redis_url = app.config.get("REDIS_URL")
    limiter = Limiter(
        client_address,
        storage_uri=redis_url or "memory://",
        # A Redis that does not answer must not hold a request up for long: then count per process. (Redis takes
        # seconds as a float; Flask-Limiter's hint allows str | int only.)
        storage_options={"socket_timeout": 0.5, "socket_connect_timeout": 0.5} if redis_url else {},  # type: ignore[dict-item]
        strategy="moving-window",
        in_memory_fallback_enabled=True,
        key_prefix="organiser",
    )
    limiter.init_app(app)
    for endpoint, original in list(app.view_functions.items()):
        scopes, refused = _marked.get(original, ((), None))
        view: Callable[..., Any] = original
        if scopes and set(scopes) <= {TOKEN, TOKEN_ADDRESS}:
            view = _counted(view, scopes)
        else:
            for scope in scopes:
                limit, key, methods = _LIMITS[scope]
                view = limiter.shared_limit(limit, scope, key_func=key, methods=methods, on_breach=refused)(view)
        app.view_functions[endpoint] = view
    app.extensions["organiser_limiter"] = limiter
    app.extensions["organiser_counts"] = Counts(limiter.storage)
    app.after_request(say_when_to_retry)
    return limiter


def _counted(view: Callable[..., Any], scopes: tuple[str, ...]) -> Callable[..., Any]:
    """`view`, each request counted in `scopes` first (per token, per address); over a limit: 429.

    Token URLs are counted with the `limits` strategy directly instead of Flask-Limiter's decorator: the same
    moving window in the same storage, but without Flask-Limiter's per-request bookkeeping (exemptions, limit
    resolution, its request context), which cost three times the count itself: an eighth of a calendar feed's
    304 (bench/bench_feeds.py). Every request counts, whatever its method (as the decorator did)."""

    @functools.wraps(view)
    def counted(*args, **kwargs):
        counts: Counts = current_app.extensions["organiser_counts"]
        for scope in scopes:
            limit, key, _methods = _LIMITS[scope]
            retry_at = counts.refused_until(_parsed(limit()), scope, key())
            if retry_at is not None:
                g.retry_at = retry_at
                abort(429)
        return view(*args, **kwargs)

    return counted


@functools.lru_cache(maxsize=64)
def _parsed(limit: str) -> RateLimitItem:
    return parse(limit)


class Counts:
    """One app's counts outside Flask-Limiter's decorators (token URLs, a second factor's codes, reset mails): in
    the limiter's storage (Redis when REDIS_URL is set), and in this process while that storage does not answer,
    asking it again after STORAGE_RETRY_SECONDS, as Flask-Limiter's in-memory fallback does."""

    def __init__(self, storage: Storage) -> None:
        self.shared = MovingWindowRateLimiter(storage)
        self.local: MovingWindowRateLimiter | None = None
        self.shared_away_until = 0.0

    def refused_until(self, item: RateLimitItem, *identifiers: str) -> float | None:
        """Count one request against `item` for `identifiers`: None while within the limit, else the moment
        (seconds since the epoch) the window lets one through again."""
        strategy = self.shared if time.monotonic() >= self.shared_away_until else self._local()
        try:
            if strategy.hit(item, "organiser", *identifiers):
                return None
            return strategy.get_window_stats(item, "organiser", *identifiers).reset_time
        except Exception:
            if strategy is not self.shared:
                raise
            current_app.logger.warning("rate limit storage unreachable; counting %s per process", identifiers[0])
            self.shared_away_until = time.monotonic() + STORAGE_RETRY_SECONDS
            return self.refused_until(item, *identifiers)

    def _local(self) -> MovingWindowRateLimiter:
        if self.local is None:
            self.local = MovingWindowRateLimiter(MemoryStorage())
        return self.local


def say_when_to_retry(response: Response) -> Response:
    """Every 429 says when the next request will be let through (calendar apps and scripts wait that long)."""
    if response.status_code == 429 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(seconds_until_retry())
    return response


def seconds_until_retry() -> int:
    """Seconds until the limit this request exceeded lets one request through again."""
    if "retry_at" in g:
        return max(1, math.ceil(g.retry_at - time.time()))
    exceeded = current_app.extensions["organiser_limiter"].current_limit
    if exceeded is None or not exceeded.breached:
        return DEFAULT_RETRY_SECONDS
    try:
        return max(1, math.ceil(exceeded.window.reset_time - time.time()))
    except Exception:  # the storage went away just now: an honest guess rather than an error page
        return DEFAULT_RETRY_SECONDS


def restart_account_count() -> None:
    """After a successful login the account's count starts again (the address's count stays)."""
    limiter = current_app.extensions["organiser_limiter"]
    for counted in limiter.current_limits:
        if counted.request_args[-1] == LOGIN_ACCOUNT:
            try:
                limiter.limiter.clear(counted.limit, *counted.request_args)
            except Exception:  # storage away: the count simply runs out with its window
                current_app.logger.warning("rate limit storage unreachable; login count not restarted")


def hit(key: str, limit: str) -> bool:
    """Count one attempt against `key` (a second factor's codes, password-reset mails) in this app's limiter
    storage, and say whether it is still within `limit`: counted first and atomically, like the login limits.
    With the shared storage away, each process counts on its own (as Flask-Limiter's fallback does)."""
    counts: Counts = current_app.extensions["organiser_counts"]
    return counts.refused_until(_parsed(limit), "attempts", key) is None
