"""Sign-in with the municipality's account: to the provider and back."""

from __future__ import annotations

from authlib.integrations.base_client import OAuthError
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ..extensions import db
from ..web import absolute_url, safe_next
from . import trail
from .sso import SignInRefused, account_for, client, provider_name, sso_enabled
from .views import home_for, start_session

bp = Blueprint("sso", __name__)


@bp.get("/login/sso")
def start():
    """Go to the municipality's sign-in page (it comes back to `callback`)."""
    if not sso_enabled():
        abort(404)
    next_path = safe_next(request.args.get("next"))
    if next_path:
        session["sso_next"] = next_path
    return client().authorize_redirect(absolute_url("sso.callback"))


@bp.get("/login/sso/callback")
def callback():
    """Back from the provider: check its answer, find the account, start the session.

    A GET that logs in: the provider sends the browser back this way (the authorisation code flow); the state
    and nonce Authlib checks make it useless to anyone but the browser that started it."""
    if not sso_enabled():
        abort(404)
    try:
        token = client().authorize_access_token()
        claims = token.get("userinfo") or {}
        organiser = account_for(dict(claims))
    except SignInRefused as error:
        db.session.rollback()
        return render_template("auth/sso_refused.html", message=str(error), provider=provider_name()), 403
    except OAuthError:
        db.session.rollback()
        flash(_("Inloggen met %(provider)s is niet gelukt. Probeer het opnieuw.", provider=provider_name()), "error")
        return redirect(url_for("auth.login"))
    next_path = safe_next(session.get("sso_next"))
    start_session(organiser)
    session["sso"] = True  # the provider did the second factor (see mfa_views.require_enrolment)
    trail.record("login", "account", organiser.id, f"{organiser.name} ({provider_name()})", actor=organiser)
    db.session.commit()
    return redirect(next_path or home_for(organiser))
