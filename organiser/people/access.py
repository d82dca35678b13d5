"""Who may see and change people, by role; and changes that reach a colleague's events.

- administrators and organisers use the directory: see, add, change, export (each export is in the trail);
- a change that reaches a colleague's upcoming event (the e-mail address, deactivation, a new feed link,
  deletion) is refused for an organiser who does not manage that event: it goes through its organiser or an
  administrator (the invitations domain says which events, through the person_change_requested signal);
- check-in helpers and initiative hosts do not see the directory.
"""

from __future__ import annotations

from flask_login import current_user

from ..auth.models import Organiser
from ..auth.roles import planner_required
from ..signals import person_change_requested
from .models import Person

EMAIL, DEACTIVATE, DELETE, FEED_LINK = "email", "deactivate", "delete", "feed_link"


class PersonChangeRefused(Exception):
    """A change someone may not make; str(error) says why and whom to ask."""


#: Only accounts that plan events (administrators and organisers) see and change people.
directory_required = planner_required


def check_change(person: Person, change: str, account: Organiser | None = None) -> None:
    """Raise PersonChangeRefused when the account may not make this change to the person."""
    account = account or current_user._get_current_object()
    if account.is_admin:
        return
    for _receiver, refusal in person_change_requested.send(person, account=account, change=change):
        if refusal:
            raise PersonChangeRefused(refusal)


def may_change(person: Person, change: str, account: Organiser | None = None) -> bool:
    try:
        check_change(person, change, account)
    except PersonChangeRefused:
        return False
    return True
