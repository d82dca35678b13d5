"""The invitee's rights, through their personal link: see everything stored about them, download it, withdraw from
one event, or have everything erased (personal_data.py does the work)."""

from __future__ import annotations

import json

from flask import Blueprint, make_response, redirect, render_template, url_for

from .. import retention
from ..extensions import db
from ..forms import EmptyForm
from ..ratelimit import limit_token_requests
from . import answers as answering
from . import links, personal_data
from .models import STATE_LABELS
from .views import _link_not_working, _private

bp = Blueprint("rights", __name__)


@bp.get("/rsvp/<token>/data")
@limit_token_requests
def my_data(token: str):
    """Everything stored about the invitee (all their invitations, the mail sent to them), and what they can do."""
    invitation = links.find_invitation_by_token(token)
    if invitation is None:
        return _link_not_working()
    return _private(
        make_response(
            render_template(
                "invitations/my_data.html",
                invitation=invitation,
                data=personal_data.stored_data(invitation.person),
                token=token,
                state_labels=STATE_LABELS,
                policy=retention.POLICY,
            )
        )
    )


@bp.get("/rsvp/<token>/data.json")
@limit_token_requests
def download(token: str):
    """The same, as a JSON file to keep or to take elsewhere."""
    invitation = links.find_invitation_by_token(token)
    if invitation is None:
        return _link_not_working()
    document = personal_data.export(personal_data.stored_data(invitation.person))
    response = make_response(json.dumps(document, ensure_ascii=False, indent=2))
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = 'attachment; filename="mijn-gegevens.json"'
    return _private(response)


@bp.post("/rsvp/<token>/withdraw")
@limit_token_requests
def withdraw(token: str):
    """Withdraw from this event: the answer becomes no, the note is removed, and this link stops working."""
    invitation = links.find_invitation_by_token(token)
    if invitation is None:
        return _link_not_working()
    if EmptyForm().validate_on_submit():
        answering.withdraw(invitation)
        db.session.commit()
        return _private(make_response(render_template("invitations/withdrawn.html", event=invitation.event)))
    return _private(redirect(url_for("rights.my_data", token=token)))


@bp.post("/rsvp/<token>/erase")
@limit_token_requests
def erase(token: str):
    """Erase everything about the invitee, as the organiser's delete does; every link of theirs stops working."""
    invitation = links.find_invitation_by_token(token)
    if invitation is None:
        return _link_not_working()
    if EmptyForm().validate_on_submit():
        personal_data.erase(invitation.person)
        db.session.commit()
        return _private(make_response(render_template("invitations/erased.html")))
    return _private(redirect(url_for("rights.my_data", token=token)))
