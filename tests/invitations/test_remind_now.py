"""'Stuur nu een herinnering' on the answers page (issue 17): a reminder through the outbox to everyone invited
who has not answered, not twice within REMINDER_AGAIN_AFTER_HOURS; and the date of each answer."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from organiser.extensions import utcnow
from organiser.i18n import to_local
from organiser.invitations import reminders
from organiser.invitations.models import InvitationState
from organiser.mail.deferred import rendered
from organiser.mail.models import OutboxKind, OutboxMessage


def _reminders_to(db) -> list[str]:
    rows = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.REMINDER))
    return sorted(row.to_name for row in rows)


def test_a_reminder_goes_to_who_has_not_answered_once(db, logged_in, organiser, create_event, invite, invitees):
    event = create_event(title="Bruiscafé", organiser=organiser)  # no reply deadline: reminding is possible
    invitees(event, names=["Anna", "Bram"])  # sent for real: they have personal links
    invite(event, "Cor", InvitationState.YES)
    invite(event, "Dirk", InvitationState.NO)
    invite(event, "Eva", InvitationState.LISTED)

    page = logged_in.get(f"/events/{event.id}/answers").get_data(as_text=True)
    assert "2 mensen hebben nog niet geantwoord." in page and "Stuur nu een herinnering" in page

    done = logged_in.post(f"/events/{event.id}/answers/remind", follow_redirects=True).get_data(as_text=True)
    assert "2 herinneringen worden verstuurd." in done
    assert _reminders_to(db) == ["Anna", "Bram"]
    mail = rendered(db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.REMINDER)))
    assert "Laat u weten of u komt?" in mail.text_body and "Dat kan tot" not in mail.text_body
    assert "/rsvp/" in mail.text_body  # their personal link

    again = logged_in.post(f"/events/{event.id}/answers/remind", follow_redirects=True).get_data(as_text=True)
    assert "2 mensen kregen de afgelopen 24 uur al een herinnering en krijgen nu geen nieuwe." in again
    assert _reminders_to(db) == ["Anna", "Bram"]


def test_after_the_period_a_new_reminder_may_go(db, app, create_event, invite):
    event = create_event()
    anna = invite(event, "Anna")
    now = utcnow()
    assert reminders.send_reminders_now(event, now) == reminders.ReminderRound(1, 0)
    assert reminders.send_reminders_now(event, now + timedelta(hours=23)) == reminders.ReminderRound(0, 1)
    assert reminders.send_reminders_now(event, now + timedelta(hours=25)) == reminders.ReminderRound(1, 0)
    db.session.refresh(anna)
    assert anna.reminder_sent_at is not None  # the scheduled deadline reminder will not come on top
    assert len(_reminders_to(db)) == 2


def test_no_reminder_after_the_deadline(db, logged_in, organiser, create_event, invite):
    event = create_event(organiser=organiser, rsvp_deadline=utcnow() - timedelta(hours=1))
    invite(event, "Anna")
    page = logged_in.get(f"/events/{event.id}/answers").get_data(as_text=True)
    assert "Stuur nu een herinnering" not in page
    refused = logged_in.post(f"/events/{event.id}/answers/remind", follow_redirects=True).get_data(as_text=True)
    assert "Er is geen herinnering verstuurd" in refused and _reminders_to(db) == []


def test_the_answers_csv_has_the_date_of_each_answer(logged_in, organiser, create_event, invite):
    event = create_event(organiser=organiser)
    anna = invite(event, "Anna", InvitationState.YES)
    invite(event, "Bram")
    text = logged_in.get(f"/events/{event.id}/answers.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = rows[0]
    column = header.index("Beantwoord op")
    by_name = {row[0]: row[column] for row in rows[1:]}
    assert by_name["Bram"] == ""
    assert by_name["Anna"] == to_local(anna.answered_at).strftime("%Y-%m-%d %H:%M")
