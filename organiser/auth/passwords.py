"""Password rules (ASVS 2.1): long enough, not too long to use, not a common or breached password.

Length is what makes a password strong, not composition rules (ASVS 2.1.9), so there are none. Refused:
fewer than 12 or more than 128 characters (a password that can be set can always be used: nothing is
truncated, and the login form takes the same maximum), only spaces, one character repeated or a short
pattern repeated (`aaaaaaaaaaaa`, `abcabcabcabc`), a run such as `123456789012`, the account's own e-mail
address or name, and every password in the list shipped with the app (20,000 common passwords, also with
digits or punctuation around them: `Password1234!`).

The list is Django's `common-passwords.txt.gz` (BSD licence), made by Royce Williams from breached-password
collections; it is read once per process.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

#: ASVS 2.1.1: at least 12 characters.
MIN_PASSWORD_LENGTH = 12
#: ASVS 2.1.2: at least 64 allowed; 128 keeps hashing cheap and is far beyond what anyone types.
MAX_PASSWORD_LENGTH = 128

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")

_SURROUNDING = re.compile(r"^[\d\W_]+|[\d\W_]+$")
_RUNS = ("0123456789" * 2, "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "azertyuiopqsdfghjklmwxcvbn")


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def _repeats_a_pattern(text: str) -> bool:
    """True for a short piece repeated: `aaaa…`, `abab…`, `abcabc…`, `passpasspass`."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return True
    return False


def _is_a_run(text: str) -> bool:
    """True for a stretch of the alphabet, the digits or a keyboard row, forwards or backwards."""
    return any(text in run or text in run[::-1] for run in _RUNS)


def password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """Why this password cannot be used, in the user's language; None when it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Het wachtwoord moet minstens %(num)d tekens hebben.", num=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("Het wachtwoord mag hoogstens %(num)d tekens hebben.", num=MAX_PASSWORD_LENGTH)
    if not password.strip():
        return _("Een wachtwoord van alleen spaties is niet veilig. Kies een zin of een paar losse woorden.")
    folded = password.lower()
    compact = re.sub(r"\s+", "", folded)
    core = _SURROUNDING.sub("", folded)
    if _repeats_a_pattern(compact) or len(set(compact)) < 4 or _is_a_run(compact):
        return _(
            "Dit wachtwoord is te makkelijk te raden (een herhaling of een reeks). Kies iets minder voorspelbaars."
        )
    known = common_passwords()
    if folded in known or compact in known or (core and (core in known or _repeats_a_pattern(core))):
        return _(
            "Dit wachtwoord staat op een lijst van veelgebruikte of uitgelekte wachtwoorden. Kies een ander wachtwoord."
        )
    own = {email.strip().lower(), email.strip().lower().partition("@")[0], name.strip().lower()} - {""}
    if any(part and (folded == part or core == part) for part in own):
        return _("Kies een wachtwoord dat niet uw naam of e-mailadres is.")
    return None


class AcceptablePassword:
    """A WTForms validator for a new password; `email_field` names the field (or form attribute) with the address."""

    def __init__(self, email_attribute: str | None = None) -> None:
        self.email_attribute = email_attribute

    def __call__(self, form, field) -> None:
        email = ""
        if self.email_attribute:
            value = getattr(form, self.email_attribute, "")
            email = getattr(value, "data", value) or ""
        problem = password_problem(field.data or "", email=email)
        if problem:
            raise ValidationError(problem)


PASSWORD_HINT = _l(
    "Minstens %(min)d tekens. Een zin of een paar losse woorden is sterk en goed te onthouden.",
    min=MIN_PASSWORD_LENGTH,
)
