"""Whatever changes someone's place, their calendar entry follows (issue 13): every path that changes an
invitee's place, each with the calendar message it must leave for them: a REQUEST with their place as it is now, or
a CANCEL, with the UID of the entry they have and a SEQUENCE above every message before; or, where the path
deliberately sends nothing, nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from icalendar import Calendar

from organiser import signals
from organiser.events import routes, series
from organiser.events.models import Event
from organiser.events.planning import update_event
from organiser.extensions import utcnow
from organiser.inbox.messages import read_message
from organiser.inbox.recording import apply_message
from organiser.invitations import answers, links, sending, signups
from organiser.invitations.models import Invitation
from organiser.mail.deferred import rendered
from organiser.mail.models import OutboxMessage
from organiser.people.erasure import delete_person
from organiser.reach import walk_ins
from tests.inbox.conftest import reply_from

ADDRESS = "sanne@gemeente.example"


def calendar_mails(db, event_id: int) -> list[tuple[str, object]]:
    """(METHOD, VEVENT) of every calendar mail to the invitee about the event, oldest first, as sent."""
    rows = db.session.scalars(
        db.select(OutboxMessage)
        .where(OutboxMessage.event_id == event_id, OutboxMessage.to_address == ADDRESS)
        .order_by(OutboxMessage.id)
    )
    found = []
    for row in map(rendered, rows):
        if row.ics:
            calendar = Calendar.from_ical(row.ics)
            (vevent,) = calendar.walk("VEVENT")
            found.append((str(calendar["METHOD"]), vevent))
    return found


def partstat(vevent) -> str:
    return str(vevent["ATTENDEE"].params["PARTSTAT"])


@pytest.fixture
def placed(app, db, organiser, create_event, create_person):
    """Sanne invited (her REQUEST sent) to a one-seat event, and a colleague invited too; the reply mailbox set so
    that calendar answers count."""
    app.config.update(INBOX_URL="imap://u:p@127.0.0.1:9/INBOX", REPLY_ADDRESS="antwoord@gemeente.example")
    event = create_event(organiser=organiser, capacity=1, title="Wijksafari")
    sanne = create_person(name="Sanne", email=ADDRESS)
    other = create_person(name="Collega")
    for person in (sanne, other):
        db.session.add(Invitation(event=event, person=person))
    db.session.flush()
    sending.send_invitations(event)
    db.session.commit()
    mine = db.session.scalar(db.select(Invitation).where(Invitation.person_id == sanne.id))
    theirs = db.session.scalar(db.select(Invitation).where(Invitation.person_id == other.id))
    return event, mine, theirs


def _answer_on_the_web(db, client, event, mine, theirs):
    token = links.rsvp_token(mine)
    db.session.commit()
    client.post(f"/rsvp/{token}", {"answer": "yes", "plus_ones": "0", "note": ""})


def _answer_from_the_calendar(db, client, event, mine, theirs):
    apply_message(read_message(reply_from(db, mine.id, "outlook", "TENTATIVE")), utcnow())


def _organiser_records(db, client, event, mine, theirs):
    answers.record_answer(mine, "maybe", by_organiser=True)


def _withdrawal(db, client, event, mine, theirs):
    answers.record_answer(mine, "yes")
    answers.withdraw(mine)


def _promotion(db, client, event, mine, theirs):
    answers.record_answer(theirs, "yes")
    answers.record_answer(mine, "yes")  # full: waiting list
    answers.record_answer(theirs, "no")  # her turn


def _capacity_raised(db, client, event, mine, theirs):
    answers.record_answer(theirs, "yes")
    answers.record_answer(mine, "yes")  # full: waiting list
    update_event(event, replace(series.details_of(event), capacity=2))


def _cancellation(db, client, event, mine, theirs):
    answers.record_answer(mine, "yes")
    db.session.commit()
    client.post(f"/events/{event.id}/cancel", {"reason": "Storm"})


def _event_changed(db, client, event, mine, theirs):
    answers.record_answer(mine, "yes")
    details = series.details_of(event)
    changes = update_event(event, replace(details, starts_at=details.starts_at + timedelta(hours=1)))
    signals.event_changed.send(event, changes=changes)  # as the event page does for each event it changed


def _route_stop_added(db, client, event, mine, theirs):
    answers.record_answer(mine, "yes")
    routes.add_stop(event, "Buurthuis", "Dorpsstraat 1", event.starts_at, event.starts_at + timedelta(minutes=30), None)


def _sign_up_removed(db, client, event, mine, theirs):
    answers.record_answer(mine, "yes")
    mine.signed_up_at = utcnow()  # as signups.confirm_signup leaves a sign-up
    signups.remove_signup(mine)


def _person_deleted(db, client, event, mine, theirs):
    answers.record_answer(mine, "yes")
    delete_person(mine.person)


def _walk_in(db, client, event, mine, theirs):
    event.starts_at, event.ends_at = utcnow() - timedelta(minutes=10), utcnow() + timedelta(hours=2)
    walk_ins.admit_walk_in(event, mine.person)


#: (path, what it does, the calendar message it must leave: METHOD and PARTSTAT, or None for deliberately none).
PATHS = [
    ("answer on the web", _answer_on_the_web, ("REQUEST", "ACCEPTED")),
    ("answer from the calendar", _answer_from_the_calendar, ("REQUEST", "TENTATIVE")),
    ("organiser records an answer", _organiser_records, ("REQUEST", "TENTATIVE")),
    ("withdrawal", _withdrawal, ("CANCEL", None)),
    ("promotion from the waiting list", _promotion, ("REQUEST", "ACCEPTED")),
    ("more seats promote", _capacity_raised, ("REQUEST", "ACCEPTED")),
    ("cancellation", _cancellation, ("CANCEL", None)),
    ("change of time (also each event of a series edit)", _event_changed, ("REQUEST", "ACCEPTED")),
    ("route stop added", _route_stop_added, ("REQUEST", "ACCEPTED")),
    ("organiser removes a sign-up", _sign_up_removed, ("CANCEL", None)),
    ("person deleted (or erased themselves)", _person_deleted, ("CANCEL", None)),
    # At the door, on the day, ticked present: the entry is today's and over within hours; no mail is sent then.
    ("walk-in at the door", _walk_in, None),
]


@pytest.mark.parametrize(("path", "act", "expected"), PATHS, ids=[path for path, _act, _expected in PATHS])
def test_the_calendar_entry_follows_every_change_of_place(app, db, client, logged_in, placed, path, act, expected):
    event, mine, theirs = placed
    (before,) = calendar_mails(db, event.id)  # the invitation's REQUEST
    assert before[0] == "REQUEST"
    act(db, client, event, mine, theirs)
    db.session.commit()
    after = calendar_mails(db, event.id)
    if expected is None:
        assert len(after) == 1, path
        return
    method, vevent = after[-1]
    assert method == expected[0], path
    if expected[1] is not None:
        assert partstat(vevent) == expected[1], path
    assert str(vevent["UID"]) == str(before[1]["UID"]), path
    assert int(vevent["SEQUENCE"]) > int(before[1]["SEQUENCE"]), path
    assert db.session.get(Event, event.id) is not None
