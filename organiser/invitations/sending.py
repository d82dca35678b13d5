"""Sending the invitations of an event, and a new personal link for one invitee."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .. import addresses
from ..events.models import Event, EventStatus
from ..extensions import db, utcnow
from ..people.directory import mailable
from . import notices
from .links import issue_rsvp_token
from .models import Invitation, InvitationState


class SendRefused(Exception):
    """Invitations cannot be sent for this event now; carries the message saying why and what to do."""

    OVER = _l("Voor een afgelaste of afgelopen bijeenkomst kunnen geen uitnodigingen meer worden verstuurd.")
    DRAFT = _l(
        "Deze bijeenkomst is nog een concept: genodigden zouden een uitnodiging krijgen voor iets dat nog niet in "
        "de agenda staat. Publiceer de bijeenkomst eerst; daarna kunt u de uitnodigingen versturen."
    )
    DEADLINE = _l(
        "De reactietermijn is voorbij: genodigden zouden alleen nog kunnen afzeggen. Zet eerst een latere "
        "reactietermijn (of geen) bij de bijeenkomst; daarna kunt u de uitnodigingen versturen."
    )

    def __init__(self, message=OVER) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def why_not_send(event: Event, now: datetime | None = None) -> SendRefused | None:
    """Why invitations cannot be sent now (shown on the send page before the organiser tries), or None."""
    now = now or utcnow()
    if event.status == EventStatus.CANCELLED or event.ends_at <= now:
        return SendRefused(SendRefused.OVER)
    if event.status == EventStatus.DRAFT:
        return SendRefused(SendRefused.DRAFT)
    if event.rsvp_deadline is not None and event.rsvp_deadline <= now:
        return SendRefused(SendRefused.DEADLINE)
    return None


def why_skipped(invitation: Invitation) -> str | None:
    """Why send_invitations would pass this invitation by (no address, inactive, an address organiser cannot mail),
    for the send page and its report; None when it would be sent."""
    person = invitation.person
    if not person.email or person.deleted_at is not None:
        return _("geen e-mailadres")
    if not person.active:
        return _("niet actief")
    reason = addresses.mail_problem(person.email)
    if reason is not None:
        return _("organiser kan niet naar dit e-mailadres mailen")
    return None


def skipped_message(skipped: list[Invitation], *, sent: int) -> str:
    """What the organiser is told about the chosen invitees send_invitations passed by (with why_skipped)."""
    names = ", ".join(f"{i.person.name} ({why_skipped(i)})" for i in skipped)
    if sent:
        return ngettext(
            "Niet verstuurd aan %(num)d persoon: %(names)s. Verbeter het e-mailadres in het adresboek.",
            "Niet verstuurd aan %(num)d mensen: %(names)s. Verbeter de e-mailadressen in het adresboek.",
            len(skipped),
            names=names,
        )
    return ngettext(
        "Er is niets verstuurd: %(names)s kan geen uitnodiging krijgen.",
        "Er is niets verstuurd: niemand van de %(num)d gekozen mensen kan een uitnodiging krijgen (%(names)s).",
        len(skipped),
        names=names,
    )


def send_invitations(event: Event, invitation_ids: list[int] | None = None, now: datetime | None = None) -> int:
    """Send the invitation mail (with personal link and .ics) to everyone on the list not yet invited,
    or to the chosen ones; returns how many were queued. Who has no address, is inactive, or has an address
    organiser cannot mail (marked so: people.directory.mailable) stays on the list, not invited.

    :raise SendRefused: the event is cancelled, over, a draft, or its reply deadline has passed.
    """
    now = now or utcnow()
    refusal = why_not_send(event, now)
    if refusal is not None:
        raise refusal
    query = db.select(Invitation).where(Invitation.event_id == event.id, Invitation.state == InvitationState.LISTED)
    if invitation_ids is not None:
        query = query.where(Invitation.id.in_(invitation_ids))
    count = 0
    for invitation in db.session.scalars(query.order_by(Invitation.id)).all():
        # One address organiser cannot mail is skipped (and marked in the directory), never the whole batch.
        if not invitation.person.active or not mailable(invitation.person, now):
            continue
        issue_rsvp_token(invitation)
        invitation.state = InvitationState.INVITED
        invitation.sent_at = now
        db.session.flush()
        notices.queue_invitation(invitation)
        count += 1
    return count


def reissue_link(invitation: Invitation) -> None:
    """A new personal link, mailed again; the old link stops working."""
    issue_rsvp_token(invitation)
    notices.queue_new_link(invitation)
