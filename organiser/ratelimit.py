"""Rate limits for token URLs and for logging in: per token or account, and per address; in Redis when configured.

Keyed by token or account as well as address, because a whole town hall shares one outgoing IP address:
a per-address limit alone would either lock out a department or let a guesser through.
"""

from __future__ import annotations

import threading
import time
from functools import wraps

from flask import abort, current_app, request

from .tokens import hash_token

_local_counts: dict[str, tuple[int, float]] = {}
_local_lock = threading.Lock()


def _parse(limit: str) -> tuple[int, int]:
    count, _, period = limit.partition("/")
    seconds = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}[period.strip() or "minute"]
    return int(count), seconds


def _redis():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = current_app.extensions.get("organiser_redis")
    if client is None:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        current_app.extensions["organiser_redis"] = client
    return client


def hit(key: str, limit: str) -> bool:
    """Count one request against `key`; False when the limit for the current window is exceeded."""
    allowed, period = _parse(limit)
    window = int(time.time() // period)
    full_key = f"organiser:rl:{key}:{window}"
    client = _redis()
    if client is not None:
        try:
            with client.pipeline() as pipe:
                pipe.incr(full_key)
                pipe.expire(full_key, period + 1)
                count = pipe.execute()[0]
            return int(count) <= allowed
        except Exception:  # Redis away: fall back to this process's own counts rather than fail requests
            current_app.logger.warning("rate limit storage unreachable; counting per process")
    now = time.time()
    with _local_lock:
        if len(_local_counts) > 100_000:
            for stale in [k for k, (_, expires) in _local_counts.items() if expires < now]:
                del _local_counts[stale]
        count, expires = _local_counts.get(full_key, (0, now + period))
        _local_counts[full_key] = (count + 1, expires)
    return count + 1 <= allowed


def exceeded(key: str, limit: str) -> bool:
    """Whether `key` used up its limit in the current window (without counting this look)."""
    allowed, period = _parse(limit)
    full_key = f"organiser:rl:{key}:{int(time.time() // period)}"
    client = _redis()
    if client is not None:
        try:
            return int(client.get(full_key) or 0) >= allowed
        except Exception:  # Redis away: fall back to this process's own counts rather than fail requests
            current_app.logger.warning("rate limit storage unreachable; counting per process")
    with _local_lock:
        count, expires = _local_counts.get(full_key, (0, 0.0))
    return expires >= time.time() and count >= allowed


def _login_keys(email: str) -> list[tuple[str, str]]:
    limit = current_app.config["RATE_LIMIT_LOGIN"]
    allowed, period = _parse(limit)
    account = hash_token((email or "").strip().lower())[:32]
    address = request.remote_addr or "unknown"
    # An address gets ten accounts' worth: a town hall behind one IP must not be locked out by one typo-prone user.
    return [(f"login:account:{account}", limit), (f"login:addr:{address}", f"{allowed * 10}/{_period_name(period)}")]


def login_allowed(email: str) -> bool:
    """False while this account, or this address, has had too many failed logins in the current window."""
    return not any(exceeded(key, limit) for key, limit in _login_keys(email))


def record_failed_login(email: str) -> None:
    """Count a failed login against the account (known or not: no difference shows) and the address."""
    for key, limit in _login_keys(email):
        hit(key, limit)


#: One address may use a token URL this many times as often as one token: a town hall shares one address.
ADDRESS_FACTOR = 100


def limit_token_requests(view=None, *, per_address: bool = True):
    """Limit requests to a token URL per token and, unless told otherwise, (a hundredfold more generously)
    per client address. Calendar feeds pass per_address=False: Outlook 365 and Google fetch every
    subscriber's feed from a handful of their own addresses, and a 256-bit token cannot be guessed anyway."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            limit = current_app.config["RATE_LIMIT_TOKEN"]
            token = next((str(v) for k, v in kwargs.items() if k.endswith("token")), "")
            allowed, period = _parse(limit)
            if not hit(f"token:{hash_token(token)[:32]}", limit):
                abort(429)
            address = request.remote_addr or "unknown"
            if per_address and not hit(f"addr:{address}", f"{allowed * ADDRESS_FACTOR}/{_period_name(period)}"):
                abort(429)
            return view(*args, **kwargs)

        return wrapped

    return decorate(view) if view is not None else decorate


def _period_name(seconds: int) -> str:
    return {1: "second", 60: "minute", 3600: "hour", 86400: "day"}[seconds]
