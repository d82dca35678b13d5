"""Logging in and out."""

from __future__ import annotations

import time

from flask import Blueprint, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..forms import EmptyForm, add_error, required
from ..ratelimit import limit_login_attempts, restart_account_count
from ..web import safe_next
from .forms import LoginForm
from .services import authenticate, end_sessions

bp = Blueprint("auth", __name__)


def too_many_attempts(exceeded):
    """The login page, refusing an attempt over the limit (see ratelimit.limit_login_attempts)."""
    form = LoginForm()
    form.password.errors = [
        _("U heeft te vaak een verkeerd wachtwoord ingevuld. Wacht een minuut en probeer het dan opnieuw.")
    ]
    return make_response(render_template("auth/login.html", form=form), 429)


@bp.route("/login", methods=["GET", "POST"])
@limit_login_attempts(refused=too_many_attempts)
def login():
    """Log an organiser in; afterwards go to `next` when it is a local path. Every attempt was counted before
    this runs (and refused over the limit), so concurrent guesses cannot get more password checks."""
    form = LoginForm()
    if form.validate_on_submit():
        organiser = authenticate(required(form.email.data), required(form.password.data))
        if organiser is None:
            add_error(form.password, _("Dit e-mailadres en wachtwoord horen niet bij elkaar."))
        else:
            restart_account_count()
            lang = session.get("lang")
            session.clear()  # a new session at login: no fixation
            if lang:
                session["lang"] = lang
            login_user(organiser)
            session["login_at"] = int(time.time())  # the login ends after SESSION_HOURS (see web.load_organiser)
            return redirect(safe_next(request.args.get("next")) or url_for("events.dashboard"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Log out (a POST, so that a link cannot log anyone out)."""
    if EmptyForm().validate_on_submit():
        end_sessions(current_user)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("U bent uitgelogd."), "success")
    return redirect(url_for("events.agenda"))
