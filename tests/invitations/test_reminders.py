"""The day-before reminder names the right day: "vandaag" for an event later the same day, "morgen" for tomorrow."""

from __future__ import annotations

import pytest

from organiser.invitations import reminders
from organiser.invitations.models import InvitationState
from organiser.mail.deferred import rendered
from organiser.mail.models import OutboxMessage
from tests.conftest import local


@pytest.mark.parametrize(
    ("starts", "now", "word"),
    [
        (local(2030, 6, 14, 20, 0), local(2030, 6, 14, 9, 0), "Vandaag"),  # later the same day
        (local(2030, 6, 15, 10, 0), local(2030, 6, 14, 20, 0), "Morgen"),
        (local(2030, 6, 15, 0, 30), local(2030, 6, 14, 23, 45), "Morgen"),  # just after midnight
        (local(2030, 10, 27, 1, 30), local(2030, 10, 27, 0, 15), "Vandaag"),  # the night the clocks go back
    ],
)
def test_the_day_before_reminder_says_today_or_tomorrow(db, create_event, create_person, invite, starts, now, word):
    event = create_event(starts_at=starts)
    invite(event, create_person(), InvitationState.YES)
    assert reminders.send_day_before_reminders(now) == 1
    mail = rendered(db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.kind == "day_before")))
    other = {"Vandaag": "Morgen", "Morgen": "Vandaag"}[word]
    assert mail.subject.startswith(f"{word}: ") and f"{word} is het zover" in mail.text_body
    assert other not in mail.subject and f"{other} is het zover" not in mail.text_body + mail.html_body
