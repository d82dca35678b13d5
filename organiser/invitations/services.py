"""Invitations, RSVP answers, the waiting list and the notices they cause.

Seats are taken and given back only through guarded UPDATE statements
(`seats_taken + n <= capacity`), and an answer first claims its own invitation row with an UPDATE
guarded by the state it was read in. Both hold on SQLite (one writer at a time) and on PostgreSQL
(row locks, WHERE re-checked after a wait), so concurrent answers never overbook.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, func, insert, or_, update
from sqlalchemy.orm import joinedload

from ..events.models import Event, EventStatus, Initiative
from ..extensions import db, utcnow
from ..i18n import to_local
from ..inbox.addresses import inbox_configured
from ..people.models import ROLE_LABELS, ContactRole, Department, Person, PersonKind, person_initiative
from ..people.services import DirectoryFilter, directory_query
from ..tokens import hash_token, looks_like_token
from .models import AnswerSource, Invitation, InvitationState
from .reply_keys import organizer_address, revoke_reply_key

# Personal links ---------------------------------------------------------------------------------


def _derive_token(nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, b"rsvp:" + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue_rsvp_token(invitation: Invitation) -> str:
    """A new personal RSVP token (256 bits); any earlier link stops working. Returns the token."""
    invitation.token_nonce = secrets.token_urlsafe(32)
    token = _derive_token(invitation.token_nonce)
    invitation.token_hash = hash_token(token)
    db.session.flush()
    return token


def rsvp_token(invitation: Invitation) -> str | None:
    """The invitation's current token (derived again from its nonce), or None when it has none."""
    if not invitation.token_nonce or not invitation.token_hash:
        return None
    return _derive_token(invitation.token_nonce)


def rsvp_url(invitation: Invitation) -> str | None:
    """The absolute personal RSVP link, as it appears in mails and the personal feed."""
    token = rsvp_token(invitation)
    if token is None:
        return None
    from ..web import absolute_url

    return absolute_url("invitations.respond", token=token)


def find_invitation_by_token(token: str) -> Invitation | None:
    """The invitation a personal link belongs to; None for unknown and revoked tokens alike."""
    if not looks_like_token(token):
        return None
    return db.session.scalar(db.select(Invitation).where(Invitation.token_hash == hash_token(token)))


def revoke_rsvp_token(invitation: Invitation) -> None:
    """The personal link stops working."""
    invitation.token_hash = None
    invitation.token_nonce = None
    db.session.flush()


# Answers, seats and the waiting list ------------------------------------------------------------


class AnswerRefused(Exception):
    """An answer that cannot be given (after the deadline, cancelled event, too many plus-ones)."""


@dataclass
class AnswerOutcome:
    """What an answer led to, for the confirmation shown and mailed to the invitee."""

    state: InvitationState
    #: 1-based place on the waiting list, when waiting.
    waiting_position: int | None = None
    #: The plus-ones asked for could not all be seated: the previous number was kept.
    plus_ones_refused: bool = False
    promoted: list[Invitation] = field(default_factory=list)


ANSWERS = {"yes": InvitationState.YES, "no": InvitationState.NO, "maybe": InvitationState.MAYBE}


def seats_for(state: InvitationState, plus_ones: int) -> int:
    """Seats an invitation holds: the invitee and their plus-ones, for a yes only."""
    return 1 + plus_ones if state == InvitationState.YES else 0


def can_change_answer(invitation: Invitation, now: datetime | None = None) -> bool:
    """Answers can change until the deadline (or the start); after it only cancelling is possible."""
    now = now or utcnow()
    event = invitation.event
    if event.status == EventStatus.CANCELLED or event.starts_at <= now:
        return False
    return event.rsvp_deadline is None or now < event.rsvp_deadline


def can_cancel(invitation: Invitation, now: datetime | None = None) -> bool:
    """Saying no is possible until the event starts, also after the deadline."""
    now = now or utcnow()
    event = invitation.event
    return event.status != EventStatus.CANCELLED and now < event.starts_at


