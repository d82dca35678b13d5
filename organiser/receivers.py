"""Connecting the domains: every signal receiver of organiser/signals.py, in one explicit list.

A composition module (like organiser/__init__.py, cli.py, jobs.py): it may import every domain, and no domain
imports it. `create_app` calls `connect_receivers()` once; connecting is idempotent (blinker keeps one connection
per receiver), so several apps in one process (the tests) are fine.

Receivers run inside the sender's transaction: they flush, never commit.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import Select, func, update

from . import signals
from .calendar import fragments as calendar_fragments
from .calendar import links as calendar_links
from .calendar import person_changes as feed_changes
from .events import place_use as events_place_use
from .events.access import managed_clause
from .events.models import Event
from .events.sharing import hand_over_everything
from .extensions import db
from .followup import answering as followup_answering
from .followup import privacy as followup_privacy
from .followup import settings as followup_settings
from .inbox.models import InboxMessage
from .invitations import (
    answers,
    calendar_answers,
    copied_guests,
    deferred_notices,
    erasure_notices,
    guest_list,
    notices,
    signup_pages,
    signups,
)
from .invitations import person_changes as invitation_changes
from .mail import deferred as mail_deferred
from .mail import retention as mail_retention
from .mail.models import OutboxMessage
from .mail.outbox import EventLink
from .news import recording as news_recording
from .news import retention as news_retention
from .people import place_use as people_place_use
from .teams import membership


def visible_event_ids(organiser) -> Select:
    """The events whose mail an organiser may see: the events they organise or co-organise."""
    return db.select(Event.id).where(managed_clause(organiser))


def forget_mail_of_erased(person, **_kwargs) -> int:
    """people → mail: an erased person's mail (sent or waiting) goes with their address. Returns how many."""
    return mail_retention.forget_recipient(person.email)


def mail_of_event(event) -> list[str]:
    """events → mail: a draft whose mail was sent (or waits to be sent) is not deleted; the outbox keeps the row."""
    queued = db.session.scalar(
        db.select(func.count()).select_from(OutboxMessage).where(OutboxMessage.event_id == event.id)
    )
    if not queued:
        return []
    return [_("Er is al mail over deze bijeenkomst verstuurd of klaar gezet.")]


def forget_inbox_messages_of(event, **_kwargs) -> None:
    """events → inbox: processed messages about a deleted draft keep their record, without the event."""
    db.session.execute(update(InboxMessage).where(InboxMessage.event_id == event.id).values(event_id=None))


def describe_events(_sender, event_ids: set[int]) -> dict[int, EventLink]:
    """Title and page of each event that outbox rows belong to."""
    if not event_ids:
        return {}
    events = db.session.scalars(db.select(Event).where(Event.id.in_(event_ids)))
    return {event.id: EventLink(event.title, url_for("events.detail", event_id=event.id)) for event in events}


