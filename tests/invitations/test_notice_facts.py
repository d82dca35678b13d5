"""The invitee notices are recorded as facts and rendered by the worker (issue 15), and still say exactly what they
said when they were rendered in the request: the worker's mail is, byte for byte, what `notices.compose_notice`
writes with the personal link, the SEQUENCE and the DTSTAMP of that notice (subject, text, HTML, calendar part)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from organiser.invitations import links, notices
from organiser.invitations.models import Invitation, InvitationState
from organiser.mail.deferred import rendered
from organiser.mail.models import OutboxKind, OutboxMessage

NOTE = "Rolstoel, graag een ingang zonder drempel"


def _change(event):
    return {
        "starts_at": (event.starts_at - timedelta(days=1), event.starts_at),
        "ends_at": (event.ends_at - timedelta(days=1), event.ends_at),
        "location": ("Stadhuis, Amstel 1", event.location),
    }


#: (who, kind, how it is queued, what the template is told besides): each notice as its verb queues it.
CASES = {
    "new_link": ("anna", OutboxKind.NEW_LINK, lambda inv, ev: notices.queue_new_link(inv), None),
    "new_link_waiting": ("dirk", OutboxKind.NEW_LINK, lambda inv, ev: notices.queue_new_link(inv), None),
    "change": (
        "anna",
        OutboxKind.CHANGE,
        lambda inv, ev: notices.queue_change_notices(ev, _change(ev)),
        lambda ev: {"changes": _change(ev)},
    ),
    "route_change": ("anna", OutboxKind.ROUTE_CHANGE, lambda inv, ev: notices.queue_route_notices(ev), None),
    "cancellation": (
        "anna",
        OutboxKind.CANCELLATION,
        lambda inv, ev: notices.queue_cancellation_notices(ev, " Te weinig aanmeldingen "),
        lambda ev: {"reason": "Te weinig aanmeldingen"},
    ),
    "reminder": (
        "bram",
        OutboxKind.REMINDER,
        lambda inv, ev: notices.queue_reminder(inv, OutboxKind.REMINDER, 4),
        lambda ev: {"days_ahead": 4},
    ),
    "day_before": (
        "anna",
        OutboxKind.DAY_BEFORE,
        lambda inv, ev: notices.queue_reminder(inv, OutboxKind.DAY_BEFORE, 0),
        lambda ev: {"days_ahead": 0},
    ),
    "withdrawn": ("anna", OutboxKind.WITHDRAWN, lambda inv, ev: notices.queue_withdrawn(inv, held_place=True), None),
    "calendar_answer": (
        "anna",
        OutboxKind.CALENDAR_ANSWER,
        lambda inv, ev: notices.queue_calendar_answer(inv, "other_address", attendee="ander@example.org"),
        lambda ev: {"reason": "other_address", "attendee": "ander@example.org"},
    ),
    "calendar_counter": (
        "anna",
        OutboxKind.CALENDAR_ANSWER,
        lambda inv, ev: notices.queue_calendar_answer(inv, "counter", ics_method="DECLINECOUNTER", comment="Later?"),
        lambda ev: {"reason": "counter", "comment": "Later?"},
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_worker_renders_each_notice_as_it_was_written_in_the_request(
    case, app, db, organiser, create_event, create_person, invite
):
    who, kind, queue, told = CASES[case]
    event = create_event(title="Wijksafari Zuid", organiser=organiser, capacity=2, max_plus_ones=1)
    people = {
        "anna": invite(event, create_person("Anna Ärtsen"), InvitationState.YES, plus_ones=1, note=NOTE),
        "bram": invite(event, create_person("Bram Bos", locale="en"), InvitationState.INVITED),
    }
    people["dirk"] = invite(event, create_person("Dirk Dekker"), InvitationState.WAITING, note=NOTE)
    for invitation in people.values():
        links.issue_rsvp_token(invitation)
    db.session.query(OutboxMessage).delete()
    db.session.commit()

    with app.test_request_context():
        invitation = db.session.get(Invitation, people[who].id)
        queue(invitation, invitation.event)
        db.session.commit()
        row = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.invitation_id == invitation.id))
        assert row.kind == kind and row.deferred and row.text_body == "" and row.ics is None
        assert NOTE not in str(row.facts) and links.rsvp_token(invitation) not in str(row.facts)
        said = [value for value in (told(invitation.event) if told else {}).values() if isinstance(value, str)]
        assert not [value for value in said if value in str(row.facts)]  # the reason, a comment: sealed
        facts = row.facts
        made = rendered(row)
        expected = notices.compose_notice(
            invitation,
            kind,
            rsvp_link=links.rsvp_url(invitation),
            organiser_email=notices._organiser_address(invitation),
            sequence=facts["sequence"] if facts["sequence"] is not None else 0,
            stamp=datetime.fromisoformat(facts["stamp"]),
            ics_method=row.ics_method,
            waiting_position=facts["waiting_position"],
            **(told(invitation.event) if told else {}),
        )
    assert row.subject == expected.subject
    assert made.text_body == expected.text
    assert made.html_body == expected.html
    assert made.ics == expected.ics and made.ics_method == expected.ics_method
    assert links.rsvp_url(invitation) in made.text_body or kind in (OutboxKind.CANCELLATION, OutboxKind.WITHDRAWN)
