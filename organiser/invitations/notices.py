"""Every mail of the invitations domain, in one place: thin public verbs, and `compose_notice`, which renders one.

Every mail is written to the outbox in the same transaction as the change that causes it, in the invitee's
language, with a REQUEST or CANCEL .ics where the mail changes what is in their calendar. It is written as facts
(deferred_notices.record_notice: kind, invitation, subject, the answer and what else the mail says) and rendered
by the worker just before it is sent, with the personal link derived then: no outbox row holds a working link
or a note (issue 15). `compose_notice` renders a notice whole in the request (the preview shows exactly that).

Where the parts come from: the personal link from `links`; the .ics from `ical` (this package's iCalendar
writer, which the calendar domain's feeds use too: calendar is above invitations, so the writer lives here);
the team line from the `Invitation.team` relationship and `Team.summary_for` (teams is above invitations: the
mapper resolves the relationship by name, so nothing here imports teams).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from flask import current_app
from flask_babel import force_locale

from ..events.models import Event
from ..extensions import db, utcnow
from ..inbox.addresses import inbox_configured
from ..mail.outbox import OutboxKind, supersede_unsent
from ..mail.rendering import QR_CONTENT_ID, render_mail, sender
from ..web import absolute_url
from . import deferred_notices
from .guest_list import who_else_comes
from .ical import invitation_to_ical
from .itip_parts import calendar_status_lines
from .models import HOLDS_PLACE_STATES, Invitation, InvitationState
from .reply_keys import organizer_address

if TYPE_CHECKING:
    from .answers import AnswerOutcome


#: Mails that confirm a place (or a place on the waiting list) carry the invitee's QR code for the door.


def _recipient_locale(invitation: Invitation) -> str:
    return invitation.person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def _organiser_name(invitation: Invitation) -> str:
    """The name on the ORGANIZER: the event's organiser, unless the sender setting gives a fixed name."""
    name = sender()[0]
    organiser = invitation.event.organiser
    if organiser is not None and not isinstance(current_app.config["MAIL_DEFAULT_SENDER"], tuple | list):
        name = organiser.name
    return name or "organiser"


def _organiser_address(invitation: Invitation) -> str:
    """The bare address of the ORGANIZER: the reply mailbox plus-addressed for this invitation when organiser
    reads one (reply_keys.py; the key is made now if the invitation has none), else the sender, whose mailbox
    nobody reads (the mail then says so and asks for no reply)."""
    return organizer_address(invitation) or sender()[1]


@dataclass(frozen=True)
class ComposedMail:
    """One notice as the invitee receives it: subject, text, HTML and the calendar part, in their language."""

    locale: str
    subject: str
    text: str
    html: str
    ics: str | None
    ics_method: str | None


def compose_notice(
    invitation: Invitation,
    kind: OutboxKind,
    *,
    rsvp_link: str | None,
    organiser_email: str,
    sequence: int,
    stamp: datetime,
    ics_method: Literal["REQUEST", "CANCEL", "DECLINECOUNTER"] | None = None,
    waiting_position: int | None = None,
    locale: str | None = None,
    qr_url: str | None = None,
    **context,
) -> ComposedMail:
    """Render one notice (templates/mail/<kind>.*) and its calendar part; changes nothing (the preview shows
    exactly this, with a placeholder link). `locale` defaults to the invitee's own language; the calendar part
    is written in that language too (its route, host and "more information" lines). With `qr_url`, the HTML
    shows that URL's QR code (the inline image the outbox row adds, mail/rendering.py)."""
    person = invitation.person
    team = invitation.team  # teams is above invitations: reached through the relationship, not imported
    locale = locale or _recipient_locale(invitation)
    subject, text, html = render_mail(
        kind.value,
        locale,
        invitation=invitation,
        event=invitation.event,
        person=person,
        rsvp_url=rsvp_link,
        event_url=absolute_url("events.detail", event_id=invitation.event_id),
        team=team.summary_for(invitation) if team is not None else None,
        company=who_else_comes(invitation.event),
        contact=invitation.event.organiser,
        calendar_answers=inbox_configured(),
        qr_src=f"cid:{QR_CONTENT_ID}" if qr_url else None,
        **context,
    )
    ics = None
    if ics_method:
        with force_locale(locale):
            lines = calendar_status_lines(invitation, waiting_position) if ics_method != "CANCEL" else []
            ics = invitation_to_ical(
                invitation,
                method=ics_method,
                base_url=current_app.config["BASE_URL"],
                tzid=current_app.config["TIMEZONE"],
                organiser_name=_organiser_name(invitation),
                organiser_email=organiser_email,
                sequence=sequence,
                stamp=stamp,
                rsvp=inbox_configured(),
                status_lines=lines,
            )
    return ComposedMail(locale, subject, text, html, ics, ics_method if ics else None)


