"""The organiser's look before sending: the invitation mail as the first invitee will receive it (GET only)."""

from __future__ import annotations

from flask import Response, abort, current_app, render_template, request
from flask_login import login_required

from ..events.access import event_for_organiser
from ..events.models import Event
from ..mail.rendering import ICS_FILENAME
from ..mail.views import linkify, mail_html_response
from .blueprint import bp
from .models import Invitation
from .notices import ComposedMail
from .preview import first_invitee, preview_invitation, preview_link


def _preview_of(event: Event) -> tuple[Invitation | None, str, ComposedMail | None]:
    """The first invitee, the language asked for (?taal=, default theirs) and their mail; 404 for a language
    the app does not speak."""
    invitation = first_invitee(event)
    asked = request.args.get("taal", "")
    if asked and asked not in current_app.config["LANGUAGES"]:
        abort(404)
    if invitation is None:
        return None, asked or current_app.config["BABEL_DEFAULT_LOCALE"], None
    mail = preview_invitation(invitation, asked or None)
    return invitation, mail.locale, mail


@bp.get("/events/<int:event_id>/send/preview")
@login_required
def preview(event_id: int):
    """The invitation mail as the first invitee will receive it: subject, text, HTML and the .ics, in their
    language or the other one; the personal link is a placeholder. Changes nothing."""
    event = event_for_organiser(event_id)
    invitation, locale, mail = _preview_of(event)
    return render_template(
        "invitations/preview.html",
        event=event,
        invitation=invitation,
        locale=locale,
        own_locale=invitation.person.locale if invitation is not None else None,
        mail=mail,
        text=linkify(mail.text) if mail is not None else "",
        placeholder=preview_link(),
    )


@bp.get("/events/<int:event_id>/send/preview.html")
@login_required
def preview_html(event_id: int):
    """The HTML part of the preview on its own, under the mail pages' CSP (its inline styles, nothing else)."""
    _invitation, _locale, mail = _preview_of(event_for_organiser(event_id))
    if mail is None:
        abort(404)
    return mail_html_response(mail.html)


@bp.get("/events/<int:event_id>/send/preview.ics")
@login_required
def preview_ics(event_id: int):
    """The preview's calendar attachment, to open in a calendar program (its link is the event's public page)."""
    _invitation, _locale, mail = _preview_of(event_for_organiser(event_id))
    if mail is None or mail.ics is None:
        abort(404)
    return Response(
        mail.ics, mimetype="text/calendar", headers={"Content-Disposition": f'attachment; filename="{ICS_FILENAME}"'}
    )
