"""The day itself: tick one person present (or undo it), find people on the check-in list, and add walk-ins.

Flush, never commit. A walk-in is someone who came without having said yes: an invitation of theirs (new when
they were not on the guest list) gets the answer yes through the answers service, recorded by the organiser
and without a confirmation mail, and is ticked present, so reach counts them like everyone who came. Seats are
taken through that same service: a full event puts the walk-in on the waiting list, ticked present all the same
(nobody is turned away at the door, and the seat count never goes over capacity).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from ..events.models import Event
from ..extensions import db, utcnow
from ..invitations import answers
from ..invitations.guest_list import add_to_guest_list
from ..invitations.models import Invitation, InvitationState
from ..people.directory import PersonDetails, create_person, normalise_email
from ..people.models import Person, fold_for_search
from .attendance import AttendanceList, may_record_attendance

#: Why a walk-in is on the guest list (the organiser reads it on the guest list).
WALK_IN_REASON = "Inloper: toegevoegd bij de aanmelding op de dag zelf"
#: The most directory matches shown for a walk-in search.
DIRECTORY_MATCHES = 10


class CheckInRefused(ValueError):
    """A tick or a walk-in that cannot be recorded; str(error) says why, in the user's language."""


def _check_open(event: Event) -> None:
    if not may_record_attendance(event):
        raise CheckInRefused(_("U kunt de aanwezigheid vastleggen vanaf de dag van de bijeenkomst."))


def mark_present(invitation: Invitation, present: bool) -> None:
    """Tick one person present, or undo the tick (back to "not ticked", not "absent").

    :raise CheckInRefused: before the day of the event, for a cancelled event, or for someone who did not say yes
        (and is not on the waiting list): add them as a walk-in instead.
    """
    _check_open(invitation.event)
    if invitation.state not in (InvitationState.YES, InvitationState.WAITING):
        raise CheckInRefused(
            _("%(name)s heeft niet ja gezegd. Voeg %(name)s toe als inloper.", name=invitation.person.name)
        )
    db.session.execute(
        db.update(Invitation)
        .where(Invitation.id == invitation.id)
        .values(attended=True if present else None)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(invitation)


def searched_text(person: Person, by_address: bool) -> str:
    """What a search on the check-in list looks in: the name, and with `by_address` the e-mail address too."""
    return f"{person.name} {person.email or ''}" if by_address else person.name


def matching(listed: AttendanceList, text: str, by_address: bool = True) -> AttendanceList:
    """The check-in list narrowed to names (with `by_address`: or addresses) containing `text`, case and accents
    ignored."""
    wanted = fold_for_search(text.strip())
    if not wanted:
        return listed

    def keep(invitations: list[Invitation]) -> list[Invitation]:
        return [i for i in invitations if wanted in fold_for_search(searched_text(i.person, by_address))]

    return AttendanceList(expected=keep(listed.expected), waiting=keep(listed.waiting))


def directory_matches(event: Event, text: str) -> list[Person]:
    """Active people whose name or address contains `text` (at least two characters) and who are not on the
    check-in list of `event` yet: the candidates for a walk-in. At most DIRECTORY_MATCHES, by name."""
    wanted = fold_for_search(text.strip())
    if len(wanted) < 2:
        return []
    escaped = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    listed = db.select(Invitation.person_id).where(
        Invitation.event_id == event.id, Invitation.state.in_([InvitationState.YES, InvitationState.WAITING])
    )
    return list(
        db.session.scalars(
            db.select(Person)
            .where(
                Person.active.is_(True),
                Person.deleted_at.is_(None),
                Person.search_key.like(f"%{escaped}%", escape="\\"),
                Person.id.not_in(listed),
            )
            .order_by(db.func.lower(Person.name), Person.id)
            .limit(DIRECTORY_MATCHES)
        )
    )


@dataclass
class WalkIn:
    """The outcome of adding a walk-in: their invitation, and whether the event was full (waiting list)."""

    invitation: Invitation
    waiting: bool


def admit_walk_in(event: Event, person: Person) -> WalkIn:
    """Put `person` on the event as a walk-in: answer yes (by the organiser, no mail), ticked present.

    :raise CheckInRefused: before the day, for a cancelled event, or for a person who is inactive or deleted.
    """
    _check_open(event)
    if not person.active or person.deleted_at is not None:
        raise CheckInRefused(_("Deze persoon kan niet worden toegevoegd."))
    invitation = db.session.scalar(
        db.select(Invitation).where(Invitation.event_id == event.id, Invitation.person_id == person.id)
    )
    if invitation is None:
        add_to_guest_list(event, [person.id], {person.id: WALK_IN_REASON})
        invitation = db.session.scalars(
            db.select(Invitation).where(Invitation.event_id == event.id, Invitation.person_id == person.id)
        ).one()
    if invitation.state == InvitationState.LISTED:
        # Invited at the door: the guest list's rule (an answer only after an invitation) holds for walk-ins too.
        invitation.state, invitation.sent_at = InvitationState.INVITED, utcnow()
        db.session.flush()
    if invitation.state not in (InvitationState.YES, InvitationState.WAITING):
        try:
            answers.record_answer(invitation, "yes", by_organiser=True, notify=False)
        except answers.AnswerRefused as refusal:
            raise CheckInRefused(str(refusal)) from refusal
    invitation.attended = True
    db.session.flush()
    return WalkIn(invitation=invitation, waiting=invitation.state == InvitationState.WAITING)


def admit_new_walk_in(event: Event, details: PersonDetails) -> WalkIn:
    """A walk-in who is not in the directory: added to it (or found by their address), then admitted.

    :raise CheckInRefused: as admit_walk_in.
    """
    _check_open(event)
    email = normalise_email(details.email) if details.email else ""
    person = db.session.scalar(db.select(Person).where(Person.email == email)) if email else None
    if person is None:
        person = create_person(details)
    return admit_walk_in(event, person)
