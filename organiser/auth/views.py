"""Logging in and out, passwords (change, forgotten, first one through a welcome link), ending sessions."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..forms import EmptyForm, add_error, required
from ..ratelimit import hit, limit_login_attempts, limit_token_requests, restart_account_count
from ..tokens import hash_token
from ..web import safe_next
from . import trail
from .forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, NewsSettingsForm, SetPasswordForm
from .links import find_link, send_link, use_link
from .mfa import mfa_required
from .models import LinkPurpose, NewsDelivery, Organiser
from .services import AccountRefused, authenticate, change_password, choose_news, end_sessions, find_organiser
from .sso import provider_name, sso_enabled

bp = Blueprint("auth", __name__)


def start_session(organiser: Organiser) -> None:
    """A new session for this account (no fixation), keeping only the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(organiser)
    session["login_at"] = int(time.time())  # the login ends after SESSION_HOURS (see web.load_organiser)


def await_second_factor(organiser: Organiser, next_path: str | None) -> None:
    """Remember, in a fresh session, whose password was right; nobody is logged in yet."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session["mfa_pending"] = {"id": organiser.id, "version": organiser.session_version, "at": int(time.time())}
    if next_path:
        session["mfa_next"] = next_path


def home_for(organiser: Organiser) -> str:
    """Where an account lands after logging in: planners on their events, check-in helpers on today's list."""
    return url_for("events.dashboard") if organiser.plans_events else url_for("checkin.today")


def too_many_attempts(exceeded):
    """The login page, refusing an attempt over the limit (see ratelimit.limit_login_attempts)."""
    form = LoginForm()
    form.password.errors = [
        _("U heeft te vaak een verkeerd wachtwoord ingevuld. Wacht een minuut en probeer het dan opnieuw.")
    ]
    page, status = _login_page(form, 429)
    return make_response(page, status)


@bp.route("/login", methods=["GET", "POST"])
@limit_login_attempts(refused=too_many_attempts)
def login():
    """Log an organiser in; afterwards go to `next` when it is a local path. Every attempt was counted before
    this runs (and refused over the limit), so concurrent guesses cannot get more password checks."""
    form = LoginForm()
    passwords = current_app.config["PASSWORD_LOGIN"]
    if request.method == "POST" and not passwords:
        abort(404)
    if form.validate_on_submit():
        organiser = authenticate(required(form.email.data), required(form.password.data))
        if organiser is None:
            known = find_organiser(required(form.email.data))
            if known is not None:
                trail.record("login_failed", "account", known.id, known.name, actor_name=known.email)
                db.session.commit()
            add_error(form.password, _("Dit e-mailadres en wachtwoord horen niet bij elkaar."))
        elif organiser.has_totp:
            # The password was right; the session starts only after the second factor (mfa_views.code).
            restart_account_count()
            await_second_factor(organiser, safe_next(request.args.get("next")))
            return redirect(url_for("mfa.code"))
        else:
            restart_account_count()
            start_session(organiser)
            trail.record("login", "account", organiser.id, organiser.name, actor=organiser)
            db.session.commit()
            if mfa_required(organiser):
                return redirect(url_for("mfa.setup"))
            return redirect(safe_next(request.args.get("next")) or home_for(organiser))
    return _login_page(form)


def _login_page(form: LoginForm, status: int = 200):
    sso = {"provider": provider_name()} if sso_enabled() else None
    page = render_template("auth/login.html", form=form, sso=sso, passwords=current_app.config["PASSWORD_LOGIN"])
    return page, status


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


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """One's own account: change the password, log out on every other device, choose news by mail."""
    form = ChangePasswordForm(account_email=current_user.email)
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            add_error(form.current, _("Dit is niet uw huidige wachtwoord."))
        else:
            try:
                change_password(current_user, required(form.password.data))
            except AccountRefused as error:
                add_error(form.password, str(error))
            else:
                trail.record("password_changed", "account", current_user.id, current_user.name)
                db.session.commit()
                start_session(current_user)  # this session goes on; every other one has ended
                flash(_("Uw wachtwoord is gewijzigd. Op andere apparaten moet u opnieuw inloggen."), "success")
                return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, news_form=_news_form())


