"""Every mail of the invitations domain, in one place: one private builder (`_queue`) and thin public verbs.

Every mail is written to the outbox in the same transaction as the change that causes it, in the invitee's
language, with a REQUEST or CANCEL .ics where the mail changes what is in their calendar.

Where the parts come from: the personal link from `links`; the .ics from `ical` (this package's iCalendar
writer, which the calendar domain's feeds use too: calendar is above invitations, so the writer lives here);
the team line from the `Invitation.team` relationship and `Team.summary_for` (teams is above invitations: the
mapper resolves the relationship by name, so nothing here imports teams).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from flask import current_app

from ..events.models import Event
from ..extensions import db
from ..mail.outbox import OutboxKind, queue_mail
from ..mail.rendering import render_mail, sender
from ..web import absolute_url
from .guest_list import who_else_comes
from .ical import invitation_to_ical
from .links import rsvp_url
from .models import HOLDS_PLACE_STATES, Invitation, InvitationState

if TYPE_CHECKING:
    from .answers import AnswerOutcome


def _recipient_locale(invitation: Invitation) -> str:
    return invitation.person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def _organiser_address(event: Event) -> tuple[str, str]:
    """The ORGANIZER of the .ics: the mail sender's address, named after the event's organiser."""
    name, address = sender()
    if event.organiser is not None and not isinstance(current_app.config["MAIL_DEFAULT_SENDER"], tuple | list):
        name = event.organiser.name
    return name or "organiser", address


def _queue(
    invitation: Invitation, kind: OutboxKind, ics_method: Literal["REQUEST", "CANCEL"] | None = None, **context
) -> None:
    """Render one notice (templates/mail/<kind>.*) in the invitee's language and put it in the outbox."""
    person = invitation.person
    if not person.email or person.deleted_at is not None:
        return
    url = rsvp_url(invitation)
    team = invitation.team  # teams is above invitations: reached through the relationship, not imported
    subject, text, html = render_mail(
        kind.value,
        _recipient_locale(invitation),
        invitation=invitation,
        event=invitation.event,
        person=person,
        rsvp_url=url,
        event_url=absolute_url("events.detail", event_id=invitation.event_id),
        team=team.summary_for(invitation) if team is not None else None,
        company=who_else_comes(invitation.event),
        contact=invitation.event.organiser,
        **context,
    )
    ics = None
    if ics_method:
        organiser_name, organiser_email = _organiser_address(invitation.event)
        ics = invitation_to_ical(
            invitation,
            method=ics_method,
            base_url=current_app.config["BASE_URL"],
            tzid=current_app.config["TIMEZONE"],
            rsvp_url=url or "",
            organiser_name=organiser_name,
            organiser_email=organiser_email,
        )
    queue_mail(
        kind=kind,
        to_address=person.email,
        to_name=person.name,
        subject=subject,
        text_body=text,
        html_body=html,
        ics=ics,
        ics_method=ics_method if ics else None,
        event_id=invitation.event_id,
        invitation_id=invitation.id,
    )


def queue_invitation(invitation: Invitation) -> None:
    """The invitation itself, with the personal link and the event in the calendar (REQUEST)."""
    _queue(invitation, OutboxKind.INVITATION, ics_method="REQUEST")


def queue_new_link(invitation: Invitation) -> None:
    """A new personal link (the old one stopped working); the calendar entry again while a place is held."""
    _queue(invitation, OutboxKind.NEW_LINK, ics_method="REQUEST" if invitation.holds_place else None)


def queue_confirmation(invitation: Invitation, outcome: AnswerOutcome) -> None:
    """Confirm an answer: what was recorded, and what happens next."""
    _queue(
        invitation,
        OutboxKind.CONFIRMATION,
        ics_method="CANCEL" if invitation.state == InvitationState.NO else "REQUEST",
        outcome=outcome,
    )


def queue_promotion(invitation: Invitation) -> None:
    """Tell someone from the waiting list that a seat is theirs."""
    _queue(invitation, OutboxKind.PROMOTION, ics_method="REQUEST")


def _notified(event: Event) -> list[Invitation]:
    return list(
        db.session.scalars(
            db.select(Invitation)
            .where(
                Invitation.event_id == event.id,
                Invitation.state.in_(HOLDS_PLACE_STATES),
            )
            .order_by(Invitation.id)
        )
    )


def queue_change_notices(event: Event, changes: dict[str, tuple] | None = None) -> int:
    """Tell everyone invited and not declined that the date, time or place changed (SEQUENCE raised),
    saying what was changed ({field: (before, after)} as update_event returns it)."""
    invitations = _notified(event)
    for invitation in invitations:
        _queue(invitation, OutboxKind.CHANGE, ics_method="REQUEST", changes=changes or {})
    return len(invitations)


def queue_cancellation_notices(event: Event, reason: str = "") -> int:
    """Tell everyone invited and not declined that the event is cancelled (METHOD:CANCEL), with the reason."""
    invitations = _notified(event)
    for invitation in invitations:
        _queue(invitation, OutboxKind.CANCELLATION, ics_method="CANCEL", reason=reason.strip())
    return len(invitations)


def queue_reminder(invitation: Invitation, kind: OutboxKind, days_ahead: int | None = None) -> None:
    """A one-time reminder (OutboxKind.REMINDER before the deadline, DAY_BEFORE the day before). `days_ahead`:
    calendar days from the day the mail is written to the event's day (local time), so that it says "vandaag" for
    an event later the same day and "morgen" only for tomorrow."""
    _queue(invitation, kind, days_ahead=days_ahead)


def queue_withdrawn(invitation: Invitation) -> None:
    """Confirm that the invitee withdrew and their details are removed."""
    _queue(invitation, OutboxKind.WITHDRAWN)


# Receivers (connected in organiser/receivers.py) --------------------------------------------------------------------


def on_event_changed(event: Event, changes: dict[str, tuple] | None = None, **_kwargs) -> int:
    """signals.event_changed: tell everyone holding a place what changed; returns how many were told."""
    return queue_change_notices(event, changes)


def on_event_cancelled(event: Event, reason: str = "", **_kwargs) -> int:
    """signals.event_cancelled: tell everyone holding a place; returns how many were told."""
    return queue_cancellation_notices(event, reason)
