"""Managing accounts (administrators): invite, change roles, deactivate with handover, reactivate."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func

from ..extensions import db
from ..signals import account_deactivated
from . import trail
from .links import revoke_links, send_link
from .models import LinkPurpose, Organiser, Role
from .services import AccountRefused, create_organiser, end_sessions


def all_accounts():
    return db.session.scalars(db.select(Organiser).order_by(Organiser.active.desc(), Organiser.name)).all()


def colleagues(excluding: Organiser | None = None) -> list[Organiser]:
    """Active accounts that plan events (administrators and organisers), for handover and co-organising."""
    query = db.select(Organiser).where(
        Organiser.active.is_(True), Organiser.role.in_((Role.ADMINISTRATOR, Role.ORGANISER))
    )
    if excluding is not None:
        query = query.where(Organiser.id != excluding.id)
    return list(db.session.scalars(query.order_by(Organiser.name)))


def invite_account(email: str, name: str, role: Role, invited_by: Organiser) -> Organiser:
    """A new account without a password, and a mail with a link to choose one (valid ACCOUNT_WELCOME_HOURS)."""
    organiser = create_organiser(email, name, None, role=role)
    if current_app.config["PASSWORD_LOGIN"]:
        send_link(organiser, LinkPurpose.WELCOME, invited_by=invited_by)
    # Without passwords the colleague signs in with the municipality's account (matched by verified e-mail).
    trail.record("account_invited", "account", organiser.id, f"{organiser.name} ({role.value})")
    return organiser


def resend_welcome(organiser: Organiser, invited_by: Organiser) -> None:
    """A fresh welcome link for an account that has not chosen a password yet (the old link stops working)."""
    if organiser.has_password or not organiser.active:
        raise AccountRefused(_("Dit account heeft al een wachtwoord of is uitgeschakeld."))
    send_link(organiser, LinkPurpose.WELCOME, invited_by=invited_by)
    trail.record("account_invited", "account", organiser.id, organiser.name)


def _other_active_administrators(organiser: Organiser) -> int:
    return db.session.scalar(
        db.select(func.count())
        .select_from(Organiser)
        .where(Organiser.role == Role.ADMINISTRATOR, Organiser.active.is_(True), Organiser.id != organiser.id)
    )


def change_role(organiser: Organiser, role: Role) -> bool:
    """Give the account another role; False if it already had it. The last administrator keeps the role."""
    if organiser.role == role:
        return False
    if organiser.role == Role.ADMINISTRATOR and not _other_active_administrators(organiser):
        raise AccountRefused(_("Er moet altijd minstens één actieve beheerder zijn."))
    before = organiser.role
    organiser.role = role
    db.session.flush()
    trail.record("role_changed", "account", organiser.id, f"{organiser.name}: {before.value} → {role.value}")
    return True


def deactivate_account(organiser: Organiser, successor: Organiser | None) -> int:
    """Switch the account off: its sessions end at once, open links stop working, and its events go to the
    successor (through the account_deactivated signal). Returns how many events were handed over."""
    if not organiser.active:
        return 0
    if organiser.role == Role.ADMINISTRATOR and not _other_active_administrators(organiser):
        raise AccountRefused(_("Er moet altijd minstens één actieve beheerder zijn."))
    if successor is not None and (successor.id == organiser.id or not successor.active or not successor.plans_events):
        raise AccountRefused(_("Kies een actieve collega die bijeenkomsten organiseert."))
    organiser.active = False
    end_sessions(organiser)
    revoke_links(organiser)
    handed_over = sum(count or 0 for _receiver, count in account_deactivated.send(organiser, successor=successor))
    summary = organiser.name + (f" → {successor.name} ({handed_over})" if successor else "")
    trail.record("account_deactivated", "account", organiser.id, summary)
    return handed_over


def reactivate_account(organiser: Organiser) -> bool:
    if organiser.active:
        return False
    organiser.active = True
    db.session.flush()
    trail.record("account_reactivated", "account", organiser.id, organiser.name)
    return True
