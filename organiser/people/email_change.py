"""A person's e-mail address changes: the old address is told, and links sent there stop working."""

from __future__ import annotations

from ..addresses import is_mailable
from ..auth import trail
from ..mail.models import OutboxKind
from ..mail.outbox import queue_mail
from ..mail.rendering import render_mail
from ..signals import person_email_changed
from .models import Person


def after_email_change(person: Person, old_email: str | None) -> None:
    """Call after the new address is set (in the same transaction): the personal links mailed to the old
    address stop working (receivers of person_email_changed mail new ones to the new address), and the old
    address gets a notice, without the new address in it, so that a takeover does not go unnoticed."""
    if not old_email or old_email == person.email:
        return
    person_email_changed.send(person, old_email=old_email)
    trail.record("person_email_changed", "person", person.id, person.name)
    if not is_mailable(old_email):
        return  # an address organiser could never mail (corrected now): there is nobody there to tell
    kind = OutboxKind.PERSON_EMAIL_CHANGED
    subject, text, html = render_mail(kind.value, person.locale or "nl", person=person)
    queue_mail(kind=kind, to_address=old_email, to_name=person.name, subject=subject, text_body=text, html_body=html)
