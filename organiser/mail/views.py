"""Mail pages: the organiser's outbox (`/mail`) and, in development without SMTP, the kept mail (`/dev/mail`)."""

from __future__ import annotations

import re
from functools import wraps

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from .. import signals
from ..extensions import db
from ..forms import EmptyForm
from ..qr import qr_png
from . import dispatch
from . import outbox as outbox_rows
from .deferred import rendered
from .models import OutboxMessage, OutboxStatus
from .rendering import QR_CONTENT_ID

bp = Blueprint("mail", __name__)


@bp.app_context_processor
def outbox_statuses() -> dict[str, object]:
    """Templates compare a mail's status with the enum's members, never with bare strings."""
    return {"OutboxStatus": OutboxStatus}


#: The mail's own HTML, shown on its own: no scripts, no plugins, no forms, no requests anywhere but here.
MAIL_HTML_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self'; "
    "sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"
)

_URL = re.compile(r"https?://[^\s<>\"']+")


def mail_html_response(html: str) -> Response:
    """A mail's HTML part as a page of its own, under MAIL_HTML_POLICY, framed only by this site's pages."""
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = MAIL_HTML_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.get("/mail")
@login_required
def outbox():
    """Recent mail about the organiser's events (admins: all mail), failed mail first, with the reason."""
    messages = outbox_rows.recent_mail(current_user)
    event_ids = {m.event_id for m in messages if m.event_id}
    events: dict[int, outbox_rows.EventLink] = {}
    for _receiver, described in signals.outbox_events_described.send(current_user, event_ids=event_ids):
        events.update(described)
    return render_template(
        "mail/outbox.html",
        messages=messages,
        events=events,
        failed=sum(m.status == OutboxStatus.FAILED for m in messages),
        form=EmptyForm(),
    )


@bp.post("/mail/<int:message_id>/retry")
@login_required
def retry(message_id: int):
    """Put a failed mail back in the queue ("opnieuw proberen")."""
    message = db.get_or_404(OutboxMessage, message_id)
    if not outbox_rows.may_see(current_user, message):
        abort(404)
    if EmptyForm().validate_on_submit() and outbox_rows.retry_mail(message):
        db.session.commit()
        flash(_("De mail aan %(address)s wordt opnieuw verstuurd.", address=message.to_address), "success")
    elif not message.has_contents:
        flash(_("De inhoud van deze mail is al verwijderd (bewaartermijn); opnieuw proberen kan niet meer."), "error")
    else:
        flash(_("Deze mail is niet mislukt; er is niets opnieuw te proberen."), "error")
    return redirect(url_for("mail.outbox"))


# --- Development: mail kept because no SMTP server is configured -----------------------------------------


def dev_mail_enabled() -> bool:
    """Only in development or tests, and only while mail is kept instead of sent."""
    return not current_app.config.get("MAIL_SERVER") and (current_app.debug or current_app.testing)


def dev_mail_page(view):
    """Development mail pages: only where dev_mail_enabled(), and only for administrators (the kept mail holds
    everyone's personal links)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not dev_mail_enabled():
            abort(404)
        if not current_user.is_authenticated:
            # Flask-Login sets app.login_manager; Flask's type does not know it.
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _kept_or_404(message_id: int) -> OutboxMessage:
    message = db.get_or_404(OutboxMessage, message_id)
    if message.status != OutboxStatus.KEPT:
        abort(404)
    return rendered(message)  # a mail recorded as facts, rendered as the worker would send it now


@bp.get("/dev/mail")
@dev_mail_page
def dev_mail():
    """Development: the mail that would have been sent, newest first."""
    return render_template(
        "mail/dev_list.html",
        messages=outbox_rows.kept_mail(),
        pending=outbox_rows.count_pending(),
        form=EmptyForm(),
    )


@bp.post("/dev/mail/deliver")
@dev_mail_page
def dev_deliver():
    """Development: process due mail now, for when the outbox worker does not run."""
    if EmptyForm().validate_on_submit():
        report = dispatch.dispatch_due()
        flash(ngettext("%(num)d mail verwerkt.", "%(num)d mails verwerkt.", report.kept), "success")
    return redirect(url_for("mail.dev_mail"))


@bp.get("/dev/mail/<int:message_id>")
@dev_mail_page
def dev_message(message_id: int):
    """Development: one kept mail, with its links clickable and its HTML part in a sandbox."""
    message = _kept_or_404(message_id)
    return render_template("mail/dev_message.html", message=message, text=linkify(message.text_body))


@bp.get("/dev/mail/<int:message_id>/html")
@dev_mail_page
def dev_message_html(message_id: int):
    """Development: the HTML part on its own, under a CSP that allows its inline styles and nothing else."""
    message = _kept_or_404(message_id)
    html = message.html_body
    if message.qr_url:  # the inline image, as a mail client shows it
        html = html.replace(f"cid:{QR_CONTENT_ID}", url_for("mail.dev_message_qr", message_id=message.id))
    return mail_html_response(html)


@bp.get("/dev/mail/<int:message_id>/qr-code.png")
@dev_mail_page
def dev_message_qr(message_id: int):
    """Development: the mail's inline QR code image."""
    message = _kept_or_404(message_id)
    if not message.qr_url:
        abort(404)
    return Response(qr_png(message.qr_url), mimetype="image/png")


@bp.get("/dev/mail/<int:message_id>/uitnodiging.ics")
@dev_mail_page
def dev_message_ics(message_id: int):
    """Development: the calendar attachment, to open in a calendar program."""
    message = _kept_or_404(message_id)
    if not message.ics:
        abort(404)
    return Response(message.ics, mimetype="text/calendar", headers={"Content-Disposition": "attachment"})


def linkify(text: str) -> Markup:
    """Plain text as HTML with every http(s) address a link; everything else escaped."""
    parts: list[Markup] = []
    position = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?)")
        parts.append(escape(text[position : match.start()]))
        parts.append(Markup('<a href="{0}">{0}</a>').format(url))
        position = match.start() + len(url)
    parts.append(escape(text[position:]))
    return Markup("").join(parts)
