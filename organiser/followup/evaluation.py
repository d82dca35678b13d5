"""The organiser's summary of one event's follow-up: how many were asked and answered, what they said.

Anonymous answers are counted and never listed; named answers' free texts are listed with the answerer's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func

from ..events.models import Event
from ..extensions import db
from ..invitations.models import Invitation
from ..people.models import Department, Person
from ..places.models import Initiative
from .models import FollowupAnswer, FollowupChoice, FollowupRequest


@dataclass(frozen=True)
class Remark:
    """What one named answerer wrote: about keeping in touch, and what to do differently."""

    name: str
    touch_about: str
    do_differently: str


@dataclass
class Evaluation:
    """The follow-up of one event in numbers, with the named remarks."""

    asked: int = 0
    reminded: int = 0
    sharing: int = 0
    answered: int = 0
    anonymous: int = 0
    met_someone: int = 0
    keeps_in_touch: int = 0
    #: How many gave each mark, 1 … 5.
    ratings: dict[int, int] = field(default_factory=dict)
    #: (department or initiative, how many answerers met someone of it), most first.
    groups_met: list[tuple[str, int]] = field(default_factory=list)
    remarks: list[Remark] = field(default_factory=list)

    @property
    def average_rating(self) -> float | None:
        given = sum(self.ratings.values())
        return sum(mark * n for mark, n in self.ratings.items()) / given if given else None


def evaluate(event: Event) -> Evaluation:
    """The summary of `event`'s follow-up, in five queries whatever the number of answers."""
    result = Evaluation()
    requests = db.session.execute(
        db.select(
            func.count(),
            func.count(FollowupRequest.reminded_at),
            func.count(FollowupRequest.contact_shared_at),
        ).where(FollowupRequest.event_id == event.id)
    ).one()
    result.asked, result.reminded, result.sharing = requests
    answers = db.session.execute(
        db.select(
            func.count(),
            func.coalesce(func.sum(case((FollowupAnswer.invitation_id.is_(None), 1), else_=0)), 0),
            func.coalesce(func.sum(case((FollowupAnswer.met_someone.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((FollowupAnswer.keeps_in_touch.is_(True), 1), else_=0)), 0),
        ).where(FollowupAnswer.event_id == event.id)
    ).one()
    result.answered, result.anonymous, result.met_someone, result.keeps_in_touch = answers
    given = db.session.execute(
        db.select(FollowupAnswer.rating, func.count())
        .where(FollowupAnswer.event_id == event.id, FollowupAnswer.rating.is_not(None))
        .group_by(FollowupAnswer.rating)
    )
    result.ratings = dict.fromkeys(range(1, 6), 0) | {mark: count for mark, count in given}
    group_name = func.coalesce(Department.name, Initiative.name)
    result.groups_met = [
        (name, count)
        for name, count in db.session.execute(
            db.select(group_name, func.count())
            .select_from(FollowupChoice)
            .join(FollowupAnswer, FollowupChoice.answer_id == FollowupAnswer.id)
            .outerjoin(Department, FollowupChoice.department_id == Department.id)
            .outerjoin(Initiative, FollowupChoice.initiative_id == Initiative.id)
            .where(FollowupAnswer.event_id == event.id)
            .group_by(group_name)
            .order_by(func.count().desc(), group_name)
        )
    ]
    result.remarks = [
        Remark(name, about, different)
        for name, about, different in db.session.execute(
            db.select(Person.name, FollowupAnswer.touch_about, FollowupAnswer.do_differently)
            .join(Invitation, FollowupAnswer.invitation_id == Invitation.id)
            .join(Person, Invitation.person_id == Person.id)
            .where(
                FollowupAnswer.event_id == event.id,
                (FollowupAnswer.touch_about != "") | (FollowupAnswer.do_differently != ""),
            )
            .order_by(Person.name, FollowupAnswer.id)
        )
    ]
    return result
