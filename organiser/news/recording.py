"""Recording news for organisers, in the transaction of the change it reports.

Receivers of the invitations domain's signals (connected in organiser/receivers.py): an answer from the answer
page or a calendar app, a decline, a place on or off the waiting list, the last seat taken, mail that came back.
Each account that manages the event (its organiser and co-organisers) and asked for news gets an item; an account
that wants it at once gets one mail per change, queued in the same transaction (delivery.mail_now). Answers the
organisers record themselves are not news to them; the waiting-list moves and a full event they cause are.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_

from ..auth.models import NewsDelivery, Organiser
from ..events.models import Event, event_co_organiser
from ..extensions import db, utcnow
from ..invitations.answers import AnswerOutcome
from ..invitations.models import AnswerSource, Invitation, InvitationState
from ..people.models import Person
from . import delivery
from .models import NewsItem, NewsKind


def news_readers(event: Event) -> list[Organiser]:
    """The accounts that manage the event (organiser, co-organisers) and asked for news, active and with an
    address; one query, so an answer to an event whose organisers want no news costs one SELECT."""
    co_organisers = db.select(event_co_organiser.c.organiser_id).where(event_co_organiser.c.event_id == event.id)
    return list(
        db.session.scalars(
            db.select(Organiser)
            .where(
                or_(Organiser.id == event.organiser_id, Organiser.id.in_(co_organisers)),
                Organiser.news_delivery != NewsDelivery.OFF.value,
                Organiser.active.is_(True),
                Organiser.email != "",
            )
            .order_by(Organiser.id)
        )
    )


def record_news(
    event: Event,
    news: list[tuple[NewsKind, Person | None, str]],
    now: datetime,
    readers: list[Organiser] | None = None,
) -> list[NewsItem]:
    """Record each (kind, person, detail) for every news reader of the event (`readers`: as looked up before,
    else now); mail it at once to those who asked for that (one mail per account for the whole change). One
    INSERT for all the items. Returns the items made."""
    made: list[NewsItem] = []
    if not news:
        return made
    per_account = []
    for account in news_readers(event) if readers is None else readers:
        items = [
            NewsItem(
                organiser_id=account.id,
                event_id=event.id,
                person_id=person.id if person is not None else None,
                kind=kind.value,
                detail=detail[:300],
                created_at=now,
            )
            for kind, person, detail in news
        ]
        per_account.append((account, items))
        made.extend(items)
    if not made:
        return made
    db.session.add_all(made)
    db.session.flush()
    for account, items in per_account:
        if account.news_delivery == NewsDelivery.IMMEDIATE:
            delivery.mail_now(account, items, now)
    return made


def _answer_news(invitation: Invitation, outcome: AnswerOutcome, source: str) -> tuple[NewsKind, str] | None:
    """What the answer itself says, or None when it is not news (unchanged, or the organiser's own doing)."""
    if source == AnswerSource.ORGANISER or outcome.state == outcome.before:
        return None
    if source == AnswerSource.CALENDAR:
        return NewsKind.CALENDAR, outcome.state.value
    if outcome.state == InvitationState.NO:
        return NewsKind.DECLINE, ""
    if outcome.state == InvitationState.WAITING:
        return NewsKind.WAITING, str(outcome.waiting_position or "")
    return NewsKind.ANSWER, outcome.state.value


# Receivers (connected in organiser/receivers.py) --------------------------------------------------------------------


def on_answer_recorded(
    invitation: Invitation,
    outcome: AnswerOutcome,
    source: str,
    became_full: bool = False,
    now: datetime | None = None,
    **_kwargs,
) -> int:
    """signals.answer_recorded: the answer, the promotions it caused and a full event. Returns items recorded."""
    news: list[tuple[NewsKind, Person | None, str]] = []
    answer = _answer_news(invitation, outcome, source)
    if answer is not None:
        news.append((answer[0], invitation.person, answer[1]))
    news.extend((NewsKind.PROMOTED, promoted.person, "") for promoted in outcome.promoted)
    if became_full:
        news.append((NewsKind.FULL, None, str(invitation.event.capacity)))
    looked_up = db.session.info.pop(_READERS, None)
    readers = looked_up[1] if looked_up is not None and looked_up[0] == invitation.event_id else None
    return len(record_news(invitation.event, news, now or utcnow(), readers))


#: Where on_answer_pending keeps the readers it looked up (Session.info: per session, so per request).
_READERS = "news_readers_of_answer"


def on_answer_pending(invitation: Invitation, **_kwargs) -> None:
    """signals.answer_pending: look up the event's news readers now, before the answer takes the event's lock;
    on_answer_recorded uses them (an account that asks for news meanwhile gets it from the next change)."""
    db.session.info[_READERS] = (invitation.event_id, news_readers(invitation.event))


def on_invitee_mail_bounced(invitation: Invitation, reason: str = "", now: datetime | None = None, **_kwargs) -> int:
    """signals.invitee_mail_bounced: the organisers hear that the invitee's address does not work."""
    return len(record_news(invitation.event, [(NewsKind.BOUNCE, invitation.person, reason)], now or utcnow()))
