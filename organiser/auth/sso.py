"""Sign-in with the municipality's own account: OpenID Connect (Entra ID, ADFS, Keycloak …) through Authlib.

The provider is found by discovery from ORGANISER_OIDC_ISSUER. Authlib checks the ID token (signature from the
provider's keys, issuer, audience, expiry, nonce) and the state that ties the answer to this browser. An account
is matched by the provider's subject first (set at the first sign-in), else by a *verified* e-mail address that
belongs to an existing account; otherwise, when OIDC_JIT_DOMAIN is set and the verified address is in that
domain, a new account is made with OIDC_JIT_ROLE. Nothing else gets in.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from flask_babel import gettext as _

from ..extensions import db
from . import trail
from .models import Organiser, Role
from .services import AccountRefused, create_organiser, find_organiser

PROVIDER = "municipality"


def init_sso(app: Flask) -> None:
    """Register the provider when an issuer is configured (discovery happens on first use, not at start-up).
    One Authlib registry per app: it caches the provider's metadata, which belongs to this app's issuer."""
    if app.config.get("PASSWORD_LOGIN") is False and not app.config.get("OIDC_ISSUER"):
        raise RuntimeError("ORGANISER_PASSWORD_LOGIN=false needs ORGANISER_OIDC_ISSUER: nobody could log in.")
    oauth = OAuth(app)
    app.extensions["organiser_oauth"] = oauth
    issuer = app.config.get("OIDC_ISSUER")
    if issuer:
        oauth.register(
            PROVIDER,
            client_id=app.config["OIDC_CLIENT_ID"],
            client_secret=app.config["OIDC_CLIENT_SECRET"],
            server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": "openid email profile"},
            overwrite=True,
        )


def sso_enabled() -> bool:
    return bool(current_app.config.get("OIDC_ISSUER"))


def provider_name() -> str:
    return current_app.config.get("OIDC_NAME") or urlsplit(current_app.config["OIDC_ISSUER"]).hostname or ""


def client():
    return current_app.extensions["organiser_oauth"].create_client(PROVIDER)


class SignInRefused(Exception):
    """No account for this sign-in; str(error) says so in the user's language."""


def account_for(claims: dict) -> Organiser:
    """The account these verified ID-token claims sign in as (made just in time where allowed)."""
    subject = str(claims.get("sub") or "")
    if not subject:
        raise SignInRefused(_("De aanmelding bij de gemeente gaf geen gebruiker terug. Probeer het opnieuw."))
    organiser = db.session.scalar(db.select(Organiser).where(Organiser.oidc_subject == subject))
    email = str(claims.get("email") or "").strip().lower()
    verified = claims.get("email_verified") is True
    if organiser is None and email and verified:
        organiser = find_organiser(email)
        if organiser is not None and organiser.oidc_subject not in (None, subject):
            organiser = None  # the address belongs to an account tied to another subject: do not take it over
        elif organiser is not None:
            organiser.oidc_subject = subject
    if organiser is None:
        domain = (current_app.config.get("OIDC_JIT_DOMAIN") or "").strip().lower().lstrip("@")
        if not (domain and email and verified and email.rpartition("@")[2] == domain):
            raise SignInRefused(
                _("Er is geen account voor %(email)s. Vraag een beheerder om u uit te nodigen.", email=email or subject)
            )
        try:
            role = Role(current_app.config.get("OIDC_JIT_ROLE") or "organiser")
            if role == Role.ADMINISTRATOR:
                role = Role.ORGANISER  # nobody becomes an administrator by signing in
            organiser = create_organiser(email, str(claims.get("name") or email), None, role=role)
        except (AccountRefused, ValueError) as error:
            raise SignInRefused(str(error)) from error
        organiser.oidc_subject = subject
        trail.record("account_created_sso", "account", organiser.id, organiser.name, actor=organiser)
    if not organiser.active:
        raise SignInRefused(_("Dit account is uitgeschakeld. Vraag een beheerder om hulp."))
    db.session.flush()
    return organiser