def _take_seats(event_id: int, seats: int) -> bool:
    """Claim seats if they are free; the one statement that makes overbooking impossible."""
    if seats <= 0:
        return True
    result = db.session.execute(
        update(Event)
        .where(Event.id == event_id, Event.seats_taken + seats <= Event.capacity)
        .values(seats_taken=Event.seats_taken + seats)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _free_seats(event_id: int, seats: int) -> None:
    if seats > 0:
        db.session.execute(
            update(Event)
            .where(Event.id == event_id)
            .values(seats_taken=Event.seats_taken - seats)
            .execution_options(synchronize_session=False)
        )


def _claim_invitation(invitation: Invitation, expected_state: InvitationState, expected_plus_ones: int, **values):
    """Write the invitation only if nobody changed it since it was read; False means: read again."""
    result = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.state == expected_state,
            Invitation.plus_ones == expected_plus_ones,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def record_answer(
    invitation: Invitation,
    answer: str,
    plus_ones: int = 0,
    note: str = "",
    *,
    by_organiser: bool = False,
    notify: bool = True,
    now: datetime | None = None,
    source: AnswerSource | None = None,
) -> AnswerOutcome:
    """Record yes / no / maybe with plus-ones and a note; full events put a yes on the waiting list,
    and a freed seat promotes the first in line. Queues the confirmation (and promotion) mails.
    `source` (default: organiser or web, after `by_organiser`) is kept with the answer for the answers page."""
    now = now or datetime.now(UTC)
    wanted = ANSWERS[answer]
    event = invitation.event
    if not by_organiser:
        if wanted == InvitationState.NO and not can_cancel(invitation, now):
            raise AnswerRefused("closed")
        if wanted != InvitationState.NO and not can_change_answer(invitation, now):
            raise AnswerRefused("deadline")
    if event.status == EventStatus.CANCELLED:
        raise AnswerRefused("cancelled")
    if not 0 <= plus_ones <= event.max_plus_ones:
        raise AnswerRefused("plus_ones")
    note = note.strip()[:500]
    if wanted != InvitationState.YES:
        plus_ones = 0

    _lock_event(event.id)
    for _attempt in range(10):
        outcome = _try_answer(invitation, wanted, plus_ones, note, now)
        if outcome is not None:
            break
        db.session.refresh(invitation)  # changed by a concurrent answer: start from what is stored now
    else:  # pragma: no cover - ten concurrent changes to one invitation in a row
        raise AnswerRefused("busy")

    db.session.refresh(invitation)
    db.session.refresh(event)
    invitation.answer_source = source or (AnswerSource.ORGANISER if by_organiser else AnswerSource.WEB)
    if outcome.state != InvitationState.YES:
        _after_leaving(invitation)
    else:
        _after_joining(invitation)
    outcome.promoted = promote_from_waiting_list(event, now=now)
    if outcome.state == InvitationState.WAITING:
        outcome.waiting_position = waiting_position(invitation)
    if notify:
        queue_confirmation(invitation, outcome)
    return outcome


def _try_answer(invitation, wanted, plus_ones, note, now) -> AnswerOutcome | None:
    old_state, old_plus = invitation.state, invitation.plus_ones
    held = seats_for(old_state, old_plus)
    values = {"note": note, "answered_at": now}
    if wanted != InvitationState.YES:
        values.update(state=wanted, plus_ones=0, waiting_since=None)
        if not _claim_invitation(invitation, old_state, old_plus, **values):
            return None
        _free_seats(invitation.event_id, held)
        return AnswerOutcome(state=wanted)

    needed = 1 + plus_ones
    if not _claim_invitation(invitation, old_state, old_plus, **values):
        return None
    if needed <= held:
        _free_seats(invitation.event_id, held - needed)
        _set(invitation, state=InvitationState.YES, plus_ones=plus_ones, waiting_since=None)
        return AnswerOutcome(state=InvitationState.YES)
    if _take_seats(invitation.event_id, needed - held):
        _set(invitation, state=InvitationState.YES, plus_ones=plus_ones, waiting_since=None)
        return AnswerOutcome(state=InvitationState.YES)
    if old_state == InvitationState.YES:
        # Already seated: keep the seat and the plus-ones that fit, rather than lose the place.
        return AnswerOutcome(state=InvitationState.YES, plus_ones_refused=True)
    # Full: to the waiting list, behind everyone whose answer held the event's lock before this one.
    waiting_since = invitation.waiting_since if old_state == InvitationState.WAITING else _next_in_line(invitation)
    _set(invitation, state=InvitationState.WAITING, plus_ones=plus_ones, waiting_since=waiting_since)
    return AnswerOutcome(state=InvitationState.WAITING)


def _lock_event(event_id: int) -> None:
    """Hold the event row until commit: answers to one event change seats and the waiting list one at a time.

    Taken before any invitation row, as every other path does (edit event, promotion), so that an answer and a
    decline that promotes its invitee cannot deadlock. PostgreSQL: a row lock. SQLite: FOR UPDATE is ignored,
    but the first UPDATE of the transaction makes it the database's only writer until commit.
    """
    db.session.execute(db.select(Event.id).where(Event.id == event_id).with_for_update())


def _next_in_line(invitation: Invitation) -> datetime:
    """The moment this answer joins the waiting list: now, but always after whoever joined before it.

    Taken under the event's lock, so the order of waiting_since is the order in which answers got the lock,
    also when the app servers' clocks differ a little; and the place told to the invitee stays true (nobody
    can join ahead of them afterwards).
    """
    last = db.session.scalar(
        db.select(func.max(Invitation.waiting_since)).where(
            Invitation.event_id == invitation.event_id, Invitation.id != invitation.id
        )
    )
    now = datetime.now(UTC)
    if last is not None and last.replace(tzinfo=UTC) >= now:
        return last.replace(tzinfo=UTC) + timedelta(microseconds=1)
    return now


def _set(invitation: Invitation, **values) -> None:
    db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def promote_from_waiting_list(event: Event, now: datetime | None = None) -> list[Invitation]:
    """Give freed seats to those waiting, first come first served; stops at the first who does not fit."""
    promoted: list[Invitation] = []
    if event.status == EventStatus.CANCELLED:
        return promoted
    waiting = db.session.scalars(
        db.select(Invitation)
        .where(Invitation.event_id == event.id, Invitation.state == InvitationState.WAITING)
        .order_by(Invitation.waiting_since, Invitation.id)
    ).all()
    for candidate in waiting:
        seats = 1 + candidate.plus_ones
        if not _take_seats(event.id, seats):
            break
        if not _claim_invitation(
            candidate, InvitationState.WAITING, candidate.plus_ones, state=InvitationState.YES, waiting_since=None
        ):
            _free_seats(event.id, seats)  # promoted by someone else meanwhile
            continue
        db.session.refresh(candidate)
        promoted.append(candidate)
        _after_joining(candidate)
        queue_promotion(candidate)
    db.session.refresh(event)
    return promoted


@dataclass
class Company:
    """Who else comes, in numbers only (no names: invitees see each other's answers only as counts)."""

    staff: int
    residents: int
    plus_ones: int


def who_else_comes(event: Event) -> Company:
    """Counts of those who said yes, so an invitee knows what to expect."""
    from ..people.models import Person, PersonKind

    rows = db.session.execute(
        db.select(Person.kind, db.func.count(), db.func.coalesce(db.func.sum(Invitation.plus_ones), 0))
        .join(Person, Invitation.person_id == Person.id)
        .where(Invitation.event_id == event.id, Invitation.state == InvitationState.YES)
        .group_by(Person.kind)
    ).all()
    counts = {kind: (count, extra) for kind, count, extra in rows}
    staff, staff_extra = counts.get(PersonKind.STAFF, (0, 0))
    residents, resident_extra = counts.get(PersonKind.RESIDENT, (0, 0))
    return Company(staff=staff, residents=residents, plus_ones=int(staff_extra) + int(resident_extra))


def waiting_position(invitation: Invitation) -> int:
    """1-based place on the waiting list."""
    ahead = db.session.scalar(
        db.select(db.func.count())
        .select_from(Invitation)
        .where(
            Invitation.event_id == invitation.event_id,
            Invitation.state == InvitationState.WAITING,
            db.or_(
                Invitation.waiting_since < invitation.waiting_since,
                db.and_(Invitation.waiting_since == invitation.waiting_since, Invitation.id < invitation.id),
            ),
        )
    )
    return int(ahead) + 1


def _after_joining(invitation: Invitation) -> None:
    """A new yes joins a team when the event already has teams (nobody else moves)."""
    from ..teams.services import place_in_team

    place_in_team(invitation)


def _after_leaving(invitation: Invitation) -> None:
    """Someone no longer coming leaves their team (a guide is replaced within it)."""
    from ..teams.services import remove_from_team

    remove_from_team(invitation)


# Sending invitations and notices ----------------------------------------------------------------
#
# Every mail is written to the outbox in the same transaction as the change that causes it.


class SendRefused(Exception):
    """Invitations cannot be sent for this event (cancelled, or already over)."""


def _recipient_locale(invitation: Invitation) -> str:
    return invitation.person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def _organiser_address(invitation: Invitation) -> tuple[str, str]:
    """Name and bare address of the ORGANIZER: the reply mailbox plus-addressed for this invitation when organiser
    reads one, else the sender (whose mailbox nobody reads: the mail says so, and asks for no reply)."""
    from ..mail.services import sender

    event = invitation.event
    name = event.organiser.name if event.organiser is not None else sender()[0] or "organiser"
    return name, organizer_address(invitation) or sender()[1]


def calendar_status_lines(invitation: Invitation, position: int | None = None) -> list[str]:
    """The invitee's place in words, for the DESCRIPTION of their calendar entry (it mirrors organiser)."""
    state = invitation.state
    if state == InvitationState.YES:
        line = _("Uw antwoord: u komt.")
        if invitation.plus_ones:
            line += " " + _("Introducés: %(num)d.", num=invitation.plus_ones)
    elif state == InvitationState.WAITING:
        position = position or waiting_position(invitation)
        line = _(
            "U staat op de wachtlijst, op plaats %(position)d. Komt er een plek vrij, dan krijgt u bericht.",
            position=position,
        )
    elif state == InvitationState.MAYBE:
        line = _("Uw antwoord: misschien.")
    elif state == InvitationState.NO:
        line = _("Uw antwoord: u komt niet.")
    else:
        line = _("U heeft nog niet geantwoord.")
    if inbox_configured():
        how = _("Antwoorden of uw antwoord wijzigen kan met de knoppen in uw agenda, of met de link in de mail.")
    else:
        how = _("De knoppen in uw agenda geven uw antwoord niet door. Antwoord met de persoonlijke link in de mail.")
    return [line, how]


def _queue_for(
    invitation: Invitation,
    kind: str,
    template: str,
    ics_method: str | None = None,
    waiting_position: int | None = None,
    **context,
) -> None:
    """Render one notice in the invitee's language and put it in the outbox; a calendar part gets a fresh DTSTAMP
    and the invitee's next SEQUENCE, so it supersedes every earlier message to them."""
    from ..calendar.ical import invitation_to_ical
    from ..mail.services import queue_mail, render_mail
    from ..teams.services import team_summary
    from ..web import absolute_url

    person = invitation.person
    if not person.email or person.deleted_at is not None:
        return
    url = rsvp_url(invitation)
    locale = _recipient_locale(invitation)
    subject, text, html = render_mail(
        template,
        locale,
        invitation=invitation,
        event=invitation.event,
        person=person,
        rsvp_url=url,
        event_url=absolute_url("events.detail", event_id=invitation.event_id),
        team=team_summary(invitation),
        company=who_else_comes(invitation.event),
        contact=invitation.event.organiser,
        calendar_answers=inbox_configured(),
        **context,
    )
    ics = None
    if ics_method:
        organiser_name, organiser_email = _organiser_address(invitation)
        invitation.calendar_sequence = max((invitation.calendar_sequence or 0) + 1, invitation.event.sequence)
        with force_locale(locale):
            lines = calendar_status_lines(invitation, waiting_position) if ics_method != "CANCEL" else []
            ics = invitation_to_ical(
                invitation,
                method=ics_method,
                base_url=current_app.config["BASE_URL"],
                organiser_name=organiser_name,
                organiser_email=organiser_email,
                sequence=invitation.calendar_sequence,
                stamp=utcnow(),
                rsvp=inbox_configured(),
                status_lines=lines,
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


def send_invitations(event: Event, invitation_ids: list[int] | None = None, now: datetime | None = None) -> int:
    """Send the invitation mail (with personal link and .ics) to everyone on the list not yet invited,
    or to the chosen ones; returns how many were queued."""
    now = now or utcnow()
    if event.status == EventStatus.CANCELLED or event.ends_at <= now:
        raise SendRefused
    query = db.select(Invitation).where(Invitation.event_id == event.id, Invitation.state == InvitationState.LISTED)
    if invitation_ids is not None:
        query = query.where(Invitation.id.in_(invitation_ids))
    count = 0
    for invitation in db.session.scalars(query.order_by(Invitation.id)).all():
        if not invitation.person.email or not invitation.person.active:
            continue
        issue_rsvp_token(invitation)
        invitation.state = InvitationState.INVITED
        invitation.sent_at = now
        db.session.flush()
        _queue_for(invitation, "invitation", "invitation", ics_method="REQUEST")
        count += 1
    return count


def reissue_link(invitation: Invitation) -> None:
    """A new personal link, mailed again; the old link stops working."""
    issue_rsvp_token(invitation)
    _queue_for(invitation, "new_link", "new_link", ics_method="REQUEST" if _holds_place(invitation) else None)


def _holds_place(invitation: Invitation) -> bool:
    return invitation.state in (
        InvitationState.INVITED,
        InvitationState.YES,
        InvitationState.MAYBE,
        InvitationState.WAITING,
    )


def queue_confirmation(invitation: Invitation, outcome: AnswerOutcome) -> None:
    """Confirm an answer: what was recorded, and what happens next."""
    _queue_for(
        invitation,
        "confirmation",
        "confirmation",
        ics_method="CANCEL" if invitation.state == InvitationState.NO else "REQUEST",
        waiting_position=outcome.waiting_position,
        outcome=outcome,
    )


def queue_promotion(invitation: Invitation) -> None:
    """Tell someone from the waiting list that a seat is theirs."""
    _queue_for(invitation, "promotion", "promotion", ics_method="REQUEST")


def _notified(event: Event) -> list[Invitation]:
    return db.session.scalars(
        db.select(Invitation)
        .where(
            Invitation.event_id == event.id,
            Invitation.state.in_(
                [InvitationState.INVITED, InvitationState.YES, InvitationState.MAYBE, InvitationState.WAITING]
            ),
        )
        .order_by(Invitation.id)
    ).all()


def queue_change_notices(event: Event, changes: dict[str, tuple] | None = None) -> int:
    """Tell everyone invited and not declined that the date, time or place changed (SEQUENCE raised),
    saying what was changed ({field: (before, after)} as update_event returns it)."""
    invitations = _notified(event)
    for invitation in invitations:
        _queue_for(invitation, "change", "change", ics_method="REQUEST", changes=changes or {})
    return len(invitations)


def queue_cancellation_notices(event: Event, reason: str = "") -> int:
    """Tell everyone invited and not declined that the event is cancelled (METHOD:CANCEL), with the reason."""
    invitations = _notified(event)
    for invitation in invitations:
        _queue_for(invitation, "cancellation", "cancellation", ics_method="CANCEL", reason=reason.strip())
    return len(invitations)


# Scheduled: reminders and purging personal data -------------------------------------------------


def _claim_once(invitation: Invitation, column, now: datetime) -> bool:
    """Mark a one-time mail as sent, if no other worker did already."""
    result = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, column.is_(None))
        .values({column.key: now})
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _remind_once(invitations, column, kind: str, now: datetime) -> int:
    """Queue a one-time reminder of `kind` to each invitation whose `column` no other worker claimed first."""
    count = 0
    for invitation in invitations:
        if _claim_once(invitation, column, now):
            _queue_for(invitation, kind, kind)
            count += 1
    return count


def send_deadline_reminders(now: datetime | None = None) -> int:
    """Remind those who did not answer, the event's set number of days before its deadline. Once each."""
    now = now or utcnow()
    candidates = db.session.scalars(
        db.select(Invitation)
        .join(Event, Invitation.event_id == Event.id)
        .where(
            Invitation.state == InvitationState.INVITED,
            Invitation.reminder_sent_at.is_(None),
            Event.status != EventStatus.CANCELLED,
            Event.rsvp_deadline.is_not(None),
            Event.rsvp_deadline > now,
        )
    ).all()
    due = [
        i for i in candidates if now >= i.event.rsvp_deadline - timedelta(days=i.event.reminder_days_before_deadline)
    ]
    return _remind_once(due, Invitation.reminder_sent_at, "reminder", now)


def send_day_before_reminders(now: datetime | None = None) -> int:
    """Remind everyone who said yes, a day before the event. Once each."""
    now = now or utcnow()
    candidates = db.session.scalars(
        db.select(Invitation)
        .join(Event, Invitation.event_id == Event.id)
        .where(
            Invitation.state == InvitationState.YES,
            Invitation.day_before_sent_at.is_(None),
            Event.status != EventStatus.CANCELLED,
            Event.starts_at > now,
            Event.starts_at <= now + timedelta(days=1),
        )
    ).all()
    return _remind_once(candidates, Invitation.day_before_sent_at, "day_before", now)


def purge_personal_details(now: datetime | None = None) -> int:
    """Remove notes and plus-one details a set number of days after the event; the answers (counts) stay."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["PERSONAL_DATA_RETENTION_DAYS"])
    ended = db.select(Event.id).where(Event.ends_at < cutoff)
    result = db.session.execute(
        update(Invitation)
        .where(Invitation.event_id.in_(ended), Invitation.purged_at.is_(None))
        .values(note="", purged_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def release_place_of_deleted(person: Person, now: datetime | None = None) -> int:
    """Someone is removed from the directory: their places at upcoming events are freed, without mail."""
    now = now or utcnow()
    upcoming = db.session.scalars(
        db.select(Invitation)
        .join(Event, Invitation.event_id == Event.id)
        .where(
            Invitation.person_id == person.id,
            Invitation.state.in_(
                [InvitationState.INVITED, InvitationState.YES, InvitationState.MAYBE, InvitationState.WAITING]
            ),
            Event.status != EventStatus.CANCELLED,
            Event.starts_at > now,
        )
    ).all()
    for invitation in upcoming:
        record_answer(invitation, "no", by_organiser=True, notify=False, now=now)
    return len(upcoming)


def withdraw(invitation: Invitation, now: datetime | None = None) -> AnswerOutcome | None:
    """The invitee withdraws: their note is removed, a held seat is given back, the link stops working."""
    outcome = None
    if _holds_place(invitation) and invitation.event.status != EventStatus.CANCELLED:
        outcome = record_answer(invitation, "no", by_organiser=True, notify=False, now=now)
    invitation.note = ""
    invitation.plus_ones = 0
    revoke_rsvp_token(invitation)
    revoke_reply_key(invitation)
    _queue_for(invitation, "withdrawn", "withdrawn")
    return outcome


# Guest list and mix ==================================================================================================
#
# Building the guest list of an event (LISTED invitations: no token, not sent), the target mix and how far the list
# is from it, and suggesting colleagues. The RSVP code lives above this block.

#: "Op de lijst": everyone on the guest list except those who declined (a decline does not help the mix).
ON_LIST_STATES = frozenset(InvitationState) - {InvitationState.NO}
#: "Toegezegd": those who said yes.
YES_STATES = frozenset({InvitationState.YES})


def guest_list(event: Event) -> list[Invitation]:
    """Everyone on the event's guest list, with person, department and initiatives loaded, by name."""
    query = (
        db.select(Invitation)
        .join(Person, Person.id == Invitation.person_id)
        .where(Invitation.event_id == event.id)
        .options(
            joinedload(Invitation.person).joinedload(Person.department),
            joinedload(Invitation.person).selectinload(Person.initiatives),
        )
        .order_by(func.lower(Person.name), Person.id)
    )
    return list(db.session.scalars(query).unique())


def guest_candidates_query(event: Event, filters: DirectoryFilter) -> Select:
    """Active people matching the directory filters who are not on the event's list yet."""
    on_list = db.select(Invitation.person_id).where(Invitation.event_id == event.id)
    return directory_query(filters).where(Person.active.is_(True), Person.id.not_in(on_list))


def add_to_guest_list(event: Event, person_ids: Iterable[int], reasons: Mapping[int, str] | None = None) -> int:
    """Put people on the guest list (not invited yet); inactive, deleted and already listed people are skipped.

    Returns how many were added.
    """
    wanted = sorted(set(person_ids))
    if not wanted:
        return 0
    on_list = db.select(Invitation.person_id).where(Invitation.event_id == event.id)
    eligible: list[int] = []
    for start in range(0, len(wanted), 500):
        eligible.extend(
            db.session.scalars(
                db.select(Person.id).where(
                    Person.id.in_(wanted[start : start + 500]),
                    Person.active.is_(True),
                    Person.deleted_at.is_(None),
                    Person.id.not_in(on_list),
                )
            )
        )
    if not eligible:
        return 0
    now = utcnow()
    reasons = reasons or {}
    db.session.execute(
        insert(Invitation),
        [
            {
                "event_id": event.id,
                "person_id": person_id,
                "state": InvitationState.LISTED,
                "reason": reasons.get(person_id, "")[:300],
                "created_at": now,
            }
            for person_id in sorted(eligible)
        ],
    )
    db.session.flush()
    return len(eligible)


def remove_from_guest_list(invitation: Invitation) -> bool:
    """Take someone off the list; only possible before the invitation was sent. Returns whether it was removed."""
    if invitation.state != InvitationState.LISTED:
        return False
    db.session.delete(invitation)
    db.session.flush()
    return True


@dataclass(frozen=True)
class MixRow:
    """One line of the mix: how many, and their share of the colleagues."""

    label: str
    count: int
    total: int

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else 0.0

    @property
    def percent(self) -> str:
        """The share in whole percent, rounded down (never shows 50% for 49.6%)."""
        return f"{self.count * 100 // self.total}%" if self.total else "–"


@dataclass
class HostRepresentation:
    """A host initiative and how many of its residents are on the list."""

    initiative: Initiative
    residents: int


@dataclass
class Mix:
    """The make-up of (part of) a guest list: colleagues by role and department, residents, host initiatives."""

    states: frozenset[InvitationState]
    staff: int
    residents: int
    office: int
    frontline: int
    by_role: list[MixRow]
    by_department: list[MixRow]
    hosts: list[HostRepresentation]

    @property
    def office_share(self) -> float | None:
        """Share of office-bound colleagues among the colleagues; None without colleagues."""
        return self.office / self.staff if self.staff else None


def mix_for(event: Event, states: Iterable[InvitationState]) -> Mix:
    """The mix of the people on the event's list in the given states (two grouped queries)."""
    states = frozenset(states)
    rows = db.session.execute(
        db.select(Person.kind, Person.contact_role, Department.name, func.count())
        .select_from(Invitation)
        .join(Person, Person.id == Invitation.person_id)
        .outerjoin(Department, Department.id == Person.department_id)
        .where(Invitation.event_id == event.id, Invitation.state.in_(states))
        .group_by(Person.kind, Person.contact_role, Department.name)
    ).all()
    staff = residents = office = frontline = 0
    departments: dict[str, int] = {}
    for kind, role, department, count in rows:
        if kind == PersonKind.RESIDENT:
            residents += count
            continue
        staff += count
        if role == ContactRole.OFFICE:
            office += count
        elif role == ContactRole.FRONTLINE:
            frontline += count
        name = department or _("Afdeling onbekend")
        departments[name] = departments.get(name, 0) + count
    by_role = [
        MixRow(str(ROLE_LABELS[ContactRole.OFFICE]), office, staff),
        MixRow(str(ROLE_LABELS[ContactRole.FRONTLINE]), frontline, staff),
    ]
    by_department = [
        MixRow(name, count, staff) for name, count in sorted(departments.items(), key=lambda i: (-i[1], i[0].lower()))
    ]
    hosts = [HostRepresentation(initiative, 0) for initiative in event.host_initiatives]
    if hosts:
        counts = dict(
            db.session.execute(
                db.select(person_initiative.c.initiative_id, func.count(func.distinct(Person.id)))
                .select_from(Invitation)
                .join(Person, Person.id == Invitation.person_id)
                .join(person_initiative, person_initiative.c.person_id == Person.id)
                .where(Invitation.event_id == event.id, Invitation.state.in_(states))
                .where(Person.kind == PersonKind.RESIDENT)
                .where(person_initiative.c.initiative_id.in_([h.initiative.id for h in hosts]))
                .group_by(person_initiative.c.initiative_id)
            ).all()
        )
        for host in hosts:
            host.residents = counts.get(host.initiative.id, 0)
    return Mix(states, staff, residents, office, frontline, by_role, by_department, hosts)


def mix_shortfalls(event: Event, states: Iterable[InvitationState] = ON_LIST_STATES) -> list[str]:
    """Where the guest list falls short of the event's target mix, in plain Dutch; empty when it does not.

    The target: at least `event.min_office_share` percent of the colleagues work in an office, at least one
    colleague has a frontline contact role, and every host initiative has a resident on the list. Those who
    declined do not count (see ON_LIST_STATES).
    """
    mix = mix_for(event, states)
    target = event.min_office_share
    shortfalls: list[str] = []
    if mix.staff == 0:
        if target > 0:
            shortfalls.append(
                _(
                    "Er staan nog geen collega's op de lijst; het doel is dat minstens %(target)d%% van hen "
                    "op kantoor werkt.",
                    target=target,
                )
            )
    elif mix.office * 100 < target * mix.staff:
        shortfalls.append(
            _(
                "Maar %(share)d%% van de uitgenodigde collega's werkt op kantoor; het doel is minstens %(target)d%%.",
                share=mix.office * 100 // mix.staff,
                target=target,
            )
        )
    if mix.frontline == 0:
        shortfalls.append(_("Er is nog geen collega met een contactrol (frontlinie) uitgenodigd."))
    for host in mix.hosts:
        if host.residents == 0:
            shortfalls.append(_("Bewonersinitiatief %(name)s is nog niet vertegenwoordigd.", name=host.initiative.name))
    return shortfalls


@dataclass
class Suggestion:
    """A colleague suggested for the guest list, and why."""

    person: Person
    reasons: list[str]

    @property
    def reason(self) -> str:
        """The reasons in one line, as stored on the invitation."""
        return ", ".join(self.reasons)


def _attended_clause(now: datetime):
    """Took part: recorded as present, or said yes to an event that has ended and nobody recorded otherwise."""
    return and_(
        Event.ends_at < now,
        Event.status != EventStatus.CANCELLED,
        or_(
            Invitation.attended.is_(True),
            and_(Invitation.attended.is_(None), Invitation.state == InvitationState.YES),
        ),
    )


def _declined_last_two(event: Event) -> Select:
    """People whose two most recent invitations (other than this event's) were both declined."""
    ranked = (
        db.select(
            Invitation.person_id.label("person_id"),
            Invitation.state.label("state"),
            func.row_number()
            .over(partition_by=Invitation.person_id, order_by=(Event.starts_at.desc(), Invitation.id.desc()))
            .label("rank"),
        )
        .join(Event, Event.id == Invitation.event_id)
        .where(Invitation.state != InvitationState.LISTED, Invitation.event_id != event.id)
        .subquery()
    )
    return (
        db.select(ranked.c.person_id)
        .where(ranked.c.rank <= 2)
        .group_by(ranked.c.person_id)
        .having(func.count() == 2, func.sum(case((ranked.c.state == InvitationState.NO, 1), else_=0)) == 2)
    )


def _long_date(moment: datetime) -> str:
    """'3 maart 2026', in the municipality's time zone."""
    return format_date(to_local(moment).date(), "d MMMM y", locale=str(get_locale() or "nl"))


def suggest_colleagues(event: Event, n: int = 10, now: datetime | None = None) -> list[Suggestion]:
    """Up to n colleagues to invite, best first, each with the reasons; four queries whatever the numbers.

    Office-bound colleagues come before frontline ones. Within that, departments take turns (round-robin),
    departments not yet on the list first; within a department, those who never took part come first, then
    those whose last time is longest ago. Never suggested: inactive or deleted people, residents, anyone already
    on this event's list, and anyone who declined their last two invitations.
    """
    if n <= 0:
        return []
    now = now or utcnow()
    on_list = db.select(Invitation.person_id).where(Invitation.event_id == event.id)
    candidates = db.session.execute(
        db.select(Person.id, Person.name, Person.department_id, Person.contact_role)
        .where(Person.kind == PersonKind.STAFF, Person.active.is_(True), Person.deleted_at.is_(None))
        .where(Person.contact_role.is_not(None))
        .where(Person.id.not_in(on_list), Person.id.not_in(_declined_last_two(event)))
    ).all()
    # A separate grouped query rather than a join: joined to 20,000 people, PostgreSQL picks a nested loop
    # whenever its statistics are stale (right after an import), taking seconds instead of milliseconds.
    last_attended: dict[int, datetime] = dict(
        db.session.execute(
            db.select(Invitation.person_id, func.max(Event.ends_at))
            .join(Event, Event.id == Invitation.event_id)
            .where(Invitation.event_id != event.id, _attended_clause(now))
            .group_by(Invitation.person_id)
        ).all()
    )
    represented = set(
        db.session.scalars(
            db.select(Person.department_id)
            .distinct()
            .join(Invitation, Invitation.person_id == Person.id)
            .where(Invitation.event_id == event.id, Invitation.state.in_(ON_LIST_STATES))
            .where(Person.kind == PersonKind.STAFF)
        )
    )

    # Per role tier and department, a queue: never took part first, then longest ago, then by name.
    queues: dict[ContactRole, dict[int | None, list]] = {ContactRole.OFFICE: {}, ContactRole.FRONTLINE: {}}
    for person_id, name, department_id, role in candidates:
        last = last_attended.get(person_id)
        key = (0, 0.0) if last is None else (1, _as_utc(last).timestamp())
        queues[role].setdefault(department_id, []).append((key, name.lower(), person_id, last))
    picked_from: dict[int | None, int] = {}
    chosen: list[tuple[int, int | None, datetime | None, bool]] = []
    for role in (ContactRole.OFFICE, ContactRole.FRONTLINE):
        heap = []
        for department_id, queue in queues[role].items():
            queue.sort(reverse=True)  # pop() from the end gives the best
            heap.append(_turn(department_id, queue, picked_from, represented))
        heapq.heapify(heap)
        while heap and len(chosen) < n:
            *_order, department_id = heapq.heappop(heap)
            queue = queues[role][department_id]
            _key, _name, person_id, last = queue.pop()
            first_of_department = department_id not in represented and picked_from.get(department_id, 0) == 0
            picked_from[department_id] = picked_from.get(department_id, 0) + 1
            chosen.append((person_id, department_id, last, first_of_department))
            if queue:
                heapq.heappush(heap, _turn(department_id, queue, picked_from, represented))
        if len(chosen) >= n:
            break

    people = {
        person.id: person
        for person in db.session.scalars(
            db.select(Person).options(joinedload(Person.department)).where(Person.id.in_([c[0] for c in chosen]))
        )
    }
    suggestions = []
    for person_id, _department_id, last, first_of_department in chosen:
        person = people[person_id]
        reasons = [
            _("nog nooit deelgenomen") if last is None else _("laatst deelgenomen op %(date)s", date=_long_date(last))
        ]
        if first_of_department and person.department is not None:
            reasons.append(_("afdeling %(name)s nog niet vertegenwoordigd", name=person.department.name))
        reasons.append(_("werkt op kantoor") if person.is_office else _("heeft een contactrol (frontlinie)"))
        suggestions.append(Suggestion(person, reasons))
    return suggestions


def _turn(department_id: int | None, queue: list, picked_from: dict, represented: set) -> tuple:
    """A department's place in the round-robin: fewest picked so far, then not on the list yet, then its best."""
    best = queue[-1]
    return (
        picked_from.get(department_id, 0),
        department_id in represented,
        best[0],
        best[1],
        -1 if department_id is None else department_id,
        department_id,
    )


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def accept_suggestions(event: Event, person_ids: Iterable[int], n: int) -> int:
    """Put the chosen suggestions on the list with their reasons; the suggestions are made again, so that only
    people who are still suggested are added. Returns how many were added."""
    wanted = set(person_ids)
    reasons = {s.person.id: s.reason for s in suggest_colleagues(event, n) if s.person.id in wanted}
    return add_to_guest_list(event, list(reasons), reasons)
