"""Personal feed links: the feed token of a person (one working at a time), the feed addresses, and the mail
that sends a new link. Functions flush, never commit: the view (or command) commits once."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import update

from ..addresses import AddressRefused
from ..extensions import db, utcnow
from ..forms import required
from ..mail.outbox import OutboxKind, queue_mail
from ..people.directory import mailable
from ..people.models import Person
from ..tokens import hash_token, looks_like_token, new_token
from .models import FeedToken


class Revoked:
    """What find_person_by_feed_token answers for a token that was replaced, or whose person was deleted
    (the feed then answers 410 Gone, and Thunderbird stops asking instead of showing nothing)."""

    def __repr__(self) -> str:
        return "REVOKED"


#: The one Revoked answer.
REVOKED: Final = Revoked()


def base_url() -> str:
    """BASE_URL: feeds and mails link to the public address, whatever host the request came in on."""
    return current_app.config["BASE_URL"]


def personal_feed_url(token: str) -> str:
    """The https address of a personal feed (short, the token in the path: long query strings broke Google)."""
    return f"{base_url()}/calendar/personal/{token}.ics"


def webcal_url(url: str) -> str:
    """The same address as webcal://, which makes Apple Calendar and Outlook offer to subscribe."""
    for scheme in ("https://", "http://"):
        if url.startswith(scheme):
            return "webcal://" + url[len(scheme) :]
    return url


# --- Feed tokens -----------------------------------------------------------------------------------------------


def issue_feed_token(person: Person) -> str:
    """A new personal feed token; every earlier one is revoked (its URL answers 410). Returns the token."""
    now = utcnow()
    db.session.execute(
        db.update(FeedToken)
        .where(FeedToken.person_id == person.id, FeedToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    token = new_token()
    db.session.add(FeedToken(person_id=person.id, token_hash=hash_token(token), created_at=now))
    db.session.flush()
    return token


def find_person_by_feed_token(token: str) -> Person | Revoked | None:
    """The person a feed token belongs to; REVOKED once replaced (or the person deleted); None when unknown.

    Known and unknown tokens cost the same single lookup by hash under a unique index.
    """
    if not looks_like_token(token):
        return None
    row = db.session.execute(
        db.select(FeedToken, Person)
        .join(Person, Person.id == FeedToken.person_id)
        .where(FeedToken.token_hash == hash_token(token))
    ).first()
    if row is None:
        return None
    feed_token, person = row
    if feed_token.revoked_at is not None or person.deleted_at is not None:
        return REVOKED
    return person


def current_feed_token(person: Person) -> FeedToken | None:
    """The person's working feed token (only its creation date can be shown: the token itself is hashed)."""
    return db.session.scalar(
        db.select(FeedToken)
        .where(FeedToken.person_id == person.id, FeedToken.revoked_at.is_(None))
        .order_by(FeedToken.created_at.desc(), FeedToken.id.desc())
        .limit(1)
    )


def send_feed_link(person: Person) -> None:
    """Issue a new personal feed link (revoking the old one) and queue a mail with it to the person.

    :raise AddressRefused: the person has no address organiser mails to (such an address is marked as not working);
        nothing is issued then.
    """
    if not mailable(person):
        raise AddressRefused(_("Deze persoon heeft geen e-mailadres waar organiser naartoe kan mailen."))
    url = personal_feed_url(issue_feed_token(person))
    context = {"person": person, "feed_url": url, "webcal_url": webcal_url(url)}
    locale = person.locale or "nl"
    with force_locale(locale):
        subject = _("Uw persoonlijke agendalink")
        text_body = render_template("calendar/mail/feed_link.txt", **context)
        html_body = render_template("calendar/mail/feed_link.html", locale=locale, subject=subject, **context)
    queue_mail(
        kind=OutboxKind.FEED_LINK,
        to_address=required(person.email),
        to_name=person.name,
        subject=subject,
        text_body=text_body,
        html_body=html_body,
    )


def on_person_erased(person: Person, now: datetime | None = None, **_kwargs) -> None:
    """signals.person_erased (connected in organiser/receivers.py): the person's calendar feeds stop working."""
    db.session.execute(
        update(FeedToken)
        .where(FeedToken.person_id == person.id, FeedToken.revoked_at.is_(None))
        .values(revoked_at=now or utcnow()),
        execution_options={"synchronize_session": False},
    )


def on_personal_data_requested(person: Person, **_kwargs) -> list[tuple[str, list[tuple[str, str]]]]:
    """signals.personal_data_requested: the person's feed links (only their hashes and dates are stored)."""
    tokens = db.session.scalars(
        db.select(FeedToken).where(FeedToken.person_id == person.id).order_by(FeedToken.id)
    ).all()
    if not tokens:
        return []
    rows = []
    for token in tokens:
        made = token.created_at.date().isoformat()
        state = (
            _("ingetrokken op %(date)s", date=token.revoked_at.date().isoformat()) if token.revoked_at else _("werkt")
        )
        rows.append((_("Agendalink gemaakt op %(date)s", date=made), state))
    return [(_("Agendalinks (alleen onherkenbaar gemaakt bewaard)"), rows)]
