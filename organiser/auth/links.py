"""One-time account links: a welcome link for an invited account, a reset link for a forgotten password.

Random (256 bits), stored only as SHA-256, short-lived (ACCOUNT_WELCOME_HOURS, PASSWORD_RESET_MINUTES), used
once: a guarded UPDATE claims the link, so two tabs submitting at once cannot both use it. A new link of the
same kind, a password change and a deactivation make every open link of the account worthless.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import update

from ..extensions import db, rows_matched, utcnow
from ..mail.models import OutboxKind
from ..mail.outbox import queue_mail
from ..mail.rendering import render_mail
from ..tokens import hash_token, looks_like_token, new_token
from ..web import absolute_url
from .models import AccountLink, LinkPurpose, Organiser
from .services import AccountRefused, change_password


def lifetime(purpose: LinkPurpose) -> timedelta:
    if purpose == LinkPurpose.WELCOME:
        return timedelta(hours=current_app.config["ACCOUNT_WELCOME_HOURS"])
    return timedelta(minutes=current_app.config["PASSWORD_RESET_MINUTES"])


def revoke_links(organiser: Organiser, purpose: LinkPurpose | None = None, now: datetime | None = None) -> None:
    """Every open link of the account (of one purpose, or all) stops working."""
    query = update(AccountLink).where(AccountLink.organiser_id == organiser.id, AccountLink.used_at.is_(None))
    if purpose is not None:
        query = query.where(AccountLink.purpose == purpose)
    db.session.execute(query.values(used_at=now or utcnow()))
    db.session.flush()


def issue_link(organiser: Organiser, purpose: LinkPurpose, now: datetime | None = None) -> str:
    """A new link (the token, only here and in the mail); earlier open links of this purpose stop working."""
    now = now or utcnow()
    revoke_links(organiser, purpose, now)
    token = new_token()
    db.session.add(
        AccountLink(
            organiser_id=organiser.id,
            purpose=purpose,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + lifetime(purpose),
        )
    )
    db.session.flush()
    return token


def send_link(organiser: Organiser, purpose: LinkPurpose, invited_by: Organiser | None = None) -> None:
    """Issue a link and queue the mail that carries it, in the current transaction."""
    token = issue_link(organiser, purpose)
    kind = OutboxKind.ACCOUNT_WELCOME if purpose == LinkPurpose.WELCOME else OutboxKind.ACCOUNT_RESET
    subject, text, html = render_mail(
        kind.value,
        organiser.locale or current_app.config["BABEL_DEFAULT_LOCALE"],  # the language the account chose
        organiser=organiser,
        invited_by=invited_by,
        link=absolute_url("auth.set_password", token=token),
        hours=current_app.config["ACCOUNT_WELCOME_HOURS"],
        minutes=current_app.config["PASSWORD_RESET_MINUTES"],
    )
    queue_mail(
        kind=kind,
        to_address=organiser.email,
        to_name=organiser.name,
        subject=subject,
        text_body=text,
        html_body=html,
    )


def find_link(token: str, now: datetime | None = None) -> AccountLink | None:
    """The open link for this token (unused, not expired, of an active account); None otherwise, whatever the
    reason, so that a page cannot tell an unknown link from a used or expired one."""
    if not looks_like_token(token):
        return None
    link = db.session.scalar(db.select(AccountLink).where(AccountLink.token_hash == hash_token(token)))
    now = now or utcnow()
    if link is None or link.used_at is not None or link.expires_at <= now or not link.organiser.active:
        return None
    return link


def use_link(link: AccountLink, password: str, now: datetime | None = None) -> Organiser:
    """Set the account's password through the link, once; AccountRefused when the password is not acceptable or
    the link was used in the meantime. Every other session and open link of the account ends."""
    now = now or utcnow()
    organiser = link.organiser
    change_password(organiser, password)  # refuses before the link is spent: a typo does not cost the link
    claimed = rows_matched(
        db.session.execute(
            update(AccountLink).where(AccountLink.id == link.id, AccountLink.used_at.is_(None)).values(used_at=now)
        )
    )
    if claimed != 1:
        raise AccountRefused(_("Deze link is al gebruikt. Vraag zo nodig een nieuwe aan."))
    revoke_links(organiser, None, now)
    return organiser
