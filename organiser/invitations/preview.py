"""A look before sending: the invitation mail exactly as the first invitee will receive it, changing nothing.

The preview goes through the very code that writes the real mail (`notices.compose_notice`, the same templates,
the same .ics writer, the same SEQUENCE); only three things differ, because making them would change the
database or hand out a working link: the personal link is a placeholder (`PREVIEW_TOKEN`, which no link can
ever match), no reply key is made for the ORGANIZER address, and DTSTAMP is the moment of the preview.
"""

from __future__ import annotations

from flask import current_app

from ..events.models import Event
from ..extensions import db, utcnow
from ..inbox.addresses import plus_address
from ..mail.models import OutboxKind
from ..mail.rendering import sender
from ..web import absolute_url
from .deferred_notices import next_sequence
from .guest_list import mailable_invitations
from .models import Invitation, InvitationState
from .notices import ComposedMail, compose_notice

#: Stands in the preview where the personal link goes; too short to look like a token (tokens.looks_like_token),
#: so the link opens "this link does not work" and never anyone's page.
PREVIEW_TOKEN = "VOORBEELD"  # noqa: S105 (a placeholder, not a secret)


def preview_link() -> str:
    """The placeholder personal link shown in a preview."""
    return absolute_url("invitations.respond", token=PREVIEW_TOKEN)


def first_invitee(event: Event) -> Invitation | None:
    """Who gets the first invitation when the organiser presses "Versturen" now: the first on the list not yet
    invited who has an address and is active, in the order `sending.send_invitations` sends them; or None."""
    return db.session.scalar(mailable_invitations(event, InvitationState.LISTED).limit(1))


def preview_invitation(invitation: Invitation, locale: str | None = None) -> ComposedMail:
    """The invitation mail to `invitation`'s invitee, in `locale` (default: theirs), with the placeholder link.

    Reads only: no token, no reply key, no SEQUENCE is stored (autoflush is off, so nothing half-made is written).
    :raise ValueError: `locale` is not one of the LANGUAGES.
    """
    if locale is not None and locale not in current_app.config["LANGUAGES"]:
        raise ValueError(f"not a language of this app: {locale!r}")
    with db.session.no_autoflush:
        return compose_notice(
            invitation,
            OutboxKind.INVITATION,
            rsvp_link=preview_link(),
            organiser_email=plus_address(PREVIEW_TOKEN.lower()) or sender()[1],
            sequence=next_sequence(invitation),
            stamp=utcnow(),
            ics_method="REQUEST",
            locale=locale,
        )
