"""An event's follow-up as its organiser sets it (on or off, how long open, the texts), and when it opens and closes.

The questions go out the morning after the event (FOLLOWUP_SEND_HOUR, local time, the day after the event ends) and
stay open `open_days` days from then. Flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

from ..events.models import Event, EventStatus
from ..extensions import db
from ..i18n import local_zone, to_local
from .models import FollowupSettings

#: The standard texts; an organiser's own wording (FollowupSettings) replaces them for one event.
DEFAULT_INTRO = _l(
    "Dank u wel dat u erbij was! Deze bijeenkomst was er om elkaar te leren kennen: collega's van de gemeente en "
    "bewoners met een initiatief. Wilt u ons in twee minuten vertellen of dat gelukt is?"
)
DEFAULT_QUESTIONS = {
    "met": _l("Heeft u iemand nieuw leren kennen?"),
    "touch": _l("Houdt u contact met iemand die u daar leerde kennen?"),
    "rating": _l("Hoe vond u de bijeenkomst?"),
    "different": _l("Wat kunnen we de volgende keer anders doen?"),
}


@dataclass(frozen=True)
class Texts:
    """The words of one event's follow-up: the organiser's, or the standard ones (lazy: in the reader's language)."""

    intro: object
    met: object
    touch: object
    rating: object
    different: object


def settings_of(event: Event) -> FollowupSettings:
    """The event's settings; for an event whose organiser changed nothing, the defaults (not added to the session)."""
    stored = db.session.get(FollowupSettings, event.id)
    return stored if stored is not None else default_settings(event.id)


def default_settings(event_id: int) -> FollowupSettings:
    return FollowupSettings(
        event_id=event_id,
        enabled=True,
        open_days=int(current_app.config["FOLLOWUP_OPEN_DAYS"]),
        intro="",
        question_met="",
        question_touch="",
        question_rating="",
        question_different="",
    )


def save_settings(
    event: Event, *, enabled: bool, open_days: int, intro: str, questions: dict[str, str]
) -> FollowupSettings:
    """Store the organiser's choices for `event` (`questions`: met, touch, rating, different; empty: standard)."""
    settings = db.session.get(FollowupSettings, event.id)
    if settings is None:
        settings = default_settings(event.id)
        db.session.add(settings)
    settings.enabled = enabled
    settings.open_days = open_days
    settings.intro = intro.strip()
    settings.question_met = questions.get("met", "").strip()
    settings.question_touch = questions.get("touch", "").strip()
    settings.question_rating = questions.get("rating", "").strip()
    settings.question_different = questions.get("different", "").strip()
    db.session.flush()
    return settings


def texts_of(settings: FollowupSettings) -> Texts:
    return Texts(
        intro=settings.intro or DEFAULT_INTRO,
        met=settings.question_met or DEFAULT_QUESTIONS["met"],
        touch=settings.question_touch or DEFAULT_QUESTIONS["touch"],
        rating=settings.question_rating or DEFAULT_QUESTIONS["rating"],
        different=settings.question_different or DEFAULT_QUESTIONS["different"],
    )


def opens_at(event: Event) -> datetime:
    """The morning after the event (FOLLOWUP_SEND_HOUR local time on the day after it ends), aware UTC."""
    day = to_local(event.ends_at).date() + timedelta(days=1)
    hour = int(current_app.config["FOLLOWUP_SEND_HOUR"])
    return datetime.combine(day, time(hour), tzinfo=local_zone()).astimezone(UTC)


def closes_at(event: Event, settings: FollowupSettings) -> datetime:
    """When the questions close: `open_days` days after they open."""
    return opens_at(event) + timedelta(days=settings.open_days)


def is_open(event: Event, settings: FollowupSettings, now: datetime) -> bool:
    """Whether the questions of `event` may be asked and answered at `now`: switched on, the event held (published,
    not cancelled), and between the morning after and the closing."""
    return (
        settings.enabled
        and event.status == EventStatus.PUBLISHED
        and opens_at(event) <= now < closes_at(event, settings)
    )


def on_event_copied(source: Event, *, copy: Event, **_kwargs) -> None:
    """signals.event_settings_copied: a copy (or a date of a series) is followed up as its source was (the switch,
    the days open, the organiser's texts); a source without a row of its own leaves the copy on the defaults."""
    stored = db.session.get(FollowupSettings, source.id)
    if stored is None:
        return
    db.session.add(
        FollowupSettings(
            event_id=copy.id,
            enabled=stored.enabled,
            open_days=stored.open_days,
            intro=stored.intro,
            question_met=stored.question_met,
            question_touch=stored.question_touch,
            question_rating=stored.question_rating,
            question_different=stored.question_different,
        )
    )
    db.session.flush()


def on_event_deleting(event: Event, **_kwargs) -> None:
    """signals.event_deleting: a draft goes, and with it the organiser's follow-up settings (a draft was never held,
    so nobody was asked)."""
    db.session.execute(
        delete(FollowupSettings)
        .where(FollowupSettings.event_id == event.id)
        .execution_options(synchronize_session="fetch")
    )
