"""Every domain's models, imported in one place so that migrations see the whole schema."""

from .auth.models import AccountLink, Organiser, RecoveryCode, TrailEntry
from .calendar.models import FeedToken
from .events.models import Event, Stop
from .followup.models import FollowupAnswer, FollowupChoice, FollowupRequest, FollowupSettings
from .inbox.models import InboxMessage
from .invitations.models import Invitation, Signup
from .invitations.participation import PersonParticipation, QueuedColleague
from .mail.models import OutboxMessage
from .news.models import NewsItem
from .people.models import Department, Person, PersonImport
from .places.models import Initiative, Neighbourhood
from .teams.models import Team

__all__ = [
    "AccountLink",
    "Department",
    "Event",
    "FeedToken",
    "FollowupAnswer",
    "FollowupChoice",
    "FollowupRequest",
    "FollowupSettings",
    "InboxMessage",
    "Initiative",
    "Invitation",
    "Neighbourhood",
    "NewsItem",
    "Organiser",
    "OutboxMessage",
    "Person",
    "PersonImport",
    "PersonParticipation",
    "QueuedColleague",
    "RecoveryCode",
    "Signup",
    "Stop",
    "Team",
    "TrailEntry",
]
