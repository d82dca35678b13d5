"""Views only some accounts may open, by role (Organiser.role): anyone else logged in gets 403, anyone not logged
in the login page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from .models import Organiser


def role_required(allowed: Callable[[Organiser], bool]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator: the view runs for a logged-in account for which `allowed(account)` holds, 403 otherwise."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any):
            if not allowed(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def _is_admin(account: Organiser) -> bool:
    return account.is_admin


def _plans_events(account: Organiser) -> bool:
    return account.plans_events


#: Only administrators (accounts, the trail and the development tools).
admin_required = role_required(_is_admin)

#: Only accounts that plan events (administrators and organisers; not check-in helpers or initiative hosts).
planner_required = role_required(_plans_events)