def _record(
    invitation: Invitation,
    kind: OutboxKind,
    ics_method: Literal["REQUEST", "CANCEL", "DECLINECOUNTER"] | None = None,
    not_before: datetime | None = None,
    **context,
) -> None:
    """Record one notice as facts (deferred_notices.record_notice), with what else its template is told.

    A calendar part is stamped with the moment the notice is recorded and carries the invitee's next SEQUENCE, so
    that it supersedes every earlier message to them in every client (RFC 5546); Reply-To is the event's organiser.
    """
    deferred_notices.record_notice(invitation, kind, ics_method=ics_method, not_before=not_before, context=context)


def queue_invitation(invitation: Invitation) -> None:
    """The invitation itself, with the personal link and the event in the calendar (REQUEST); recorded as facts,
    rendered by the worker (deferred_notices; a whole send goes through sending.send_invitations)."""
    deferred_notices.record_notice(invitation, OutboxKind.INVITATION, ics_method="REQUEST")


def queue_new_link(invitation: Invitation) -> None:
    """A new personal link (the old one stopped working); the calendar entry again while a place is held.

    Once no answer can be given any more (Event.takes_answers: the event has started or was cancelled), the mail
    does not speak of answering (the link then shows what is stored, and the questions after the encounter) and
    carries no calendar part: a REQUEST would ask for an answer again, and for a cancelled event would put it back
    in the invitee's calendar (RFC 5546 §3.2.2: a REQUEST with a higher SEQUENCE replaces the CANCEL they had)."""
    event = invitation.event
    now = utcnow()
    if not event.takes_answers(now):
        _record(invitation, OutboxKind.NEW_LINK, answering_closed="over" if event.ends_at <= now else "closed")
        return
    _record(invitation, OutboxKind.NEW_LINK, ics_method="REQUEST" if invitation.holds_place else None)


def confirmation_subjects(invitation: Invitation, wanted: InvitationState) -> dict:
    """The confirmation's subject for each answer `wanted` can lead to (a yes may end on the waiting list), made
    before the answer takes the event's lock (see queue_confirmation)."""
    states = [wanted, InvitationState.WAITING] if wanted == InvitationState.YES else [wanted]
    return deferred_notices.subjects_for(invitation, OutboxKind.CONFIRMATION, states)


def queue_confirmation(invitation: Invitation, outcome: AnswerOutcome, subjects: dict | None = None) -> None:
    """Confirm an answer: what was recorded, and what happens next.

    One settled change, one confirmation: it waits CONFIRMATION_DELAY_SECONDS, and a later answer within that
    time replaces it (a double click, or yes → maybe → no, sends one mail with the final state; its calendar
    part carries a higher SEQUENCE than anything sent before).
    """
    supersede_unsent(invitation.id, OutboxKind.CONFIRMATION)
    delay = timedelta(seconds=float(current_app.config.get("CONFIRMATION_DELAY_SECONDS") or 0))
    # Recorded as facts (cheap, inside the event's lock); the worker renders it (deferred_notices).
    deferred_notices.record_notice(
        invitation,
        OutboxKind.CONFIRMATION,
        ics_method="CANCEL" if invitation.state == InvitationState.NO else "REQUEST",
        waiting_position=outcome.waiting_position,
        plus_ones_refused=outcome.plus_ones_refused,
        free_seats=outcome.free_seats,
        not_before=utcnow() + delay,
        subjects=subjects,
    )


