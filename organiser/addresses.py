"""E-mail addresses: the one rule for which addresses organiser accepts, and how it writes them on the wire.

Decided (issue: internationalised addresses): a domain in any script is accepted (`ann@bücher.example`) and
mailed to in its IDNA form (`ann@xn--bcher-kva.example`, RFC 5890), which every mail server understands. A
local part with characters outside ASCII (`jörg@…`) is refused where the address is entered (forms, the import):
it can only be delivered with SMTPUTF8 (RFC 6531) on every server on the way, which an organiser cannot check,
and a mail that cannot leave would fail for that person alone, silently. An address that slipped in before this
rule (or by a path that bypasses it) is never sent to: the sending service skips and marks it (`is_mailable`).
"""

from __future__ import annotations

import contextlib
import functools

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from .refusals import Refusal

#: Longest address SMTP carries (RFC 5321 §4.5.3.1.3, a path of 256 octets with its angle brackets).
MAX_ADDRESS_LENGTH = 254

INVALID = _l("Dit is geen geldig e-mailadres.")
NOT_ASCII = _l(
    "Dit e-mailadres heeft letters met accenten of andere bijzondere tekens vóór de @. Niet elke mailserver kan "
    "zo'n adres bezorgen, dus organiser mailt er niet naartoe. Vraag de persoon om een adres zonder zulke tekens "
    "vóór de @ (na de @ mag wel, zoals bij bücher.example)."
)


class AddressRefused(Refusal, ValueError):
    """An address organiser does not mail to; str(error) says why, in the user's language."""


@functools.lru_cache(maxsize=4096)
def _valid(address: str) -> bool:
    """Whether an address is valid and reachable from the internet (email_validator; no DNS lookup)."""
    try:
        validate_email(address, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        return False
    return True


@functools.lru_cache(maxsize=1024)
def _ascii_domain(domain: str) -> str | None:
    """The IDNA (ASCII) form of an internationalised domain (UTS #46 mapped, as email_validator does), or None."""
    try:
        return validate_email(f"x@{domain}", check_deliverability=False).ascii_domain
    except EmailNotValidError:
        return None


def wire_address(address: str, *, entered: bool = False) -> str:
    """The address as SMTP and mail headers carry it: the domain in its IDNA (ASCII) form, the local part as is.

    `entered`: an address typed or imported must be valid and reachable from the internet (not `x@localhost`);
    a configured one (the sender, `organiser@localhost` in development) or a stored one need only be well-formed
    as far as this goes (rendering.clean_address checks the syntax).

    :raise AddressRefused: not an address, longer than MAX_ADDRESS_LENGTH, or a local part outside ASCII.
    """
    address = (address or "").strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or len(address) > MAX_ADDRESS_LENGTH:
        raise AddressRefused(INVALID)
    if not local.isascii():
        raise AddressRefused(NOT_ASCII)
    if entered and not _valid(address):
        raise AddressRefused(INVALID)
    if domain.isascii():
        return address
    ascii_domain = _ascii_domain(domain)
    if ascii_domain is None:
        raise AddressRefused(INVALID)
    return f"{local}@{ascii_domain}"


def address_forms(address: str) -> frozenset[str]:
    """The forms one address may be written in, lower-cased: as given, with the domain in its IDNA (ASCII) form
    (`ann@xn--bcher-kva.example`, how organiser sends and most servers report it) and in its Unicode form
    (`ann@bücher.example`, how it may have been entered, or a server with SMTPUTF8 reports it, RFC 6533). For
    matching a reported address (a bounce) to a stored one, whichever form each is in. Never raises."""
    address = (address or "").strip().lower()
    local, at, domain = address.rpartition("@")
    forms = {address}
    if not at or not local or not domain:
        return frozenset(forms)
    ascii_domain = domain if domain.isascii() else _ascii_domain(domain)
    if ascii_domain:
        forms.add(f"{local}@{ascii_domain.lower()}")
        with contextlib.suppress(UnicodeError):  # a label that is no valid IDNA: the other forms still match
            forms.add(f"{local}@{ascii_domain.encode('ascii').decode('idna').lower()}")
    return frozenset(forms)


def mail_problem(address: str | None) -> str | None:
    """Why organiser cannot send mail to this (stored) address (see wire_address), or None when it can."""
    try:
        wire_address(address or "")
    except AddressRefused as error:
        return str(error)
    return None


def is_mailable(address: str | None) -> bool:
    """Whether organiser can send mail to this address (see wire_address)."""
    return mail_problem(address) is None


def refusal(address: str) -> str | None:
    """Why organiser does not take this address where it is entered (a message for a form or an import row)."""
    try:
        wire_address(address, entered=True)
    except AddressRefused as error:
        return str(error)
    return None
