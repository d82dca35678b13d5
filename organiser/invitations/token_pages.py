"""What every page behind an invitee's personal link does alike (the RSVP pages here, the follow-up in
organiser/followup): never cached, spoken in the invitee's language, forms protected by the link's own key."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, flash, g, make_response, render_template, request
from flask_babel import gettext as _

from ..web import private
from . import links
from .models import Invitation


def link_not_working():
    """The one answer to an unknown or revoked link (404, saying nothing about other links)."""
    return private(make_response(render_template("invitations/link_not_working.html"), 404))


def read_the_form_first() -> None:
    """A POST body over MAX_CONTENT_LENGTH is refused (413) before anything else, as on every other form (CSRF
    protection reads it there; these pages are exempt from that and check their own key later)."""
    if request.method == "POST":
        request.form.get("form_key")


def speak_the_invitees_language(invitation: Invitation) -> None:
    """The page follows the language of the invitation mail until the visitor picks another (i18n)."""
    if invitation.person.locale in current_app.config["LANGUAGES"]:
        g.page_locale = invitation.person.locale


def form_key_refused(token: str, purpose: str, form) -> bool:
    """A POST without this link's form key (a cross-site form): refused; the page shown again carries the key.
    Off where CSRF protection is off (WTF_CSRF_ENABLED, as for the session-bound tokens)."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return False
    return not links.form_key_matches(token, purpose, form.form_key.data)


def foreign_form_refused(token: str, purpose: str, form) -> bool:
    """True for a POST refused by `form_key_refused`, with the message that nothing was saved flashed (the page is
    shown again with the link's key, to be sent once more); False otherwise (not a POST, or the key matches)."""
    if request.method != "POST" or not form_key_refused(token, purpose, form):
        return False
    flash(_("Er is niets opgeslagen: het formulier hoort niet bij deze link. Verstuur het hieronder opnieuw."), "error")
    return True


def behind_personal_link(*, speak: bool = True) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view of `/rsvp/<token>/...`: a POST body too large is refused first (`read_the_form_first`), an unknown
    or revoked token gets `link_not_working` (404), and the view is called as `view(invitation, token, **rest)`
    with the invitation the token belongs to; with `speak` (the default) the page is in the invitee's language."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def page(token: str, **rest: Any):
            read_the_form_first()
            invitation = links.find_invitation_by_token(token)
            if invitation is None:
                return link_not_working()
            if speak:
                speak_the_invitees_language(invitation)
            return view(invitation, token, **rest)

        return page

    return decorate
