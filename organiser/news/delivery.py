"""Mailing news to organisers: at once (one mail per change) or in a daily digest, through the outbox, once.

Never twice: the items a mail carries are claimed first with one guarded UPDATE (`mailed_at IS NULL` → a random
claim key), and the mail is built from exactly the items holding that key, in the same transaction. A second
worker (or a second run of `flask jobs`) finds nothing left to claim. Nothing lost: an item stays unmailed until
a mail that carries it is committed, and the outbox delivers (and retries) that mail.

The daily digest goes out from NEWS_DIGEST_HOUR (local time) on, with everything recorded before that hour not
mailed yet; what comes later waits for the next day's digest. An account that wants news at once but has items
left over (recorded while it chose the digest) gets them at the next run.
"""

from __future__ import annotations

import secrets
from datetime import datetime, time

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import delete, update

from .. import clock
from ..auth.models import NewsDelivery, Organiser
from ..extensions import db, rows_matched, utcnow
from ..i18n import format_when
from ..invitations.models import InvitationState
from ..mail.models import OutboxKind
from ..mail.outbox import queue_mail
from ..mail.rendering import render_mail
from ..web import absolute_url
from .models import NewsItem, NewsKind

_STATES = frozenset(state.value for state in InvitationState)


def news_line(item: NewsItem) -> str:
    """The item in one sentence, in the current language (call inside force_locale)."""
    name = item.person.name if item.person is not None else ""
    kind = item.kind
    if kind == NewsKind.ANSWER and item.detail == InvitationState.MAYBE:
        return _("%(name)s komt misschien.", name=name)
    if kind == NewsKind.ANSWER:
        return _("%(name)s komt.", name=name)
    if kind == NewsKind.DECLINE:
        return _("%(name)s komt niet (afgemeld).", name=name)
    if kind == NewsKind.WAITING:
        return _(
            "%(name)s wil komen, maar de bijeenkomst is vol: op de wachtlijst (plaats %(position)s).",
            name=name,
            position=item.detail or "?",
        )
    if kind == NewsKind.PROMOTED:
        return _("%(name)s stond op de wachtlijst en heeft nu een plaats: er kwam een plek vrij.", name=name)
    if kind == NewsKind.FULL:  # detail: the capacity, as digits
        return ngettext(
            "De bijeenkomst is vol: de enige plaats is bezet. Wie nu ja zegt, komt op de wachtlijst.",
            "De bijeenkomst is vol: alle %(num)d plaatsen zijn bezet. Wie nu ja zegt, komt op de wachtlijst.",
            int(item.detail) if item.detail.isdigit() else 0,
        )
    if kind == NewsKind.BOUNCE:
        return _(
            "Mail aan %(name)s kwam onbestelbaar terug: %(reason)s. Controleer het e-mailadres.",
            name=name,
            reason=item.detail or _("geen reden opgegeven"),
        )
    state = InvitationState(item.detail).label if item.detail in _STATES else item.detail
    return _("%(name)s antwoordde met de agenda-app: %(state)s.", name=name, state=state)


def _queue_news_mail(account: Organiser, items: list[NewsItem], *, digest: bool) -> None:
    """One mail to the account with these items, grouped per event, in the account's language."""
    locale = account.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    groups: dict[int, tuple] = {}
    with force_locale(locale):
        for item in sorted(items, key=lambda i: (i.event.starts_at, i.event_id, i.created_at, i.id)):
            event = item.event
            group = groups.setdefault(event.id, (event, absolute_url("invitations.answers", event_id=event.id), []))
            group[2].append((format_when(item.created_at, "short"), news_line(item)))
    subject, text, html = render_mail(
        OutboxKind.NEWS.value,
        locale,
        account=account,
        groups=list(groups.values()),
        count=len(items),
        digest=digest,
        account_url=absolute_url("auth.account"),
    )
    only_event = next(iter(groups)) if len(groups) == 1 else None
    queue_mail(
        kind=OutboxKind.NEWS,
        to_address=account.email,
        to_name=account.name,
        subject=subject,
        text_body=text,
        html_body=html,
        event_id=only_event,
    )


def _claim(account_id: int, now: datetime, before: datetime | None = None) -> list[NewsItem]:
    """Take the account's unmailed items (recorded before `before`, if given) for one mail; [] when another worker
    took them first."""
    key = secrets.token_hex(16)
    statement = (
        update(NewsItem)
        .where(NewsItem.organiser_id == account_id, NewsItem.mailed_at.is_(None))
        .values(mailed_at=now, claim=key)
        .execution_options(synchronize_session=False)
    )
    if before is not None:
        statement = statement.where(NewsItem.created_at < before)
    if not rows_matched(db.session.execute(statement)):
        return []
    return list(db.session.scalars(db.select(NewsItem).where(NewsItem.claim == key)))


def mail_now(account: Organiser, items: list[NewsItem], now: datetime) -> None:
    """News at once: these items (just recorded, in the caller's transaction) in one mail."""
    key = secrets.token_hex(16)
    result = db.session.execute(
        update(NewsItem)
        .where(NewsItem.id.in_([item.id for item in items]), NewsItem.mailed_at.is_(None))
        .values(mailed_at=now, claim=key)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(result):
        _queue_news_mail(account, items, digest=False)


def digest_moment(now: datetime) -> datetime:
    """Today's digest moment: NEWS_DIGEST_HOUR local time on the local day of `now`, as an aware UTC moment."""
    day = clock.to_wall(now).date()
    hour = int(current_app.config["NEWS_DIGEST_HOUR"])
    return clock.to_moment(datetime.combine(day, time(hour=hour)))


def send_news_digests(now: datetime | None = None) -> int:
    """The scheduled job: each account's digest once a day (and leftovers of accounts that want news at once).
    Items of accounts that no longer want news are dropped. Returns how many mails were queued."""
    now = now or utcnow()
    waiting = db.session.scalars(
        db.select(Organiser).where(
            Organiser.id.in_(db.select(NewsItem.organiser_id).where(NewsItem.mailed_at.is_(None)))
        )
    ).all()
    moment = digest_moment(now)
    mails = 0
    for account in waiting:
        if account.news_delivery == NewsDelivery.OFF or not account.active or not account.email:
            db.session.execute(
                delete(NewsItem)
                .where(NewsItem.organiser_id == account.id, NewsItem.mailed_at.is_(None))
                .execution_options(synchronize_session=False)
            )
            continue
        if account.news_delivery == NewsDelivery.DAILY:
            if now < moment:
                continue
            items = _claim(account.id, now, before=moment)
        else:
            items = _claim(account.id, now)
        if items:
            _queue_news_mail(account, items, digest=account.news_delivery == NewsDelivery.DAILY)
            mails += 1
    db.session.flush()
    return mails
