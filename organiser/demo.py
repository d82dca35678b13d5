"""Demo data for a new user: every domain's, in the order the domains build on each other.

Idempotent: everything is looked up by a natural key before it is created.
"""

from __future__ import annotations

from .events.demo import DEMO_PASSWORD, ensure_demo_organiser, load_demo_events
from .followup.demo import load_demo as load_demo_followup
from .invitations.demo import load_demo as load_demo_invitations
from .invitations.past_demo import load_demo as load_demo_history
from .people.demo import load_demo as load_demo_people
from .reach.demo import load_demo as load_demo_reach
from .teams.demo import load_demo as load_demo_teams


def load_demo(password: str = DEMO_PASSWORD) -> tuple[bool, bool]:
    """Load every domain's demo data, the demo administrator with `password` if it is not there yet;
    returns whether anything was created and whether the account was."""
    account_created = ensure_demo_organiser(password)
    created = False
    for loader in (
        load_demo_events,
        load_demo_people,
        load_demo_history,
        load_demo_invitations,
        load_demo_reach,
        load_demo_teams,
        load_demo_followup,
    ):
        created = loader() or created
    return created, account_created
