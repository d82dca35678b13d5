"""What a feed request costs (issue 12): a 304 and an unchanged personal feed read one row (the token's hash, the
person, their feed's counter and stored validator), and an answer, a change to an event, a new link and time
leaving an event behind still change the ETag and the body. On SQLite and PostgreSQL (the counters are kept by
database triggers, migrations 0011 and 0028)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa

from organiser.calendar import views
from organiser.extensions import utcnow
from organiser.invitations.models import InvitationState
from tests.calendar.checks import vevents
from tests.factories import in_autocommit, on_every_statement, told_caught_up, told_rows_listening

UID = "event-{}@organiser.test"


@contextmanager
def statements(db, isolation: bool = False):
    """The SQL statements the app sends meanwhile (not BEGIN or COMMIT); with `isolation`, each as (statement,
    the isolation level it was run with: AUTOCOMMIT, or None for the session's transaction)."""
    seen: list = []

    def record(connection, _cursor, statement, *_args):
        seen.append((statement, "AUTOCOMMIT" if in_autocommit(connection) else None) if isolation else statement)

    with on_every_statement(db, record):
        yield seen


@pytest.fixture
def personal(client, db, create_event, create_person, invite, feed_token):
    """A person with four invitations (yes, maybe, invited, declined) and their feed's address."""
    person = create_person()
    invitations = [
        invite(create_event(title=f"Bijeenkomst {n}", starts_at=utcnow() + timedelta(days=3 + n)), person, state)
        for n, state in enumerate(
            (InvitationState.YES, InvitationState.MAYBE, InvitationState.INVITED, InvitationState.NO)
        )
    ]
    return f"/calendar/personal/{feed_token(person)}.ics", invitations


def test_a_304_and_an_unchanged_personal_feed_cost_one_statement_and_then_none_on_postgresql(client, db, personal):
    url, _invitations = personal
    kept = told_rows_listening()  # PostgreSQL: rows kept while it tells of no change; SQLite: None
    first = client.get(url)  # computes the ETag (and stores it with the counters it was computed for)
    assert first.status_code == 200
    told_caught_up(db)  # PostgreSQL: the notifications of the fixture's commits heard, before a row is kept
    with statements(db, isolation=True) as seen:
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["ETag"] == first.headers["ETag"]
    # Outside a transaction: one round trip, where BEGIN and COMMIT would add two (pool.read_alone).
    assert seen == [(seen[0][0], "AUTOCOMMIT")]
    with statements(db) as seen:
        assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    # On PostgreSQL the row read for the 304 before is kept while the database tells of no change: no round trip.
    assert len(seen) == (1 if kept is None else 0), seen
    with statements(db) as seen:
        unchanged = client.get(url)
    assert unchanged.status_code == 200
    assert unchanged.data == first.data
    assert unchanged.headers["ETag"] == first.headers["ETag"]
    assert len(seen) == (1 if kept is None else 0), seen


def test_an_unknown_and_a_revoked_token_cost_one_statement(client, db, personal, feed_token):
    url, invitations = personal
    assert client.get(url).status_code == 200
    feed_token(invitations[0].person)  # a new link: the old one answers 410 at once
    with statements(db) as seen:
        assert client.get(url).status_code == 410
    assert len(seen) == 1, seen
    with statements(db) as seen:
        assert client.get(url.replace(url[-10:-4], "AAAAAA")).status_code == 404
    assert len(seen) == 1, seen


def changed(client, url, before):
    """The feed after a change: a 200 with a new ETag to a client holding the old one, then a 304 again."""
    response = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert response.status_code == 200
    assert response.headers["ETag"] != before.headers["ETag"]
    assert response.data != before.data
    assert client.get(url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    return response


def test_an_answer_a_change_a_new_link_and_time_change_the_etag_and_the_body(client, db, app, personal, monkeypatch):
    url, invitations = personal
    yes, maybe, invited, declined = invitations
    before = client.get(url)
    assert client.get(url, headers={"If-None-Match": before.headers["ETag"]}).status_code == 304

    # An answer (as any statement writes it: the trigger raises the person's counter).
    maybe.state, maybe.answered_at = InvitationState.YES, utcnow()
    db.session.commit()
    after = changed(client, url, before)
    assert vevents(after.data)[UID.format(maybe.event_id)]["STATUS"] == "CONFIRMED"

    # A declined invitation answered yes after all: its event comes into the feed.
    assert UID.format(declined.event_id) not in vevents(after.data)
    db.session.execute(
        sa.update(type(declined)).where(type(declined).id == declined.id).values(state=InvitationState.MAYBE)
    )
    db.session.commit()
    after = changed(client, url, after)
    assert UID.format(declined.event_id) in vevents(after.data)

    # A change to one of the events (the calendar version moves).
    yes.event.title = "Nieuwe titel"
    db.session.commit()
    after = changed(client, url, after)
    assert "Nieuwe titel" in str(vevents(after.data)[UID.format(yes.event_id)]["SUMMARY"])

    # Time: the first event ends, and the window of past events passes it; nothing was written.
    past_days = app.config["FEED_PAST_DAYS"]
    later = yes.event.ends_at + timedelta(days=past_days, minutes=1)
    monkeypatch.setattr(views, "utcnow", lambda: later)
    after = changed(client, url, after)
    assert UID.format(yes.event_id) not in vevents(after.data)


def test_a_person_deleted_with_their_invitations_leaves_no_error(db, personal):
    """The trigger of an invitation deleted with its person (ON DELETE CASCADE) raises a counter that outlives
    the person (a foreign key there would refuse the deletion)."""
    _url, invitations = personal
    person_id = invitations[0].person_id
    db.session.expunge_all()
    db.session.execute(sa.text("DELETE FROM feed_token WHERE person_id = :id"), {"id": person_id})
    db.session.execute(sa.text("DELETE FROM person WHERE id = :id"), {"id": person_id})
    db.session.commit()
    assert db.session.scalar(sa.text("SELECT count(*) FROM person WHERE id = :id"), {"id": person_id}) == 0
