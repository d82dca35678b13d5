"""Open sign-up for public encounters (issue 16): a sign-up on the public event page, confirmed from the mail
(double opt-in), becomes an invitation like any other. Flush, never commit.

- A sign-up first is only a `Signup` row: no person, no invitation, no seat. It is mailed a link to a page whose
  confirm button (a POST) makes it real; unconfirmed, it is deleted after RETENTION_SIGNUP_HOURS
  (`delete_expired_signups`, a scheduled job). So a flood of fake sign-ups holds no seat.
- The answer to the form and the mail are the same whether the address is known in the directory or not; the
  address is matched to a person only on confirmation, which only its owner can do.
- At most one sign-up mail goes to one address within SIGNUP_MAIL_INTERVAL_MINUTES (a sign-up made again within
  it is dropped without a word), on top of the rate limits of the sign-up view (ratelimit.py).
- Confirmed, the sign-up answers yes through the real answer path (answers.record_answer): the seats open to
  sign-ups, the seats held for the invited (seats.py), the waiting list and its rule, teams, mails and feeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from .. import retention
from ..events.models import Event, EventStatus, WaitingRule
from ..extensions import db, rows_matched, utcnow
from ..mail.outbox import OutboxKind, queue_mail
from ..mail.rendering import render_mail
from ..people.directory import normalise_email
from ..people.models import ContactRole, Person, PersonKind
from ..places.models import Initiative
from ..refusals import Refusal
from ..tokens import hash_token, looks_like_token, new_token
from ..web import absolute_url
from . import erasure_notices, links
from .answers import AnswerOutcome, AnswerSource, promote_from_waiting_list, record_answer
from .models import Invitation, InvitationState, Signup, SignupKind


class SignupRefused(Refusal):
    """A sign-up that cannot be taken; carries the message for the visitor."""

    CLOSED = _l("Aanmelden voor deze bijeenkomst is niet (meer) mogelijk.")


@dataclass
class SignupDetails:
    """What the visitor entered on the sign-up form (checked by the form)."""

    name: str
    email: str
    kind: SignupKind
    initiative_id: int | None = None
    department_id: int | None = None
    contact_role: ContactRole | None = None
    plus_ones: int = 0
    note: str = ""
    locale: str = "nl"


def signup_possible(event: Event, now: datetime | None = None) -> bool:
    """Whether the public page takes sign-ups now: open sign-up chosen, published, before signup_closes_at."""
    now = now or utcnow()
    return event.signup_open and event.status == EventStatus.PUBLISHED and now < event.signup_closes_at


def request_signup(event: Event, details: SignupDetails, now: datetime | None = None) -> Signup | None:
    """Keep the sign-up (unconfirmed) and mail its confirmation link. Returns it, or None when a sign-up mail went
    to this address within SIGNUP_MAIL_INTERVAL_MINUTES (then nothing is kept or sent: the visitor is told the
    same either way). :raise SignupRefused: sign-up is not possible for this event (now)."""
    now = now or utcnow()
    if not signup_possible(event, now):
        raise SignupRefused(SignupRefused.CLOSED)
    email = normalise_email(details.email)
    interval = timedelta(minutes=int(current_app.config["SIGNUP_MAIL_INTERVAL_MINUTES"]))
    if db.session.scalar(
        db.select(Signup.id).where(Signup.email == email, Signup.created_at > now - interval).limit(1)
    ):
        return None
    token = new_token()
    staff = details.kind == SignupKind.STAFF
    signup = Signup(
        event_id=event.id,
        name=" ".join(details.name.split())[:200],
        email=email,
        kind=details.kind,
        initiative_id=details.initiative_id if details.kind == SignupKind.RESIDENT else None,
        department_id=details.department_id if staff else None,
        contact_role=(details.contact_role or ContactRole.OFFICE) if staff else None,
        plus_ones=min(max(details.plus_ones, 0), event.max_plus_ones),
        note=details.note.strip()[:500],
        locale=details.locale,
        token_hash=hash_token(token),
        created_at=now,
    )
    db.session.add(signup)
    db.session.flush()
    subject, text, html = render_mail(
        OutboxKind.SIGNUP_CONFIRM.value,
        signup.locale,
        event=event,
        name=signup.name,
        confirm_url=absolute_url("invitations.confirm_signup", token=token),
        hours=retention.SIGNUPS.length,
    )
    queue_mail(
        kind=OutboxKind.SIGNUP_CONFIRM,
        to_address=email,
        to_name=signup.name,
        subject=subject,
        text_body=text,
        html_body=html,
        event_id=event.id,
    )
    return signup


def find_signup(token: str, now: datetime | None = None) -> Signup | None:
    """The unconfirmed sign-up a confirmation link belongs to; None for unknown, confirmed and expired alike."""
    if not looks_like_token(token):
        return None
    cutoff = retention.SIGNUPS.cutoff(now or utcnow())
    return db.session.scalar(
        db.select(Signup).where(Signup.token_hash == hash_token(token), Signup.created_at > cutoff)
    )


@dataclass
class Confirmed:
    """A confirmed sign-up: the invitation it made (or found), its personal link, and what the answer led to."""

    invitation: Invitation
    token: str
    outcome: AnswerOutcome


def confirm_signup(signup: Signup, now: datetime | None = None) -> Confirmed:
    """Make the sign-up real: the person with its address (found, or added to the directory), their invitation
    (found, or made as a sign-up), and a yes through the answer path. The sign-up row goes.
    :raise SignupRefused: sign-up closed meanwhile. :raise answers.AnswerRefused: as for any answer."""
    now = now or utcnow()
    event = signup.event
    if not signup_possible(event, now):
        raise SignupRefused(SignupRefused.CLOSED)
    # The event's lock first, as every seat-changing path takes it (seats.lock_event).
    db.session.execute(db.select(Event.id).where(Event.id == event.id).with_for_update())
    person = _person_for(signup, now)
    invitation = db.session.scalar(
        db.select(Invitation).where(Invitation.event_id == event.id, Invitation.person_id == person.id)
    )
    if invitation is None:
        invitation = Invitation(
            event_id=event.id,
            person_id=person.id,
            state=InvitationState.INVITED,
            sent_at=now,
            signed_up_at=now,
            reason=str(_l("Zelf aangemeld via de agenda")),
            created_at=now,
        )
        db.session.add(invitation)
        db.session.flush()
    elif invitation.state == InvitationState.LISTED:  # on the organiser's list, not sent yet: invited now
        invitation.state, invitation.sent_at = InvitationState.INVITED, now
        db.session.flush()
    token = links.rsvp_token(invitation) or links.issue_rsvp_token(invitation)
    plus_ones = min(signup.plus_ones, max(event.max_plus_ones, invitation.plus_ones))
    # The time rules of signing up (signup_possible) replace those of answering: a sign-up may stay open after
    # the reply deadline of the invited; the seat rules hold all the same (seats.take_seats).
    outcome = record_answer(
        invitation, "yes", plus_ones, signup.note, by_organiser=True, now=now, source=AnswerSource.WEB
    )
    db.session.execute(delete(Signup).where(Signup.event_id == event.id, Signup.email == signup.email))
    db.session.flush()
    return Confirmed(invitation, token, outcome)


def _person_for(signup: Signup, now: datetime) -> Person:
    """The directory's person with the sign-up's address (their details as the directory has them), or a new one
    made from the sign-up. Two confirmations of one new address at once: the second finds the first's person."""
    found = _person_with(signup.email)
    if found is not None:
        return found
    staff = signup.kind == SignupKind.STAFF
    person = Person(
        name=signup.name,
        email=signup.email,
        kind=PersonKind.STAFF if staff else PersonKind.RESIDENT,
        contact_role=(signup.contact_role or ContactRole.OFFICE) if staff else None,
        department_id=signup.department_id if staff else None,
        locale=signup.locale,
        active=True,
        created_at=now,
    )
    if signup.initiative_id is not None and not staff:
        initiative = db.session.get(Initiative, signup.initiative_id)
        person.initiatives = [initiative] if initiative is not None else []
    try:
        with db.session.begin_nested():
            db.session.add(person)
            db.session.flush()
    except IntegrityError:
        found = _person_with(signup.email)
        if found is None:  # pragma: no cover - the unique address is the only constraint a new person can break
            raise
        return found
    return person


