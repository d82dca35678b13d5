"""The second factor for password logins: TOTP (an authenticator app) with one-time recovery codes.

Required for administrators (ASVS L2 for administrative access) or for everyone (MFA_REQUIRED_FOR = "all").
A code is accepted once: the last accepted time step is stored, so a code seen over someone's shoulder cannot
be used again within its 30 seconds. Recovery codes are random, stored as SHA-256, used once. Wrong codes are
rate-limited per account (RATE_LIMIT_MFA), so six digits cannot be guessed.
"""

from __future__ import annotations

import secrets
import time

import pyotp
import segno
from flask import current_app
from markupsafe import Markup
from sqlalchemy import update

from ..extensions import db, rows_matched, utcnow
from ..tokens import hash_token
from .models import Organiser, RecoveryCode, Role

ISSUER = "organiser"
RECOVERY_CODES = 10
#: One step either side: a phone clock a little off still works.
VALID_WINDOW = 1


def mfa_required(organiser: Organiser) -> bool:
    """Whether this account must use a second factor with its password."""
    setting = current_app.config["MFA_REQUIRED_FOR"]
    return setting == "all" or (setting == "administrator" and organiser.role == Role.ADMINISTRATOR)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(organiser: Organiser, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=organiser.email, issuer_name=ISSUER)


def qr_svg(uri: str, label: str) -> Markup:
    """The otpauth URI as an inline SVG QR code (no image service, no script), named for screen readers."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=2)
    # Safe: segno writes the SVG from the URI's bits (no text of the URI in it); the label is escaped.
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(label)}" ', 1))  # noqa: S704


def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    current = int(now // totp.interval)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def enrol(organiser: Organiser, secret: str, code: str) -> list[str] | None:
    """Switch TOTP on once the app shows a right code; returns new recovery codes (shown once), else None."""
    step = _matching_step(secret, code)
    if step is None:
        return None
    organiser.totp_secret = secret
    organiser.totp_last_step = step
    return new_recovery_codes(organiser)


def verify_totp(organiser: Organiser, code: str) -> bool:
    """A right code not used before; claimed with a guarded UPDATE so two requests cannot both use it."""
    if not organiser.totp_secret:
        return False
    step = _matching_step(organiser.totp_secret, code)
    if step is None:
        return False
    claimed = rows_matched(
        db.session.execute(
            update(Organiser)
            .where(
                Organiser.id == organiser.id,
                (Organiser.totp_last_step.is_(None)) | (Organiser.totp_last_step < step),
            )
            .values(totp_last_step=step)
        )
    )
    db.session.flush()
    return claimed == 1


def new_recovery_codes(organiser: Organiser) -> list[str]:
    """Ten fresh recovery codes (the old ones stop working), returned once to show; only hashes are kept."""
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.organiser_id == organiser.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        code = secrets.token_hex(5)  # 40 bits, written as 10 characters
        codes.append(f"{code[:5]}-{code[5:]}")
        db.session.add(RecoveryCode(organiser_id=organiser.id, code_hash=hash_token(code)))
    db.session.flush()
    return codes


def use_recovery_code(organiser: Organiser, code: str) -> bool:
    """Log in with a recovery code instead of the app; each works once."""
    cleaned = "".join(ch for ch in code.lower() if ch.isalnum())
    if len(cleaned) != 10:
        return False
    claimed = rows_matched(
        db.session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.organiser_id == organiser.id,
                RecoveryCode.code_hash == hash_token(cleaned),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=utcnow())
        )
    )
    db.session.flush()
    return claimed == 1


def remaining_recovery_codes(organiser: Organiser) -> int:
    return sum(1 for code in organiser.recovery_codes if code.used_at is None)


def switch_off(organiser: Organiser) -> None:
    organiser.totp_secret = None
    organiser.totp_last_step = None
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.organiser_id == organiser.id))
    db.session.flush()
