"""Answering the follow-up through the personal link, and the contact exchange with consent. Flush, never commit.

"Whom did you meet" is chosen from the departments and initiatives that were at the event, never from the whole
directory. An anonymous answer is tied to nothing but the event: it is counted, never shown with a name, and it
cannot be changed afterwards (nothing ties it to the invitee any more); its free texts are not kept. Sharing an
e-mail address is a separate consent, withdrawable at any time: an invitee who shares sees the fellow attendees
who share too, and nothing of those who do not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import union

from ..events.models import Event, Stop, event_host
from ..extensions import db, utcnow
from ..invitations.models import Invitation
from ..people.models import ContactRole, Department, Person, PersonKind, person_initiative
from ..places.models import Initiative
from .asking import present_clause
from .models import FollowupAnswer, FollowupChoice, FollowupRequest, RespondentRole
from .settings import closes_at, is_open, settings_of


class FollowupRefused(Exception):
    """An answer that cannot be taken; str() is the message for the invitee."""


@dataclass(frozen=True)
class GroupsPresent:
    """The departments and initiatives that were at an event, as (id, name), by name."""

    departments: list[tuple[int, str]]
    initiatives: list[tuple[int, str]]


def groups_present(event: Event) -> GroupsPresent:
    """The departments of the colleagues who were there, and the initiatives that hosted, had a stop, or whose
    residents were there. Two queries."""
    departments = db.session.execute(
        db.select(Department.id, Department.name)
        .where(
            Department.id.in_(
                db.select(Person.department_id)
                .join(Invitation, Invitation.person_id == Person.id)
                .where(Invitation.event_id == event.id, present_clause(), Person.kind == PersonKind.STAFF)
            )
        )
        .order_by(Department.name)
    ).all()
    initiative_ids = union(
        db.select(event_host.c.initiative_id).where(event_host.c.event_id == event.id),
        db.select(Stop.initiative_id).where(Stop.event_id == event.id, Stop.initiative_id.is_not(None)),
        db.select(person_initiative.c.initiative_id)
        .join(Invitation, Invitation.person_id == person_initiative.c.person_id)
        .where(Invitation.event_id == event.id, present_clause()),
    )
    initiatives = db.session.execute(
        db.select(Initiative.id, Initiative.name).where(Initiative.id.in_(initiative_ids)).order_by(Initiative.name)
    ).all()
    return GroupsPresent([(i, n) for i, n in departments], [(i, n) for i, n in initiatives])


def request_of(invitation: Invitation) -> FollowupRequest | None:
    """The follow-up this invitee was asked (None: not asked, e.g. not present or before the morning after)."""
    return db.session.scalar(db.select(FollowupRequest).where(FollowupRequest.invitation_id == invitation.id))


def named_answer(invitation: Invitation) -> FollowupAnswer | None:
    """The invitee's own (not anonymous) answer, if any."""
    return db.session.scalar(db.select(FollowupAnswer).where(FollowupAnswer.invitation_id == invitation.id))


def may_answer(request: FollowupRequest, now: datetime | None = None) -> bool:
    """Open, and not answered anonymously already (such an answer can no longer be found to change)."""
    event = request.event
    return is_open(event, settings_of(event), now or utcnow()) and not request.answered_anonymously


def rsvp_section(invitation: Invitation) -> tuple[str, dict] | None:
    """signals.rsvp_page_sections: on the RSVP page, the way to the questions after the event, for an invitee who was
    asked them (the morning after, when the follow-up is on); nothing before that, or once it was switched off."""
    request = request_of(invitation)
    if request is None:
        return None
    settings = settings_of(invitation.event)
    if not settings.enabled:
        return None
    answered = request.answered_anonymously or named_answer(invitation) is not None
    closes = closes_at(invitation.event, settings)
    return "followup/_rsvp_section.html", {"open_now": may_answer(request), "answered": answered, "closes_at": closes}


def respondent_of(person: Person, groups: GroupsPresent) -> tuple[RespondentRole, int | None, int | None]:
    """The answerer as reach counts them: role, department (colleague) or initiative (resident; the one that was at
    the event, else their first)."""
    if person.kind == PersonKind.RESIDENT:
        present = {i for i, _name in groups.initiatives}
        own = [i.id for i in person.initiatives]
        initiative = next((i for i in own if i in present), own[0] if own else None)
        return RespondentRole.RESIDENT, None, initiative
    role = RespondentRole.OFFICE if person.contact_role == ContactRole.OFFICE else RespondentRole.FRONTLINE
    return role, person.department_id, None


