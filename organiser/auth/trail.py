"""The trail: who did what to which event, person or account, and when; for administrators.

Entries are written in the transaction of the change they describe (so a rolled-back change leaves no entry)
and purged after TRAIL_RETENTION_DAYS by `flask jobs`. They hold a name, never the personal details changed.
"""

from __future__ import annotations

from datetime import datetime

from flask import has_request_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import delete

from .. import retention
from ..extensions import db, rows_matched, utcnow
from .models import Organiser, TrailEntry

#: What each action code means, for the trail page.
ACTION_LABELS = {
    "login": _l("Ingelogd"),
    "login_failed": _l("Inloggen mislukt"),
    "logout_everywhere": _l("Overal uitgelogd"),
    "password_changed": _l("Wachtwoord gewijzigd"),
    "password_reset_sent": _l("Link voor nieuw wachtwoord verstuurd"),
    "password_set": _l("Wachtwoord ingesteld via link"),
    "account_invited": _l("Account uitgenodigd"),
    "account_created_sso": _l("Account gemaakt bij eerste aanmelding via de gemeente"),
    "mfa_enrolled": _l("Tweede stap (app) ingesteld"),
    "mfa_recovery_codes": _l("Nieuwe herstelcodes gemaakt"),
    "mfa_switched_off": _l("Tweede stap uitgezet"),
    "role_changed": _l("Rol gewijzigd"),
    "account_deactivated": _l("Account uitgeschakeld"),
    "account_reactivated": _l("Account weer ingeschakeld"),
    "people_exported": _l("Adresboek geëxporteerd"),
    "person_changed": _l("Persoon gewijzigd"),
    "person_email_changed": _l("E-mailadres van persoon gewijzigd"),
    "person_deactivated": _l("Persoon op niet actief gezet"),
    "person_deleted": _l("Persoon verwijderd"),
    "feed_link_sent": _l("Agendalink verstuurd"),
    "event_handed_over": _l("Bijeenkomst overgedragen"),
    "co_organiser_added": _l("Mede-organisator toegevoegd"),
    "co_organiser_removed": _l("Mede-organisator verwijderd"),
    "invitations_sent": _l("Uitnodigingen verstuurd"),
    "reminders_sent": _l("Herinneringen verstuurd"),
    "news_settings_changed": _l("Keuze voor berichten gewijzigd"),
    "event_link_created": _l("Persoonlijke link voor gastheer of aanmeldhulp gemaakt"),
    "event_link_revoked": _l("Persoonlijke link ingetrokken"),
    "host_added_resident": _l("Bewoner aangemeld door initiatiefnemer"),
    "event_cancelled": _l("Bijeenkomst afgelast"),
    "event_copied": _l("Bijeenkomst gekopieerd"),
    "series_made": _l("Reeks gemaakt"),
    "event_deleted": _l("Concept verwijderd"),
}

SUBJECT_LABELS = {"event": _l("Bijeenkomst"), "person": _l("Persoon"), "account": _l("Account"), "": ""}


def record(
    action: str,
    subject_type: str = "",
    subject_id: int | None = None,
    summary: str = "",
    actor: Organiser | None = None,
    actor_name: str = "",
) -> TrailEntry:
    """Add an entry in the current transaction; the actor is the logged-in account unless given."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    entry = TrailEntry(
        actor_id=actor.id if actor is not None else None,
        actor=(actor.email if actor is not None else actor_name)[:254],
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        summary=summary[:300],
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def recent_entries(subject_type: str = "", subject_id: int | None = None):
    """The trail, newest first (a query, for paging), optionally about one record."""
    query = db.select(TrailEntry).order_by(TrailEntry.at.desc(), TrailEntry.id.desc())
    if subject_type:
        query = query.where(TrailEntry.subject_type == subject_type)
        if subject_id is not None:
            query = query.where(TrailEntry.subject_id == subject_id)
    return query


def purge_old_entries(now: datetime | None = None) -> int:
    """Remove entries older than TRAIL_RETENTION_DAYS (retention.TRAIL, shown on the privacy page); returns how many."""
    result = db.session.execute(delete(TrailEntry).where(TrailEntry.at < retention.TRAIL.cutoff(now or utcnow())))
    db.session.flush()
    return rows_matched(result)
