"""The message itself: templates rendered in the recipient's language, the MIME built from an outbox row, and the
header hygiene both need (one line, a clean address). See `dispatch` for why the MIME is built here."""

from __future__ import annotations

import re
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, parseaddr

from flask import current_app, render_template
from flask_babel import force_locale

from ..web import absolute_url
from .models import OutboxMessage

#: Name of the .ics attachment next to the text/calendar part.
ICS_FILENAME = "uitnodiging.ics"

#: CR, LF and every other character Python's str.splitlines() treats as a line break, plus other controls.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
_SPACES = re.compile(r"\s+")


def one_line(value: str) -> str:
    """A header value on one line: CR, LF and other control characters become spaces (no header injection)."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", value or "")).strip()


def clean_address(address: str) -> str:
    """The bare address; raises ValueError for anything that could smuggle a header or is no address."""
    address = (address or "").strip()
    if _CONTROL.search(address):
        raise ValueError("an email address cannot contain line breaks or control characters")
    try:
        parsed = Address(addr_spec=address)
    except (ValueError, IndexError) as error:
        raise ValueError(f"not an email address: {address!r}") from error
    if not parsed.username or not parsed.domain or len(address) > 254:
        raise ValueError(f"not an email address: {address!r}")
    return address


def render_mail(template: str, locale: str, **context) -> tuple[str, str, str]:
    """Subject, text and HTML of `templates/mail/<template>.*` in the recipient's language (Dutch by default)."""
    languages = current_app.config["LANGUAGES"]
    locale = locale if locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
    context.setdefault("base_url", current_app.config["BASE_URL"])
    context.setdefault("absolute_url", absolute_url)
    with force_locale(locale):
        subject = render_template(f"mail/{template}.subject.txt", locale=locale, **context)
        text = render_template(f"mail/{template}.txt", locale=locale, **context)
        html = render_template(f"mail/{template}.html", locale=locale, subject=one_line(subject), **context)
    return one_line(subject), text.strip() + "\n", html


def build_mime(message: OutboxMessage) -> EmailMessage:
    """The MIME message for an outbox row (CALENDAR.md: mixed ⟶ alternative with text/calendar, plus .ics)."""
    sender_name, sender_address = sender()
    mime = EmailMessage(policy=SMTP_POLICY)
    mime["Subject"] = one_line(message.subject)
    mime["From"] = Address(display_name=sender_name, addr_spec=sender_address)
    mime["To"] = Address(display_name=one_line(message.to_name), addr_spec=clean_address(message.to_address))
    mime["Date"] = format_datetime(message.created_at)
    mime["Message-ID"] = message.message_id
    mime["Auto-Submitted"] = "auto-generated"
    # Outlook/Exchange: no out-of-office or read receipts back to an address nobody reads.
    mime["X-Auto-Response-Suppress"] = "All"
    mime.set_content(message.text_body, cte="quoted-printable")
    if message.html_body:
        mime.add_alternative(message.html_body, subtype="html", cte="quoted-printable")
    if message.ics:
        method = message.ics_method or "PUBLISH"
        mime.add_alternative(message.ics, subtype="calendar", params={"method": method}, cte="quoted-printable")
        mime.add_attachment(message.ics.encode("utf-8"), maintype="application", subtype="ics", filename=ICS_FILENAME)
    return mime


def sender() -> tuple[str, str]:
    """MAIL_DEFAULT_SENDER as (name, address); it may be 'Name <address>' or a (name, address) pair."""
    configured = current_app.config["MAIL_DEFAULT_SENDER"]
    if isinstance(configured, tuple | list):
        return one_line(configured[0]), clean_address(configured[1])
    name, address = parseaddr(configured)
    return one_line(name), clean_address(address)
