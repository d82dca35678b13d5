"""The message itself: templates rendered in the recipient's language, the MIME built from an outbox row, and the
header hygiene both need (one line, a clean address). See `dispatch` for why the MIME is built here."""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr, parseaddr

from flask import current_app, render_template
from flask_babel import force_locale

from ..addresses import wire_address
from ..characters import without_format_characters
from ..inbox.addresses import reply_address
from ..qr import qr_png
from ..web import absolute_url
from .models import OutboxMessage

#: Name of the .ics attachment next to the text/calendar part.
ICS_FILENAME = "uitnodiging.ics"
#: The Content-ID of the QR code image (an outbox row's qr_url), as the HTML refers to it: <img src="cid:…">.
#: An inline PNG in multipart/related next to the HTML (RFC 2387, RFC 2392): Gmail, Outlook, Apple Mail and
#: Thunderbird show it without fetching anything; they do not show SVG, and Gmail drops data: URIs.
QR_CONTENT_ID = "checkin-qr@organiser"
QR_FILENAME = "qr-code.png"

#: CR, LF and every other character Python's str.splitlines() treats as a line break, plus other controls.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
_SPACES = re.compile(r"\s+")


def one_line(value: str) -> str:
    """A header value on one line: CR, LF and other control characters become spaces (no header injection), and
    invisible format characters that disguise a name or subject (characters.py) are removed."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", without_format_characters(value or ""))).strip()


def clean_address(address: str) -> str:
    """The bare address as SMTP and headers carry it (an internationalised domain in its IDNA form, addresses.py);
    raises ValueError (AddressRefused) for anything that could smuggle a header, is no address, or has a local
    part outside ASCII (which would need SMTPUTF8)."""
    address = (address or "").strip()
    if _CONTROL.search(address):
        raise ValueError("an email address cannot contain line breaks or control characters")
    address = wire_address(address)
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


def _mail_locale(locale: str) -> str:
    return locale if locale in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def render_subject(template: str, locale: str, **context) -> str:
    """The subject of `templates/mail/<template>.*` alone, on one line (for a mail the worker renders later)."""
    locale = _mail_locale(locale)
    context.setdefault("base_url", current_app.config["BASE_URL"])
    with force_locale(locale):
        return one_line(render_template(f"mail/{template}.subject.txt", locale=locale, **context))


def render_bodies(template: str, locale: str, subject: str, **context) -> tuple[str, str]:
    """Text and HTML of `templates/mail/<template>.*` as `render_mail` writes them, for a known subject."""
    locale = _mail_locale(locale)
    context.setdefault("base_url", current_app.config["BASE_URL"])
    context.setdefault("absolute_url", absolute_url)
    with force_locale(locale):
        text = render_template(f"mail/{template}.txt", locale=locale, **context)
        html = render_template(f"mail/{template}.html", locale=locale, subject=one_line(subject), **context)
    return text.strip() + "\n", html


def build_mime(message: OutboxMessage) -> EmailMessage:
    """The MIME message for an outbox row (CALENDAR.md: mixed ⟶ alternative with text/calendar, plus .ics)."""
    sender_name, sender_address = sender()
    mime = EmailMessage(policy=SMTP_POLICY)
    mime["Subject"] = one_line(message.subject)
    mime["From"] = Address(display_name=sender_name, addr_spec=sender_address)
    mime["To"] = Address(display_name=one_line(message.to_name), addr_spec=clean_address(message.to_address))
    mime["Date"] = format_datetime(message.created_at)
    mime["Message-ID"] = message.message_id
    if message.reply_to:
        name, address = parseaddr(message.reply_to)
        mime["Reply-To"] = Address(display_name=one_line(name), addr_spec=clean_address(address))
    mime["Auto-Submitted"] = "auto-generated"
    # Outlook/Exchange: no out-of-office or read receipts back to an address nobody reads.
    mime["X-Auto-Response-Suppress"] = "All"
    mime.set_content(message.text_body, cte="quoted-printable")
    if message.html_body:
        mime.add_alternative(message.html_body, subtype="html", cte="quoted-printable")
        if message.qr_url:
            html = next(part for part in mime.iter_parts() if part.get_content_type() == "text/html")
            html.add_related(
                qr_png(message.qr_url),
                maintype="image",
                subtype="png",
                cid=f"<{QR_CONTENT_ID}>",
                disposition="inline",
                filename=QR_FILENAME,
            )
    if message.ics:
        method = message.ics_method or "PUBLISH"
        mime.add_alternative(message.ics, subtype="calendar", params={"method": method}, cte="quoted-printable")
        mime.add_attachment(message.ics.encode("utf-8"), maintype="application", subtype="ics", filename=ICS_FILENAME)
    return mime


def reply_to_header(name: str, address: str) -> str:
    """'Name <address>' for the Reply-To column; raises ValueError for an address that is none."""
    return str(Address(display_name=one_line(name), addr_spec=clean_address(address)))


def envelope_sender() -> str:
    """MAIL FROM: the reply mailbox when organiser reads one, so bounces arrive where they are read; else the sender."""
    return reply_address() or sender()[1]


def mime_bytes(message: OutboxMessage, sender_name: str, sender_address: str) -> bytes:
    """The bytes of build_mime(message), written directly: the same headers, structure and encodings (quoted-
    printable text, base64 attachment), about thirty times faster than the email package's generator, which
    took most of a worker's time per mail. Header values go through one_line and clean_address as there."""
    headers = [
        ("Subject", _header(one_line(message.subject))),
        ("From", formataddr((sender_name, sender_address), charset="utf-8")),
        ("To", formataddr((one_line(message.to_name), clean_address(message.to_address)), charset="utf-8")),
        ("Date", format_datetime(message.created_at)),
        ("Message-ID", one_line(message.message_id)),
        *_reply_to(message),
        ("Auto-Submitted", "auto-generated"),
        ("X-Auto-Response-Suppress", "All"),
        ("MIME-Version", "1.0"),
    ]
    parts = [_text_part("plain", message.text_body)]
    if message.html_body:
        html = _text_part("html", message.html_body)
        if message.qr_url:
            image = (
                b"Content-Type: image/png\r\n"
                b"Content-Transfer-Encoding: base64\r\n"
                b"Content-ID: <" + QR_CONTENT_ID.encode() + b">\r\n"
                b'Content-Disposition: inline; filename="'
                + QR_FILENAME.encode()
                + b'"\r\n\r\n'
                + base64.encodebytes(qr_png(message.qr_url)).replace(b"\n", b"\r\n")
            )
            html = _multipart("related", [html, image])
        parts.append(html)
    if message.ics:
        method = one_line(message.ics_method or "PUBLISH")
        parts.append(_text_part("calendar", message.ics, f'; method="{method}"'))
    body = parts[0] if len(parts) == 1 else _multipart("alternative", parts)
    if message.ics:
        attachment = (
            b"Content-Type: application/ics\r\n"
            b'Content-Disposition: attachment; filename="' + ICS_FILENAME.encode() + b'"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\n"
            + base64.encodebytes(message.ics.encode("utf-8")).replace(b"\n", b"\r\n")
        )
        body = _multipart("mixed", [body, attachment])
    head = "".join(f"{name}: {value}\r\n" for name, value in headers).encode("ascii")
    return head + body


