"""Organiser accounts: creation, authentication, sessions."""

from __future__ import annotations

import time

from flask import current_app, session
from flask_babel import gettext as _
from sqlalchemy import func

from .. import addresses
from ..characters import has_format_characters
from ..extensions import db
from ..forms import CONTROL_CHARACTERS, LINE_BREAKS, parse_record_id
from .models import NewsDelivery, Organiser, Role
from .passwords import MIN_PASSWORD_LENGTH, password_problem

__all__ = ["MIN_PASSWORD_LENGTH", "authenticate", "create_organiser", "end_sessions", "find_organiser"]


class AccountRefused(ValueError):
    """A change to an account that cannot be made; str(error) says why, in the user's language."""


def normalise_account_email(email: str) -> str:
    """The address as stored (lower-cased); AccountRefused when organiser would not mail to it (addresses.py)."""
    email = (email or "").strip().lower()
    reason = addresses.refusal(email)
    if reason is not None:
        raise AccountRefused(reason)
    return email


def find_organiser(email: str) -> Organiser | None:
    return db.session.scalar(db.select(Organiser).where(Organiser.email == (email or "").strip().lower()))


def authenticate(email: str, password: str) -> Organiser | None:
    """The active organiser with this email and password, else None (same time either way)."""
    organiser = find_organiser(email)
    if organiser is None or not organiser.has_password:
        Organiser(password_hash="").set_password(password)  # spend the same time as a real check
        return None
    if not organiser.check_password(password) or not organiser.active:
        return None
    return organiser


def end_sessions(organiser: Organiser) -> None:
    """Every session of this organiser stops working, on every device (at logout: a copied session cookie
    must not outlive it, and the cookie itself lives in the browser)."""
    organiser.session_version = (organiser.session_version or 0) + 1
    db.session.flush()


def email_in_use(email: str) -> bool:
    return bool(db.session.scalar(db.select(func.count()).select_from(Organiser).where(Organiser.email == email)))


def create_organiser(
    email: str, name: str, password: str | None, is_admin: bool = False, role: Role | None = None
) -> Organiser:
    """A new organiser account; raises AccountRefused (a ValueError) with a readable reason when it cannot be made.
    Without a password the account waits for its owner to set one through a welcome link."""
    # One line each (the command line takes anything): the name goes into mail headers and calendar invitations.
    if any(LINE_BREAKS.search(text) or CONTROL_CHARACTERS.search(text) for text in (email, name)):
        raise AccountRefused(_("Naam en e-mailadres zijn elk één regel, zonder stuurtekens."))
    if has_format_characters(email) or has_format_characters(name):
        raise AccountRefused(_("In naam of e-mailadres staan onzichtbare tekens (zoals een schrijfrichtingteken)."))
    email = normalise_account_email(email)
    if password is not None:
        problem = password_problem(password, email=email, name=name)
        if problem:
            raise AccountRefused(problem)
    if email_in_use(email):
        raise AccountRefused(_("Er is al een organisator met dit e-mailadres."))
    role = role or (Role.ADMINISTRATOR if is_admin else Role.ORGANISER)
    organiser = Organiser(email=email, name=name.strip() or email, role=role, session_version=0, password_hash="")
    if password is not None:
        organiser.set_password(password)
    db.session.add(organiser)
    db.session.flush()
    return organiser


def change_password(organiser: Organiser, new_password: str) -> None:
    """Set a new password (checked against the rules); every other session of the account ends."""
    problem = password_problem(new_password, email=organiser.email, name=organiser.name)
    if problem:
        raise AccountRefused(problem)
    organiser.set_password(new_password)
    db.session.flush()


def load_organiser(user_id: str) -> Organiser | None:
    """Flask-Login's user loader: the active organiser of "<id>:<session version>", while the login is fresh.
    A deactivated account's session ends at once (its version is raised too, see accounts.deactivate_account)."""
    organiser_id, _sep, version = user_id.partition(":")
    if (record_id := parse_record_id(organiser_id)) is None:
        return None
    started = session.get("login_at")
    if not isinstance(started, int) or time.time() - started > current_app.config["SESSION_HOURS"] * 3600:
        return None  # logged in too long ago (or before logins had a time): log in again
    organiser = db.session.get(Organiser, record_id)
    if organiser is None or not organiser.active or str(organiser.session_version) != version:
        return None
    return organiser


def choose_news(account: Organiser, delivery: NewsDelivery, locale: str) -> None:
    """How the account hears about its events (organiser/news) and the language of that mail. News waiting for a
    digest is mailed at the next run when switching to "at once", and dropped by it when switching off."""
    account.news_delivery = delivery.value
    account.locale = locale
    db.session.flush()