def _person_with(email: str) -> Person | None:
    return db.session.scalar(db.select(Person).where(Person.email == email, Person.deleted_at.is_(None)))


def remove_signup(invitation: Invitation, now: datetime | None = None) -> bool:
    """The organiser removes a sign-up (a fake one, say): its seats are given back (to the waiting list), its
    links stop working and the invitation goes; the person stays in the directory. Returns whether it was one."""
    if not invitation.signed_up:
        return False
    # The confirmation put an entry in their calendar: it goes too (a CANCEL made from the event, as the
    # invitation goes now).
    erasure_notices.queue_signup_removed(invitation, now)
    if invitation.holds_place and invitation.event.status != EventStatus.CANCELLED:
        record_answer(invitation, "no", by_organiser=True, notify=False, now=now)
    db.session.delete(invitation)
    db.session.flush()
    return True


def pending_signups(event: Event, now: datetime | None = None) -> int:
    """Sign-ups to this event not confirmed (yet): they hold no seat."""
    cutoff = retention.SIGNUPS.cutoff(now or utcnow())
    return int(
        db.session.scalar(
            db.select(db.func.count())
            .select_from(Signup)
            .where(Signup.event_id == event.id, Signup.created_at > cutoff)
        )
        or 0
    )


def signups_of(email: str | None) -> list[Signup]:
    """Unconfirmed sign-ups made with this address (the "my data" page shows them)."""
    if not email:
        return []
    return list(db.session.scalars(db.select(Signup).where(Signup.email == email).order_by(Signup.created_at)))