def confirmation_row(
    invitation: Invitation, outcome: AnswerOutcome, *, plus_ones: int, sequence: int, subjects: dict | None
) -> dict | None:
    """The confirmation of an answer as an outbox row, not written yet (answers: written in the one statement
    after the event's lock, settling.py): the same mail as `queue_confirmation`, saying `outcome.state` with
    `plus_ones` and carrying calendar SEQUENCE `sequence`. None when the invitee cannot be mailed."""
    delay = timedelta(seconds=float(current_app.config.get("CONFIRMATION_DELAY_SECONDS") or 0))
    return deferred_notices.notice_row(
        invitation,
        OutboxKind.CONFIRMATION,
        ics_method="CANCEL" if outcome.state == InvitationState.NO else "REQUEST",
        state=outcome.state,
        plus_ones=plus_ones,
        sequence=sequence,
        waiting_position=outcome.waiting_position,
        plus_ones_refused=outcome.plus_ones_refused,
        free_seats=outcome.free_seats,
        not_before=utcnow() + delay,
        subjects=subjects,
    )


def queue_promotion(invitation: Invitation) -> None:
    """Tell someone from the waiting list that a seat is theirs (facts; the worker renders it)."""
    deferred_notices.record_notice(invitation, OutboxKind.PROMOTION, ics_method="REQUEST")


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
        _record(invitation, OutboxKind.CHANGE, ics_method="REQUEST", changes=changes or {})
    return len(invitations)


def queue_route_notices(event: Event) -> int:
    """Tell everyone holding a place that the route changed, with the route as it is now. Like a confirmation it
    waits CONFIRMATION_DELAY_SECONDS and a later change replaces it: an organiser editing five stops in a row
    sends one notice, not five."""
    invitations = _notified(event)
    not_before = utcnow() + timedelta(seconds=float(current_app.config.get("CONFIRMATION_DELAY_SECONDS") or 0))
    for invitation in invitations:
        supersede_unsent(invitation.id, OutboxKind.ROUTE_CHANGE)
        _record(invitation, OutboxKind.ROUTE_CHANGE, ics_method="REQUEST", not_before=not_before)
    return len(invitations)


def queue_cancellation_notices(event: Event, reason: str = "") -> int:
    """Tell everyone invited and not declined that the event is cancelled (METHOD:CANCEL), with the reason."""
    invitations = _notified(event)
    for invitation in invitations:
        _record(invitation, OutboxKind.CANCELLATION, ics_method="CANCEL", reason=reason.strip())
    return len(invitations)


def queue_reminder(invitation: Invitation, kind: OutboxKind, days_ahead: int | None = None) -> None:
    """A one-time reminder (OutboxKind.REMINDER before the deadline, DAY_BEFORE the day before). `days_ahead`:
    calendar days from the day the mail is written to the event's day (local time), so that it says "vandaag" for
    an event later the same day and "morgen" only for tomorrow."""
    _record(invitation, kind, days_ahead=days_ahead)


def queue_withdrawn(invitation: Invitation, held_place: bool = False) -> None:
    """Confirm that the invitee withdrew and their details are removed; a calendar entry they had goes (CANCEL)."""
    _record(invitation, OutboxKind.WITHDRAWN, ics_method="CANCEL" if held_place else None)


def queue_calendar_answer(
    invitation: Invitation,
    reason: str,
    ics_method: Literal["REQUEST", "CANCEL", "DECLINECOUNTER"] | None = "REQUEST",
    **context,
) -> None:
    """A calendar answer changed nothing (`reason`: deadline, cancelled, other_address, unreadable, refused) or
    proposed another time (counter): say why, and put the calendar entry back to what organiser holds."""
    if reason == "cancelled":
        ics_method = "CANCEL"
    elif invitation.state == InvitationState.NO and ics_method == "REQUEST":
        ics_method = None  # not coming: there is no entry to put back
    _record(invitation, OutboxKind.CALENDAR_ANSWER, ics_method=ics_method, reason=reason, **context)


# Receivers (connected in organiser/receivers.py) --------------------------------------------------------------------


def on_event_changed(event: Event, changes: dict[str, tuple] | None = None, **_kwargs) -> int:
    """signals.event_changed: tell everyone holding a place what changed; returns how many were told."""
    return queue_change_notices(event, changes)


def on_route_changed(event: Event, **_kwargs) -> int:
    """signals.route_changed: tell everyone holding a place about the new route; returns how many were told."""
    return queue_route_notices(event)


def on_event_cancelled(event: Event, reason: str = "", **_kwargs) -> int:
    """signals.event_cancelled: tell everyone holding a place; returns how many were told."""
    return queue_cancellation_notices(event, reason)
