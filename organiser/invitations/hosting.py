"""Initiative hosts: a residents' initiative-taker co-hosts one event through a personal link (no password).

The host sees that event, its route and who comes (names and the mix, never the directory), and may put
residents of their own initiative on the guest list; the organiser sends the invitations as usual.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from ..auth import trail
from ..auth.models import Organiser
from ..events.models import Event
from ..extensions import db, utcnow
from ..forms import required
from ..mail.models import OutboxKind
from ..mail.outbox import queue_mail
from ..mail.rendering import render_mail
from ..people.directory import PersonDetails, create_person, normalise_email
from ..people.models import Person, PersonKind
from ..places.models import Initiative
from ..tokens import hash_token, looks_like_token, new_token
from ..web import absolute_url
from .guest_list import add_to_guest_list
from .models import EventLink, EventLinkKind, Invitation, InvitationState


class HostingRefused(ValueError):
    """Something a host or organiser cannot do with a host link; str(error) says why."""


def create_event_link(
    event: Event, kind: EventLinkKind, name: str, email: str = "", initiative: Initiative | None = None
) -> str:
    """A new personal link to the event (returned once; only its hash is kept), mailed when there is an address."""
    if kind == EventLinkKind.HOST and (initiative is None or initiative not in event.host_initiatives):
        raise HostingRefused(_("Kies een initiatief dat deze bijeenkomst mee organiseert."))
    token = new_token()
    link = EventLink(
        event=event,
        kind=kind,
        initiative=initiative if kind == EventLinkKind.HOST else None,
        name=" ".join(name.split())[:200],
        email=normalise_email(email) if email else "",
        token_hash=hash_token(token),
    )
    db.session.add(link)
    db.session.flush()
    url = link_url(link, token)
    if link.email:
        locale = _language_of(link.email)
        subject, text, html = render_mail(OutboxKind.EVENT_LINK.value, locale, link=link, event=event, url=url)
        queue_mail(
            kind=OutboxKind.EVENT_LINK,
            to_address=link.email,
            to_name=link.name,
            subject=subject,
            text_body=text,
            html_body=html,
            event_id=event.id,
        )
    trail.record("event_link_created", "event", event.id, f"{event.title}: {link.name} ({kind.value})")
    return token


def _language_of(email: str) -> str:
    """The language a link's mail is written in: the recipient's own, as every mail to a person is (the person with
    that address in the directory, else the account), else the default language (BABEL_DEFAULT_LOCALE)."""
    person = db.session.scalar(
        db.select(Person.locale).where(Person.email == email, Person.deleted_at.is_(None)).limit(1)
    )
    account = db.session.scalar(db.select(Organiser.locale).where(Organiser.email == email).limit(1))
    return person or account or current_app.config["BABEL_DEFAULT_LOCALE"]


def link_url(link: EventLink, token: str) -> str:
    endpoint = "hosts.host_page" if link.kind == EventLinkKind.HOST else "checkin.by_link"
    return absolute_url(endpoint, token=token)


def event_links(event: Event) -> list[EventLink]:
    return list(
        db.session.scalars(
            db.select(EventLink).where(EventLink.event_id == event.id).order_by(EventLink.revoked_at, EventLink.name)
        )
    )


def revoke_event_link(link: EventLink) -> bool:
    if link.revoked_at is not None:
        return False
    link.revoked_at = utcnow()
    db.session.flush()
    trail.record("event_link_revoked", "event", link.event_id, f"{link.event.title}: {link.name}")
    return True


def find_event_link(token: str, kind: EventLinkKind) -> EventLink | None:
    """The working link of this kind; None for unknown, revoked and other kinds alike."""
    if not looks_like_token(token):
        return None
    link = db.session.scalar(db.select(EventLink).where(EventLink.token_hash == hash_token(token)))
    if link is None or link.kind != kind or link.revoked_at is not None:
        return None
    return link


@dataclass
class Coming:
    """What a host sees of who comes: first names and counts, nothing else of the directory."""

    names: list[str]
    staff: int
    office: int
    residents: int
    plus_ones: int
    listed_by_host: list[str]


COMING_STATES = (InvitationState.YES,)


def who_comes(link: EventLink) -> Coming:
    """Those who said yes (names as the organiser wrote them), the mix in numbers, and whom this host added."""
    rows = db.session.execute(
        db.select(Person.name, Person.kind, Person.contact_role, Invitation.plus_ones)
        .join(Person, Person.id == Invitation.person_id)
        .where(Invitation.event_id == link.event_id, Invitation.state.in_(COMING_STATES))
        .order_by(Person.name)
    ).all()
    added = db.session.scalars(
        db.select(Person.name)
        .join(Invitation, Invitation.person_id == Person.id)
        .where(Invitation.event_id == link.event_id, Invitation.reason == _host_reason(link))
        .order_by(Person.name)
    ).all()
    return Coming(
        names=[name for name, *_rest in rows],
        staff=sum(1 for _n, kind, *_r in rows if kind == PersonKind.STAFF),
        office=sum(1 for _n, kind, role, _p in rows if kind == PersonKind.STAFF and role == "office"),
        residents=sum(1 for _n, kind, *_r in rows if kind == PersonKind.RESIDENT),
        plus_ones=sum(plus for *_r, plus in rows),
        listed_by_host=list(added),
    )


def _host_reason(link: EventLink) -> str:
    return f"Aangemeld door {link.name} ({link.initiative.name if link.initiative else ''})"[:300]


def add_resident(link: EventLink, name: str, email: str) -> Person:
    """Put a resident of the host's own initiative on the guest list (new in the directory if unknown).

    An address that belongs to someone else (a colleague, or a resident of another initiative) is refused with
    the same words as any other refusal: the host learns nothing about the directory."""
    event = link.event
    if event.is_cancelled or event.ends_at <= utcnow():
        raise HostingRefused(_("Voor deze bijeenkomst kunt u niemand meer aanmelden."))
    email = normalise_email(email)
    person = db.session.scalar(db.select(Person).where(Person.email == email))
    if person is None:
        person = create_person(
            PersonDetails(
                name=name, email=email, kind=PersonKind.RESIDENT, initiative_ids=[required(link.initiative_id)]
            )
        )
    elif not (person.kind == PersonKind.RESIDENT and link.initiative in person.initiatives and person.active):
        raise HostingRefused(
            _("Dit adres kunt u niet aanmelden. Vraag de organisator van de bijeenkomst om het toe te voegen.")
        )
    add_to_guest_list(event, [person.id], {person.id: _host_reason(link)})
    trail.record("host_added_resident", "event", event.id, f"{event.title}: {link.name}", actor_name=link.name)
    return person
