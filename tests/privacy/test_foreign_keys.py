"""Foreign keys hold on SQLite as on PostgreSQL: a deleted row's ON DELETE action happens on both, so nothing keeps
pointing at a row that is gone (SQLite enforces them only when each connection asks: organiser/extensions.py),
and migration 0034 does for an existing SQLite database what the missing actions left undone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.exc import IntegrityError

from bench.rows import event_row
from organiser import pool
from organiser.calendar.models import FeedToken
from organiser.events.models import Event
from organiser.extensions import db
from organiser.invitations import signups
from organiser.invitations.models import Invitation, InvitationState
from organiser.mail.deferred import rendered
from organiser.mail.models import OutboxMessage
from organiser.people.models import Person
from organiser.places.models import Initiative
from tests.conftest import make_app


def test_a_removed_sign_ups_mail_never_speaks_of_the_next_invitation(
    app, db, logged_in, create_event, organiser, sign_up, invite
):
    """The organiser removes a sign-up; its CANCEL waits in the outbox with the invitation's id, which ON DELETE
    SET NULL empties. Unenforced (SQLite before), the id stayed, and SQLite gave it to the next invitation made:
    the CANCEL for the removed address was then rendered from the newcomer's invitation (their name, their link)."""
    event = create_event(title="Bruiscafé Oost", organiser=organiser, signup_open=True, signup_seats=5)
    token = sign_up(event, name="Nep Aanmelder", email="nep@example.org")
    with app.test_request_context():
        removed = signups.confirm_signup(signups.find_signup(token)).invitation
        db.session.commit()
    removed_id = removed.id
    assert logged_in.post(f"/events/{event.id}/answers/{removed_id}/remove").status_code == 302
    assert db.session.get(Invitation, removed_id) is None

    newcomer = invite(event, "Nina Nieuwkomer", InvitationState.YES)
    db.session.commit()
    cancels = db.session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.to_address == "nep@example.org", OutboxMessage.kind != "signup_confirm"
        )
    ).all()
    assert cancels, "the removed sign-up is told that the calendar entry goes"
    assert [row.invitation_id for row in cancels] == [None] * len(cancels)
    for row in cancels:
        mail = rendered(row)
        assert "Nina Nieuwkomer" not in mail.text_body and newcomer.person.email not in mail.text_body


def test_a_row_that_refers_to_nothing_is_refused(app, db):
    """Enforced on every connection of the app, both engines (the feeds' reads have one of their own: pool.py)."""
    with pytest.raises(IntegrityError):
        db.session.execute(
            sa.insert(OutboxMessage.__table__).values(
                kind="invitation", to_address="a@example.org", subject="x", invitation_id=999_999, status="pending"
            )
        )
        db.session.flush()
    db.session.rollback()
    if db.engine.dialect.name == "sqlite":
        with pool.reads_engine().connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_0034_does_what_the_missing_on_delete_actions_left_undone(tmp_path):
    """A SQLite database at 0033 with rows as unenforced keys left them: an outbox message whose invitation is gone,
    two whose invitation id was given to a newer invitation (one about another event, one made an hour before the
    invitation), a feed token of a deleted person, a person of a deleted department, an initiative of a deleted
    neighbourhood. After the upgrade each has what PostgreSQL's key would have done, the invitation's own mail
    keeps it, the key that must not be empty is left, and the app's connections enforce keys again."""
    now = datetime.now(UTC).replace(microsecond=0)
    app = make_app(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    with app.app_context():
        upgrade(revision="0033_q12_feed_changes_told")
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")  # as every connection was before 0034
            connection.commit()
            events = [
                connection.execute(
                    sa.insert(Event.__table__).values(event_row(f"Netwerkborrel {n}", now, now=now))
                ).lastrowid
                for n in (1, 2)
            ]
            person = connection.execute(
                sa.insert(Person.__table__).values(
                    name="Nina", email="nina@example.org", kind="staff", department_id=7, contact_role="office"
                )
            ).lastrowid
            invitation = connection.execute(
                sa.insert(Invitation.__table__).values(
                    event_id=events[0], person_id=person, token_nonce="n", created_at=now
                )
            ).lastrowid

            def mail(to: str, invitation_id: int, event_id: int, made: datetime) -> None:
                connection.execute(
                    sa.insert(OutboxMessage.__table__).values(
                        kind="invitation",
                        to_address=to,
                        subject="x",
                        message_id=f"<{to}>",
                        invitation_id=invitation_id,
                        event_id=event_id,
                        created_at=made,
                    )
                )

            mail("gone@example.org", invitation + 1, events[0], now)
            mail("other-event@example.org", invitation, events[1], now)
            mail("an-hour-before@example.org", invitation, events[0], now - timedelta(hours=1))
            mail("nina@example.org", invitation, events[0], now)
            connection.execute(sa.insert(FeedToken.__table__).values(person_id=99, token_hash="abc"))
            connection.execute(sa.insert(Initiative.__table__).values(name="Buurtmoestuin", neighbourhood_id=9))
            connection.commit()
            connection.exec_driver_sql("PRAGMA foreign_keys = ON")
        db.engine.dispose()
        upgrade()
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert dict(connection.exec_driver_sql("SELECT to_address, invitation_id FROM outbox_message").all()) == {
                "gone@example.org": None,
                "other-event@example.org": None,
                "an-hour-before@example.org": None,
                "nina@example.org": invitation,
            }
            assert connection.exec_driver_sql("SELECT count(*) FROM feed_token").scalar() == 0
            assert connection.exec_driver_sql("SELECT department_id FROM person").all() == [(None,)]
            # An initiative's neighbourhood must not be empty: left as it is (and named in a warning).
            assert connection.exec_driver_sql("SELECT neighbourhood_id FROM initiative").all() == [(9,)]
        db.engine.dispose()
