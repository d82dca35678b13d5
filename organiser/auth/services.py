"""Organiser accounts: creation and authentication."""

from __future__ import annotations

import time

from flask import current_app, session
from flask_babel import gettext as _
from sqlalchemy import func

from ..extensions import db
from ..forms import CONTROL_CHARACTERS, LINE_BREAKS, parse_record_id
from .models import Organiser

#: ASVS 2.1.1: at least 12 characters (length, not composition rules, makes a password strong).
MIN_PASSWORD_LENGTH = 12


def find_organiser(email: str) -> Organiser | None:
    return db.session.scalar(db.select(Organiser).where(Organiser.email == email.strip().lower()))


def authenticate(email: str, password: str) -> Organiser | None:
    """The active organiser with this email and password, else None (same time either way)."""
    organiser = find_organiser(email)
    if organiser is None:
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


def create_organiser(email: str, name: str, password: str, is_admin: bool = False) -> Organiser:
    """A new organiser account; raises ValueError with a readable reason when it cannot be made."""
    email = email.strip().lower()
    # One line each (the command line takes anything): the name goes into mail headers and calendar invitations.
    if any(LINE_BREAKS.search(text) or CONTROL_CHARACTERS.search(text) for text in (email, name)):
        raise ValueError(_("Naam en e-mailadres zijn elk één regel, zonder stuurtekens."))
    if "@" not in email:
        raise ValueError(_("Dit is geen geldig e-mailadres."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(_("Het wachtwoord moet minstens %(num)d tekens hebben.", num=MIN_PASSWORD_LENGTH))
    exists = db.session.scalar(db.select(func.count()).select_from(Organiser).where(Organiser.email == email))
    if exists:
        raise ValueError(_("Er is al een organisator met dit e-mailadres."))
    organiser = Organiser(email=email, name=name.strip() or email, is_admin=is_admin, session_version=0)
    organiser.set_password(password)
    db.session.add(organiser)
    db.session.flush()
    return organiser


def load_organiser(user_id: str) -> Organiser | None:
    """Flask-Login's user loader: the organiser of "<id>:<session version>", while the login is fresh."""
    organiser_id, _sep, version = user_id.partition(":")
    if (record_id := parse_record_id(organiser_id)) is None:
        return None
    started = session.get("login_at")
    if not isinstance(started, int) or time.time() - started > current_app.config["SESSION_HOURS"] * 3600:
        return None  # logged in too long ago (or before logins had a time): log in again
    organiser = db.session.get(Organiser, record_id)
    if organiser is None or str(organiser.session_version) != version:
        return None
    return organiser