def record_followup(
    request: FollowupRequest,
    *,
    met_someone: bool,
    department_ids: Iterable[int] = (),
    initiative_ids: Iterable[int] = (),
    keeps_in_touch: bool | None = None,
    touch_about: str = "",
    rating: int | None = None,
    do_differently: str = "",
    anonymous: bool = False,
    now: datetime | None = None,
) -> FollowupAnswer:
    """Store (or replace) the invitee's answer. Groups not at the event are ignored; whom they met only counts when
    they met someone. Anonymous: any earlier answer of theirs goes, and the new one keeps no link and no free text.

    :raise FollowupRefused: when the questions are closed, or the invitee already answered anonymously
    """
    now = now or utcnow()
    event = request.event
    if request.answered_anonymously:
        raise FollowupRefused(
            _("U heeft al anoniem geantwoord. Dat antwoord is aan niemand gekoppeld en kan niet meer worden gewijzigd.")
        )
    if not is_open(event, settings_of(event), now):
        raise FollowupRefused(_("De vragen over deze bijeenkomst zijn gesloten. Er is niets opgeslagen."))
    invitation = request.invitation
    groups = groups_present(event)
    role, department_id, initiative_id = respondent_of(invitation.person, groups)
    answer = named_answer(invitation)
    if anonymous and answer is not None:
        db.session.delete(answer)
        db.session.flush()
        answer = None
    if answer is None:
        answer = FollowupAnswer(event_id=event.id, invitation_id=None if anonymous else invitation.id)
        db.session.add(answer)
    answer.respondent_role = role
    answer.respondent_department_id = department_id
    answer.respondent_initiative_id = initiative_id
    answer.met_someone = met_someone
    answer.keeps_in_touch = keeps_in_touch
    answer.rating = rating
    answer.touch_about = "" if anonymous else touch_about.strip()
    answer.do_differently = "" if anonymous else do_differently.strip()
    answer.answered_at = None if anonymous else now
    present_departments = {i for i, _name in groups.departments}
    present_initiatives = {i for i, _name in groups.initiatives}
    answer.choices = (
        [FollowupChoice(department_id=i) for i in sorted(set(department_ids) & present_departments)]
        + [FollowupChoice(initiative_id=i) for i in sorted(set(initiative_ids) & present_initiatives)]
        if met_someone
        else []
    )
    request.answered_at = now
    request.answered_anonymously = anonymous
    db.session.flush()
    return answer


def set_contact_sharing(request: FollowupRequest, share: bool, now: datetime | None = None) -> None:
    """Give (share=True) or withdraw consent to share name and e-mail address with fellow attendees who share."""
    if share and request.contact_shared_at is None:
        request.contact_shared_at = now or utcnow()
    elif not share:
        request.contact_shared_at = None
    db.session.flush()


@dataclass(frozen=True)
class Contact:
    """A fellow attendee who shares their contact details: name, address, and where they work or what they do."""

    name: str
    email: str
    group: str


def shared_contacts(request: FollowupRequest) -> list[Contact]:
    """The fellow attendees who share their address; empty unless `request`'s invitee shares theirs too."""
    if not request.shares_contact:
        return []
    people = db.session.scalars(
        db.select(Person)
        .join(Invitation, Invitation.person_id == Person.id)
        .join(FollowupRequest, FollowupRequest.invitation_id == Invitation.id)
        .where(
            FollowupRequest.event_id == request.event_id,
            FollowupRequest.id != request.id,
            FollowupRequest.contact_shared_at.is_not(None),
            Person.deleted_at.is_(None),
            Person.email.is_not(None),
        )
        .order_by(Person.name, Person.id)
    ).all()
    return [Contact(p.name, p.email or "", _group_of(p)) for p in people]


def _group_of(person: Person) -> str:
    if person.kind == PersonKind.RESIDENT:
        return ", ".join(i.name for i in person.initiatives) or _("Bewoner")
    return person.department.name if person.department else _("Gemeente")
