"""The second factor: the code step of logging in, enrolling an authenticator app, recovery codes."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import shown_once
from ..extensions import db
from ..forms import EmptyForm, add_error
from ..ratelimit import hit
from ..web import safe_next
from . import mfa, trail
from .forms import MfaCodeForm, MfaOffForm
from .models import Organiser
from .views import home_for, start_session

bp = Blueprint("mfa", __name__)

#: The password step counts for this long; then the password is asked again.
PENDING_SECONDS = 300
#: Pages an account that must enrol may still use before it has.
ALLOWED_BEFORE_ENROLMENT = {"mfa.setup", "auth.logout", "static", "web.set_language", "auth.login"}


def _pending_organiser() -> Organiser | None:
    pending = session.get("mfa_pending")
    if not isinstance(pending, dict) or time.time() - int(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    organiser = db.session.get(Organiser, int(pending.get("id", 0)))
    if organiser is None or not organiser.active or organiser.session_version != pending.get("version"):
        return None
    return organiser


@bp.route("/login/code", methods=["GET", "POST"])
def code():
    """Second step of logging in: the code from the authenticator app, or a recovery code."""
    organiser = _pending_organiser()
    if organiser is None:
        flash(_("Log opnieuw in met uw e-mailadres en wachtwoord."), "info")
        return redirect(url_for("auth.login"))
    form = MfaCodeForm()
    if form.validate_on_submit():
        # Counted before checking (also a right code), so that parallel guesses cannot slip past the limit.
        if not hit(f"mfa:{organiser.id}", current_app.config["RATE_LIMIT_MFA"]):
            add_error(form.code, _("U heeft te vaak een verkeerde code ingevuld. Wacht een minuut."))
            return render_template("auth/mfa_code.html", form=form), 429
        entered = form.code.data or ""
        used_recovery = False
        ok = mfa.verify_totp(organiser, entered)
        if not ok:
            ok = used_recovery = mfa.use_recovery_code(organiser, entered)
        if ok:
            next_path = safe_next(session.get("mfa_next"))
            start_session(organiser)
            trail.record("login", "account", organiser.id, organiser.name + (" (herstelcode)" * used_recovery))
            db.session.commit()
            if used_recovery:
                left = mfa.remaining_recovery_codes(organiser)
                flash(_("U bent ingelogd met een herstelcode. U heeft er nog %(num)d over.", num=left), "info")
            return redirect(next_path or home_for(organiser))
        trail.record("login_failed", "account", organiser.id, organiser.name, actor_name=organiser.email)
        db.session.commit()
        add_error(form.code, _("Deze code klopt niet. Kijk in uw app en probeer het opnieuw."))
    return render_template("auth/mfa_code.html", form=form)


@bp.route("/account/mfa", methods=["GET", "POST"])
@login_required
def setup():
    """Enrol an authenticator app: show the secret and a QR code, then check one code from the app."""
    if current_user.has_totp:
        return render_template(
            "auth/mfa_on.html",
            remaining=mfa.remaining_recovery_codes(current_user),
            required=mfa.mfa_required(current_user),
            off_form=MfaOffForm(),
        )
    secret = session.get("totp_pending")
    if not isinstance(secret, str) or len(secret) != 32:
        secret = session["totp_pending"] = mfa.new_secret()
    form = MfaCodeForm()
    if form.validate_on_submit():
        codes = mfa.enrol(current_user, secret, form.code.data or "")
        if codes is not None:
            session.pop("totp_pending", None)
            trail.record("mfa_enrolled", "account", current_user.id, current_user.name)
            db.session.commit()
            return _show_codes(codes, first=True)
        add_error(form.code, _("Deze code klopt niet. Kijk in uw app en probeer het opnieuw."))
    uri = mfa.provisioning_uri(current_user, secret)
    return render_template(
        "auth/mfa_setup.html",
        form=form,
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        qr=mfa.qr_svg(uri, _("QR-code om organiser aan uw app toe te voegen")),
        required=mfa.mfa_required(current_user),
    )


def _show_codes(codes: list[str], first: bool):
    """Post/Redirect/Get: the codes wait sealed in the session (shown_once.py) for the page that shows them, so
    that a refresh shows them again instead of sending the form again."""
    shown_once.keep("recovery_codes", current_user.id, {"codes": codes, "first": first})
    return redirect(url_for("mfa.recovery_codes"), 303)


@bp.route("/account/mfa/recovery-codes", methods=["GET", "POST"])
@login_required
def recovery_codes():
    """New recovery codes (POST; the old ones stop working), shown on the page the POST redirects to."""
    if request.method == "GET":
        kept = shown_once.shown("recovery_codes", current_user.id)
        if not current_user.has_totp or not isinstance(kept, dict):
            return redirect(url_for("mfa.setup"))
        return render_template("auth/mfa_recovery_codes.html", codes=kept["codes"], first=kept["first"])
    if not current_user.has_totp or not EmptyForm().validate_on_submit():
        return redirect(url_for("mfa.setup"))
    codes = mfa.new_recovery_codes(current_user)
    trail.record("mfa_recovery_codes", "account", current_user.id, current_user.name)
    db.session.commit()
    return _show_codes(codes, first=False)


@bp.post("/account/mfa/off")
@login_required
def switch_off():
    """Stop using the app (not when the role requires it); asks for the password."""
    form = MfaOffForm()
    if mfa.mfa_required(current_user):
        flash(_("Voor uw rol is een tweede stap verplicht. U kunt wel een nieuwe app instellen."), "error")
    elif form.validate_on_submit():
        if current_user.check_password(form.password.data):
            mfa.switch_off(current_user)
            trail.record("mfa_switched_off", "account", current_user.id, current_user.name)
            db.session.commit()
            flash(_("De tweede stap is uitgezet."), "success")
        else:
            flash(_("Dit is niet uw huidige wachtwoord."), "error")
    return redirect(url_for("mfa.setup"))


@bp.before_app_request
def require_enrolment():
    """An account whose role requires a second factor uses nothing else until it has enrolled one."""
    if (
        current_user.is_authenticated
        and not session.get("sso")
        and not current_user.has_totp
        and request.endpoint not in ALLOWED_BEFORE_ENROLMENT
        and mfa.mfa_required(current_user)
    ):
        return redirect(url_for("mfa.setup"))
    return None
