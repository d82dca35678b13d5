"""Account management for administrators: the accounts, inviting, roles, deactivating, and the trail."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..forms import EmptyForm, add_error, choice_list, parse_record_id, required
from ..web import page_number
from . import trail
from .accounts import (
    all_accounts,
    change_role,
    colleagues,
    deactivate_account,
    invite_account,
    reactivate_account,
    resend_welcome,
)
from .forms import DeactivateForm, InviteAccountForm, RoleForm
from .models import Organiser, Role
from .roles import admin_required
from .services import AccountRefused

bp = Blueprint("accounts", __name__, url_prefix="/accounts")

TRAIL_PER_PAGE = 50


def _deactivate_form(organiser: Organiser, formdata=None) -> DeactivateForm:
    form = DeactivateForm(formdata)
    form.successor.choices = choice_list(
        [("", _("Niemand"))] + [(str(c.id), c.name) for c in colleagues(excluding=organiser)]
    )
    return form


@bp.get("")
@admin_required
def index():
    """Every account, active ones first, with a form to invite a new one."""
    return render_template("auth/accounts.html", accounts=all_accounts(), form=InviteAccountForm())


@bp.post("")
@admin_required
def invite():
    """Create an account and mail its owner a link to choose a password."""
    form = InviteAccountForm()
    if form.validate_on_submit():
        try:
            organiser = invite_account(
                required(form.email.data), required(form.name.data), Role(form.role.data), current_user
            )
        except AccountRefused as error:
            db.session.rollback()
            add_error(form.email, str(error))
        else:
            db.session.commit()
            flash(
                _("%(name)s krijgt een e-mail met een link om een wachtwoord te kiezen.", name=organiser.name),
                "success",
            )
            return redirect(url_for("accounts.detail", account_id=organiser.id))
    return render_template("auth/accounts.html", accounts=all_accounts(), form=form), 400


@bp.get("/<int:account_id>")
@admin_required
def detail(account_id: int):
    """One account: its role, whether it is active, and what an administrator can do with it."""
    organiser = db.get_or_404(Organiser, account_id)
    role_form = RoleForm(role=organiser.role.value)
    entries = db.session.scalars(trail.recent_entries("account", organiser.id).limit(20)).all()
    return render_template(
        "auth/account_detail.html",
        account=organiser,
        role_form=role_form,
        deactivate_form=_deactivate_form(organiser),
        entries=entries,
        action_labels=trail.ACTION_LABELS,
    )


def _refused(account_id: int, error: AccountRefused):
    db.session.rollback()
    flash(str(error), "error")
    return redirect(url_for("accounts.detail", account_id=account_id))


@bp.post("/<int:account_id>/role")
@admin_required
def set_role(account_id: int):
    """Give the account another role."""
    organiser = db.get_or_404(Organiser, account_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            changed = change_role(organiser, Role(form.role.data))
        except AccountRefused as error:
            return _refused(account_id, error)
        db.session.commit()
        if changed:
            flash(_("%(name)s is nu %(role)s.", name=organiser.name, role=organiser.role.label.lower()), "success")
    return redirect(url_for("accounts.detail", account_id=account_id))


@bp.post("/<int:account_id>/deactivate")
@admin_required
def deactivate(account_id: int):
    """Switch the account off (its sessions end at once) and hand its events over."""
    organiser = db.get_or_404(Organiser, account_id)
    form = _deactivate_form(organiser, request.form)
    if form.validate_on_submit():
        successor_id = parse_record_id(form.successor.data) if form.successor.data else None
        successor = db.session.get(Organiser, successor_id) if successor_id else None
        try:
            count = deactivate_account(organiser, successor)
        except AccountRefused as error:
            return _refused(account_id, error)
        db.session.commit()
        message = _("%(name)s kan niet meer inloggen.", name=organiser.name)
        if successor is not None:
            message += " " + _(
                "%(count)d bijeenkomst(en) zijn overgedragen aan %(successor)s.", count=count, successor=successor.name
            )
        flash(message, "success")
    return redirect(url_for("accounts.detail", account_id=account_id))


@bp.post("/<int:account_id>/reactivate")
@admin_required
def reactivate(account_id: int):
    """Switch the account on again."""
    organiser = db.get_or_404(Organiser, account_id)
    if EmptyForm().validate_on_submit() and reactivate_account(organiser):
        db.session.commit()
        flash(_("%(name)s kan weer inloggen.", name=organiser.name), "success")
    return redirect(url_for("accounts.detail", account_id=account_id))


@bp.post("/<int:account_id>/welcome")
@admin_required
def resend(account_id: int):
    """Send a fresh welcome link (the earlier one stops working)."""
    organiser = db.get_or_404(Organiser, account_id)
    if EmptyForm().validate_on_submit():
        try:
            resend_welcome(organiser, current_user)
        except AccountRefused as error:
            return _refused(account_id, error)
        db.session.commit()
        flash(_("%(name)s krijgt een nieuwe link om een wachtwoord te kiezen.", name=organiser.name), "success")
    return redirect(url_for("accounts.detail", account_id=account_id))


@bp.get("/trail")
@admin_required
def trail_page():
    """Who did what and when, newest first."""
    subject_type = request.args.get("over", "")
    if subject_type not in trail.SUBJECT_LABELS:
        subject_type = ""
    subject_id = parse_record_id(request.args.get("id", "")) if subject_type else None
    page = db.paginate(
        trail.recent_entries(subject_type, subject_id), page=page_number(), per_page=TRAIL_PER_PAGE, error_out=False
    )
    return render_template(
        "auth/trail.html",
        page=page,
        subject_type=subject_type,
        subject_id=subject_id,
        action_labels=trail.ACTION_LABELS,
        subject_labels=trail.SUBJECT_LABELS,
    )