#: (signal, receiver): who reacts to what. Receivers are strong references (module-level functions).
RECEIVERS = (
    # events → invitations: notices of a change or cancellation (each returns how many were queued)
    (signals.event_changed, notices.on_event_changed),
    (signals.event_cancelled, notices.on_event_cancelled),
    (signals.route_changed, notices.on_route_changed),
    # events → invitations: more seats, so promote from the waiting list
    (signals.seats_freed, answers.on_seats_freed),
    # people → invitations: an erased person gives up their places (no mail)
    (signals.person_erased, answers.on_person_erased),
    # people → invitations: the guest lists shown on a person's page
    (signals.person_invitations, guest_list.lists_of_person),
    # people → invitations: an erased person's unconfirmed sign-ups go
    (signals.person_erased, signups.on_person_erased),
    # events → invitations: the public event page shows the sign-up form, or whom to ask for an invitation
    (signals.event_page_sections, signup_pages.signup_section),
    # people → calendar: an erased person's calendar feeds stop working
    (signals.person_erased, calendar_links.on_person_erased),
    # people → mail: an erased person's mail goes (sent or waiting)
    (signals.person_erased, forget_mail_of_erased),
    # people → followup: an erased person's follow-up requests and consent go, their answers keep only counts
    (signals.person_erased, followup_privacy.on_person_erased),
    # invitations → calendar: what the "my data" page shows of the personal feed links
    (signals.personal_data_requested, calendar_links.on_personal_data_requested),
    # invitations → followup: what the "my data" page shows of the follow-up (answers, consent to share)
    (signals.personal_data_requested, followup_privacy.on_personal_data_requested),
    # invitations → followup: the RSVP page links the questions after the event
    (signals.rsvp_page_sections, followup_answering.rsvp_section),
    # invitations → teams: a late yes is placed in a team; someone leaving is taken out (a guide replaced)
    (signals.invitation_joined, membership.on_invitation_joined),
    (signals.invitation_left, membership.on_invitation_left),
    # inbox → invitations: a message in the reply mailbox (a calendar answer, a bounce, an automatic reply)
    (signals.inbox_message_received, calendar_answers.apply_inbox_message),
    # mail → events: which events' mail an organiser sees on /mail, and what those events are called
    (signals.outbox_events_visible, visible_event_ids),
    (signals.outbox_events_described, describe_events),
    # places → events, people: what still uses a wijk or initiative, and their counts on the overviews
    (signals.neighbourhood_in_use, events_place_use.events_in_neighbourhood),
    (signals.initiative_in_use, people_place_use.people_of_initiative),
    (signals.initiative_in_use, events_place_use.events_of_initiative),
    (signals.neighbourhoods_listed, events_place_use.count_events_per_neighbourhood),
    (signals.initiatives_listed, people_place_use.count_residents_per_initiative),
    (signals.initiatives_listed, events_place_use.list_events_per_initiative),
    # events → invitations, followup: a copy's guest list and follow-up settings; a draft deleted only when nothing
    # of it was sent, and with it what invitations, teams, calendar, the follow-up settings and the inbox keep of it
    (signals.event_copied, copied_guests.copy_guest_list),
    (signals.event_settings_copied, followup_settings.on_event_copied),
    (signals.event_deletion_requested, copied_guests.sent_for_event),
    (signals.event_deletion_requested, mail_of_event),
    (signals.event_deleting, copied_guests.forget_event),
    (signals.event_deleting, membership.forget_teams),
    (signals.event_deleting, calendar_fragments.forget_event),
    (signals.event_deleting, followup_settings.on_event_deleting),
    (signals.event_deleting, forget_inbox_messages_of),
    # accounts → events: a switched-off account's events go to the colleague who takes over
    (signals.account_deactivated, hand_over_everything),
    # people → invitations: a change that reaches a colleague's event goes through that colleague
    (signals.person_change_requested, invitation_changes.refuse_change_touching_others_events),
    # people → invitations and calendar: a new address; links mailed to the old one stop working
    (signals.person_email_changed, invitation_changes.renew_links_after_email_change),
    (signals.person_email_changed, feed_changes.revoke_feeds_after_email_change),
    # invitations → news: what the organisers hear without opening the app (answers, waiting list, full, bounces)
    (signals.answer_pending, news_recording.on_answer_pending),
    (signals.answer_recorded, news_recording.on_answer_recorded),
    (signals.invitee_mail_bounced, news_recording.on_invitee_mail_bounced),
    # people → news, invitations → news: news about an invitee is erased with them and shown on "my data"
    (signals.person_erased, news_retention.on_person_erased),
    (signals.personal_data_requested, news_retention.on_personal_data_requested),
)


def connect_receivers() -> None:
    for signal, receiver in RECEIVERS:
        signal.connect(receiver)
    # invitations → mail: the worker renders the mails that were recorded as facts (mail/deferred.py)
    mail_deferred.register(deferred_notices.DEFERRED_KINDS, deferred_notices.render_notices)
    mail_deferred.register(erasure_notices.ERASURE_KINDS, erasure_notices.render_erasure_cancels)
