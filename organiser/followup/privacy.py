"""The follow-up's part of the invitee's rights and of the retention policy (organiser/retention.py: FOLLOWUP).

- "My data" (signals.personal_data_requested): per event, when the questions were sent and reminded, the answer
  (an anonymous one only as "anonymous": nothing ties its content to the invitee), and the consent to share.
- Erasure (signals.person_erased): the requests (consent included) go; named answers are detached and lose their
  free texts, so that the counts stay.
- Retention: RETENTION_FOLLOWUP_DAYS after the event the same happens to everyone's answers and requests.
Flush, never commit.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, or_, update

from .. import retention
from ..events.models import Event
from ..extensions import db, rows_matched, utcnow
from ..i18n import format_when
from ..invitations.models import Invitation
from ..people.models import Person
from .models import FollowupAnswer, FollowupRequest


def _yes_no(value: bool | None) -> str:
    if value is None:
        return _("(niet ingevuld)")
    return _("ja") if value else _("nee")


def on_personal_data_requested(person: Person, **_kwargs) -> list[tuple[str, list[tuple[str, str]]]]:
    """signals.personal_data_requested: the follow-up questions asked of `person`, their answers and consent."""
    requests = db.session.scalars(
        db.select(FollowupRequest)
        .join(Invitation, FollowupRequest.invitation_id == Invitation.id)
        .where(Invitation.person_id == person.id)
        .order_by(FollowupRequest.asked_at, FollowupRequest.id)
    ).all()
    answers = {
        a.invitation_id: a
        for a in db.session.scalars(
            db.select(FollowupAnswer)
            .join(Invitation, FollowupAnswer.invitation_id == Invitation.id)
            .where(Invitation.person_id == person.id)
        )
    }
    sections = []
    for request in requests:
        rows = [
            (_("Vragen na afloop gestuurd"), format_when(request.asked_at, "short")),
            (_("Herinnering gestuurd"), format_when(request.reminded_at, "short") or _("(geen)")),
            (_("Geantwoord"), format_when(request.answered_at, "short") or _("(nog niet)")),
        ]
        answer = answers.get(request.invitation_id)
        if request.answered_anonymously:
            rows.append((_("Uw antwoord"), _("anoniem gegeven: aan niemand gekoppeld, daarom hier niet te tonen")))
        elif answer is not None:
            whom = [c.department.name for c in answer.choices if c.department] + [
                c.initiative.name for c in answer.choices if c.initiative
            ]
            rows += [
                (_("Iemand nieuw leren kennen"), _yes_no(answer.met_someone)),
                (_("Van welke afdelingen en initiatieven"), ", ".join(whom) or _("(geen)")),
                (_("Houdt contact"), _yes_no(answer.keeps_in_touch)),
                (_("Waarover"), answer.touch_about or _("(niet ingevuld)")),
                (_("Cijfer (1 tot 5)"), str(answer.rating) if answer.rating else _("(niet ingevuld)")),
                (_("Wat anders kan"), answer.do_differently or _("(niet ingevuld)")),
            ]
        shared = (
            _("ja, sinds %(date)s", date=format_when(request.contact_shared_at, "short"))
            if request.contact_shared_at
            else _("nee")
        )
        rows.append((_("Uw naam en e-mailadres gedeeld met andere deelnemers"), shared))
        sections.append((_("Vragen na afloop: %(title)s", title=request.event.title), rows))
    return sections


def _detach(answers_where, requests_where) -> int:
    """Answers lose their link to the invitation and their free texts; the requests (consent) are deleted."""
    detached = db.session.execute(
        update(FollowupAnswer)
        .where(
            answers_where,
            or_(
                FollowupAnswer.invitation_id.is_not(None),
                FollowupAnswer.touch_about != "",
                FollowupAnswer.do_differently != "",
            ),
        )
        .values(invitation_id=None, touch_about="", do_differently="", answered_at=None)
        .execution_options(synchronize_session="fetch")
    )
    removed = db.session.execute(
        delete(FollowupRequest).where(requests_where).execution_options(synchronize_session="fetch")
    )
    return rows_matched(detached) + rows_matched(removed)


def on_person_erased(person: Person, **_kwargs) -> int:
    """signals.person_erased: the person's follow-up requests and consent go, their answers keep only counts."""
    invitations = db.select(Invitation.id).where(Invitation.person_id == person.id)
    return _detach(FollowupAnswer.invitation_id.in_(invitations), FollowupRequest.invitation_id.in_(invitations))


def purge_old_answers(now: datetime | None = None) -> int:
    """retention.FOLLOWUP: answers of events that ended before the period are detached and lose their texts, and
    the requests (who was asked, consent to share) are deleted. Returns how many rows changed."""
    ended = db.select(Event.id).where(Event.ends_at <= retention.FOLLOWUP.cutoff(now or utcnow()))
    return _detach(FollowupAnswer.event_id.in_(ended), FollowupRequest.event_id.in_(ended))
