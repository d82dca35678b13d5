"""What a change to a person means for their invitations (receivers of the people domain's signals)."""

from __future__ import annotations

from flask_babel import gettext as _

from ..auth.models import Organiser
from ..events.access import may_manage
from ..events.models import Event, EventStatus
from ..extensions import db, utcnow
from ..people.models import Person
from .links import issue_rsvp_token
from .models import Invitation, InvitationState
from .sending import reissue_link

#: States in which an invitation holds or waits for a place (a new link is mailed after an address change).
OPEN_STATES = (InvitationState.INVITED, InvitationState.YES, InvitationState.MAYBE, InvitationState.WAITING)


def others_events(person: Person, account: Organiser) -> list[Event]:
    """Upcoming, not cancelled events this person is on the list of that the account does not manage."""
    events = db.session.scalars(
        db.select(Event)
        .join(Invitation, Invitation.event_id == Event.id)
        .where(Invitation.person_id == person.id, Event.status != EventStatus.CANCELLED, Event.ends_at > utcnow())
        .order_by(Event.starts_at)
    ).all()
    return [event for event in events if not may_manage(event, account)]


def refuse_change_touching_others_events(person: Person, account: Organiser, change: str) -> str | None:
    """Receiver of person_change_requested: a change that reaches a colleague's event goes through them."""
    events = others_events(person, account)
    if not events:
        return None
    owners = sorted({event.organiser.name for event in events if event.organiser is not None})
    return _(
        "%(name)s staat op de gastenlijst van een bijeenkomst van een collega (%(events)s). Zo'n wijziging raakt die "
        "bijeenkomst: vraag het aan %(owners)s of aan een beheerder.",
        name=person.name,
        events=", ".join(event.title for event in events[:3]),
        owners=", ".join(owners) or _("de organisator"),
    )


def renew_links_after_email_change(person: Person, old_email: str) -> int:
    """Receiver of person_email_changed: every personal link mailed to the old address stops working; for an
    upcoming event the person is still invited to, a new link goes to the new address. Returns mails queued."""
    now = utcnow()
    invitations = db.session.scalars(
        db.select(Invitation).where(Invitation.person_id == person.id, Invitation.token_hash.is_not(None))
    ).all()
    mailed = 0
    for invitation in invitations:
        event = invitation.event
        upcoming = event.status != EventStatus.CANCELLED and event.ends_at > now
        if upcoming and invitation.state in OPEN_STATES and person.email:
            reissue_link(invitation)
            mailed += 1
        else:
            issue_rsvp_token(invitation)
    return mailed