def _news_form(formdata=None) -> NewsSettingsForm:
    form = NewsSettingsForm(formdata)
    if formdata is None:
        form.news_delivery.data = current_user.news_delivery
        form.locale.data = current_user.locale
    return form


@bp.post("/account/news")
@login_required
def news_settings():
    """Choose how to hear about one's events: no mail, a mail at once, or a daily digest; and in which language."""
    form = _news_form(request.form)
    if not form.validate():
        form_password = ChangePasswordForm(formdata=None, account_email=current_user.email)
        return render_template("auth/account.html", form=form_password, news_form=form), 400
    choose_news(current_user, NewsDelivery(form.news_delivery.data), required(form.locale.data))
    trail.record("news_settings_changed", "account", current_user.id, f"{current_user.name}: {form.news_delivery.data}")
    db.session.commit()
    flash(_("Uw keuze voor berichten is opgeslagen."), "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/logout-everywhere")
@login_required
def logout_everywhere():
    """End every session of this account, on every device, and keep this one."""
    if EmptyForm().validate_on_submit():
        end_sessions(current_user)
        trail.record("logout_everywhere", "account", current_user.id, current_user.name)
        db.session.commit()
        start_session(current_user)
        flash(_("U bent op alle andere apparaten uitgelogd."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/password/forgotten", methods=["GET", "POST"])
def forgot_password():
    """Ask for a link to choose a new password; the answer is the same whether the address has an account."""
    if not current_app.config["PASSWORD_LOGIN"]:
        abort(404)
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        address = request.remote_addr or "unknown"
        account_key = hash_token(required(form.email.data).lower())[:32]
        # Limits that hold across servers (Redis): a flood of reset mails to one person, or from one address.
        allowed = hit(f"reset:account:{account_key}", current_app.config["RATE_LIMIT_PASSWORD_RESET"])
        allowed = hit(f"reset:addr:{address}", current_app.config["RATE_LIMIT_PASSWORD_RESET_ADDRESS"]) and allowed
        organiser = find_organiser(required(form.email.data))
        if allowed and organiser is not None and organiser.active and organiser.has_password:
            send_link(organiser, LinkPurpose.RESET)
            trail.record("password_reset_sent", "account", organiser.id, organiser.name, actor_name=organiser.email)
            db.session.commit()
        # Post/Redirect/Get: a reload must not mail a new link (which would make the one just mailed stop working).
        return redirect(url_for("auth.forgot_password_sent"))
    return render_template("auth/forgot.html", form=form)


@bp.get("/password/forgotten/verstuurd")
def forgot_password_sent():
    """After asking for a link: look in your mailbox (said the same way whether the address has an account)."""
    if not current_app.config["PASSWORD_LOGIN"]:
        abort(404)
    return render_template("auth/forgot_sent.html", minutes=current_app.config["PASSWORD_RESET_MINUTES"])


@bp.route("/password/new/<token>", methods=["GET", "POST"])
@limit_token_requests
def set_password(token: str):
    """Choose a password through a welcome or reset link (the GET only shows the form; the link is used once)."""
    if not current_app.config["PASSWORD_LOGIN"]:
        abort(404)
    link = find_link(token)
    if link is None:
        return render_template("auth/link_not_working.html"), 404
    organiser = link.organiser
    form = SetPasswordForm(account_email=organiser.email)
    if form.validate_on_submit():
        try:
            use_link(link, required(form.password.data))
        except AccountRefused as error:
            db.session.rollback()
            add_error(form.password, str(error))
        else:
            trail.record("password_set", "account", organiser.id, organiser.name, actor=organiser)
            db.session.commit()
            flash(_("Uw wachtwoord is opgeslagen. Log nu in met uw e-mailadres en het nieuwe wachtwoord."), "success")
            return redirect(url_for("auth.login"))
    welcome = link.purpose == LinkPurpose.WELCOME
    return render_template("auth/set_password.html", form=form, organiser=organiser, welcome=welcome)