# Scheduled job and receivers -----------------------------------------------------------------------------------------


def delete_expired_signups(now: datetime | None = None) -> int:
    """Delete sign-ups not confirmed within RETENTION_SIGNUP_HOURS (retention.SIGNUPS). Returns how many."""
    result = db.session.execute(delete(Signup).where(Signup.created_at <= retention.SIGNUPS.cutoff(now or utcnow())))
    return rows_matched(result)


def on_person_erased(person: Person, **_kwargs) -> int:
    """signals.person_erased: unconfirmed sign-ups with the person's address go too. Returns how many."""
    if not person.email:
        return 0
    return rows_matched(db.session.execute(delete(Signup).where(Signup.email == person.email)))


@dataclass
class SignupSettings:
    """The organiser's sign-up settings of one event (see the Event columns)."""

    signup_open: bool
    signup_seats: int
    signup_until: datetime | None
    held_seats: int
    contact: str
    waiting_rule: WaitingRule


def change_signup_settings(event: Event, settings: SignupSettings, now: datetime | None = None) -> int:
    """Apply the settings under the event's row lock (so the check against the seats sign-ups took stays true);
    seats no longer held or more sign-up seats go to the waiting list at once. Returns how many were promoted."""
    db.session.refresh(event, with_for_update=True)
    event.signup_open = settings.signup_open
    event.signup_seats = max(settings.signup_seats, event.signup_seats_taken)
    event.signup_until = settings.signup_until
    event.held_seats = settings.held_seats
    event.contact = settings.contact.strip()[:300]
    event.waiting_rule = settings.waiting_rule
    db.session.flush()
    return len(promote_from_waiting_list(event, now=now))


def release_held_seats(now: datetime | None = None) -> int:
    """Scheduled job: after the reply deadline the seats held for the invited are free for those waiting (sign-ups
    included); promote them. Idempotent. Returns how many were promoted."""
    now = now or utcnow()
    events = db.session.scalars(
        db.select(Event).where(
            Event.held_seats > 0,
            Event.rsvp_deadline <= now,
            Event.starts_at > now,
            Event.status == EventStatus.PUBLISHED,
            db.select(Invitation.id)
            .where(Invitation.event_id == Event.id, Invitation.state == InvitationState.WAITING)
            .exists(),
        )
    ).all()
    promoted = 0
    for event in events:
        db.session.refresh(event, with_for_update=True)
        promoted += len(promote_from_waiting_list(event, now=now))
    return promoted