def _reply_to(message: OutboxMessage) -> list[tuple[str, str]]:
    """Reply-To (the event's organiser), as build_mime writes it; none when the row has none."""
    if not message.reply_to:
        return []
    name, address = parseaddr(message.reply_to)
    return [("Reply-To", formataddr((one_line(name), clean_address(address)), charset="utf-8"))]


def _header(value: str) -> str:
    """A header value on lines under 78 characters: ASCII folded at spaces, anything else as RFC 2047 encoded
    words (base64, whole characters per word)."""
    if value.isascii() and "=?" not in value:
        lines = [""]
        for word in value.split(" "):
            if lines[-1] and len(lines[-1]) + len(word) > 66:
                lines.append("")
            lines[-1] = f"{lines[-1]} {word}" if lines[-1] else word
        return "\r\n ".join(lines)
    words, chunk = [], b""
    for character in value:
        encoded = character.encode("utf-8")
        if len(chunk) + len(encoded) > 45:  # 60 base64 characters: an encoded word of 72
            words.append(chunk)
            chunk = b""
        chunk += encoded
    words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(word).decode()}?=" for word in words)


def _text_part(subtype: str, text: str, parameters: str = "") -> bytes:
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    if not lines.endswith("\n"):
        lines += "\n"
    encoded = binascii.b2a_qp(lines.replace("\n", "\r\n").encode("utf-8"), istext=True)
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"{parameters}\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode() + encoded


def _multipart(subtype: str, parts: list[bytes]) -> bytes:
    # "=_" never occurs in quoted-printable or base64 text, so the boundary cannot occur in a part.
    boundary = f"=_{secrets.token_hex(12)}".encode()
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
    return (
        b"Content-Type: multipart/"
        + subtype.encode()
        + b'; boundary="'
        + boundary
        + b'"\r\n\r\n'
        + body
        + b"--"
        + boundary
        + b"--\r\n"
    )


def sender() -> tuple[str, str]:
    """MAIL_DEFAULT_SENDER as (name, address); it may be 'Name <address>' or a (name, address) pair."""
    configured = current_app.config["MAIL_DEFAULT_SENDER"]
    if isinstance(configured, tuple | list):
        return one_line(configured[0]), clean_address(configured[1])
    name, address = parseaddr(configured)
    return one_line(name), clean_address(address)
