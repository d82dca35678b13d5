"""The retention policy, step by step and as a whole: a database full of invitees, notes, answers, withdrawals,
erasures and sent mail, purged at the right moments, keeps no note, no link that works and nothing past its period
(issue 15). Every period comes from the settings through organiser/retention.py, as on the privacy page."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from organiser import retention
from organiser.auth import trail
from organiser.auth.models import Role
from organiser.calendar.links import send_feed_link
from organiser.events.models import Event
from organiser.extensions import utcnow
from organiser.followup import privacy as followup_privacy
from organiser.invitations import links, sending
from organiser.invitations import retention as invitation_retention
from organiser.invitations.models import Invitation, InvitationState
from organiser.jobs import run_scheduled_jobs
from organiser.mail import retention as mail_retention
from organiser.mail.deferred import rendered
from organiser.mail.dispatch import dispatch_due
from organiser.mail.models import OutboxMessage, OutboxStatus
from organiser.mail.outbox import OutboxKind, queue_mail, retry_mail
from organiser.news import retention as news_retention
from organiser.people import retention as people_retention
from organiser.people.erasure import delete_person
from organiser.people.models import ContactRole, Person, PersonImport

#: Every token this app hands out is 43 URL-safe characters (256 bits); so is every nonce it stores.
TOKEN_SHAPED = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")


def database_text(db) -> str:
    """Every value in every table, as text: what a stolen backup holds."""
    parts = []
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            for row in connection.execute(sa.select(table)):
                parts.extend(str(value) for value in row if value is not None)
    return "\n".join(parts)


def no_stored_link_works(client, db) -> None:
    """Try everything in the database that looks like a token (or is in a link) as an RSVP and a feed token."""
    text = database_text(db)
    candidates = set(TOKEN_SHAPED.findall(text))
    candidates |= set(re.findall(r"/rsvp/([^\s\"'<>/]+)", text))
    candidates |= set(re.findall(r"/calendar/personal/([^\s\"'<>/]+)\.ics", text))
    for candidate in candidates:
        assert client.get(f"/rsvp/{candidate}").status_code in (404, 410), candidate
        assert client.get(f"/calendar/personal/{candidate}.ics").status_code in (404, 410), candidate


def answer(client, token, value, plus_ones=0, note=""):
    response = client.post(f"/rsvp/{token}", {"answer": value, "plus_ones": str(plus_ones), "note": note})
    assert response.status_code in (200, 302, 303), response.status_code
    return response


def days(setting: str, app) -> timedelta:
    return timedelta(days=app.config[setting])


# --- The whole policy, at the right moments --------------------------------------------------------------------

NOTES = {
    "anna": "Glutenvrij en notenallergie",
    "bram": "Rolstoel, ingang zonder drempel",
    "chris": "Vegetarisch, komt met geleidehond",
    "dirk": "Slechtziend, grote letters graag",
}


def test_the_purge_leaves_no_note_no_working_link_and_nothing_past_its_period(
    app, client, db, organiser, create_event, create_person, smtp_server, use_smtp
):
    use_smtp(smtp_server.port)
    app.config["CONFIRMATION_DELAY_SECONDS"] = 0  # confirmations go out at once, not after settling a minute
    event = create_event(title="Wijksafari Noord", organiser=organiser, capacity=10, max_plus_ones=2)
    names = {"anna": "Anna Aalbers", "bram": "Bram Bos", "chris": "Chris Claes", "dirk": "Dirk Dekker"}
    names["eva"] = "Eva Eskes"
    people = {key: create_person(name=name, email=f"{key}@gemeente.example") for key, name in names.items()}
    for person in people.values():
        db.session.add(Invitation(event=event, person=person, reason="Kantoor, nog nooit geweest"))
    db.session.flush()
    sending.send_invitations(event)
    send_feed_link(db.session.get(Person, people["anna"].id))
    db.session.commit()
    tokens = {
        key: links.rsvp_token(db.session.scalar(db.select(Invitation).where(Invitation.person_id == person.id)))
        for key, person in people.items()
    }

    answer(client, tokens["anna"], "yes", 2, NOTES["anna"])
    answer(client, tokens["bram"], "maybe", 0, NOTES["bram"])
    answer(client, tokens["chris"], "yes", 1, NOTES["chris"])
    client.post(f"/rsvp/{tokens['chris']}/withdraw")  # withdraws from the event
    answer(client, tokens["dirk"], "yes", 0, NOTES["dirk"])
    client.post(f"/rsvp/{tokens['dirk']}/erase")  # has everything erased
    delete_person(db.session.get(Person, people["eva"].id))  # the organiser deletes Eva
    db.session.commit()
    assert dispatch_due().sent > 0
    # One mail that the server refuses: it keeps what it must say, to be retried, but never Bram's link or note (it
    # was recorded as facts; a retry renders it again, issue 15).
    smtp_server.handler.rcpt_reply = "550 5.1.1 Mailbox unavailable"
    answer(client, tokens["bram"], "yes", 0, NOTES["bram"])
    assert dispatch_due().failed == 1
    smtp_server.handler.rcpt_reply = None
    (failed,) = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED))
    stored = failed.subject + failed.text_body + failed.html_body + (failed.ics or "") + str(failed.facts)
    assert failed.has_contents and NOTES["bram"] not in stored and tokens["bram"] not in stored
    assert NOTES["bram"] in rendered(failed).text_body and tokens["bram"] in rendered(failed).text_body

    def run(now):
        results = run_scheduled_jobs(now)
        db.session.commit()
        dispatch_due()  # whatever the jobs queued goes out (and loses its contents)
        db.session.expire_all()
        return results

    # At once: sent mail has no contents; withdrawn, erased and deleted people keep nothing that is theirs.
    run(utcnow())
    text = database_text(db)
    for message in db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENT)):
        assert not message.has_contents, message.kind
    for gone in (NOTES["chris"], NOTES["dirk"], names["dirk"], names["eva"], "dirk@", "eva@"):
        assert gone not in text, gone
    assert NOTES["anna"] in text and NOTES["bram"] in text  # before the event: the organiser needs them
    assert client.get(f"/rsvp/{tokens['anna']}").status_code == 200  # the links in people's inboxes work

    # The failed mail keeps its contents for its period, then loses them (and cannot be retried any more).
    created = failed.created_at
    run(created + days("RETENTION_UNSENT_MAIL_DAYS", app) - timedelta(hours=1))
    assert db.session.get(OutboxMessage, failed.id).has_contents
    run(created + days("RETENTION_UNSENT_MAIL_DAYS", app) + timedelta(minutes=1))
    failed = db.session.get(OutboxMessage, failed.id)
    assert not failed.has_contents and not retry_mail(failed)
    no_stored_link_works(client, db)  # from here on no link in the database works

    # Notes and plus-ones: kept until their period after the event, then gone.
    event = db.session.get(Event, event.id)
    seats = event.seats_taken
    run(event.ends_at + days("RETENTION_NOTES_DAYS", app) - timedelta(hours=1))
    assert NOTES["anna"] in database_text(db)
    run(event.ends_at + days("RETENTION_NOTES_DAYS", app) + timedelta(minutes=1))
    text = database_text(db)
    for note in NOTES.values():
        assert note not in text, note
    assert all(i.plus_ones == 0 for i in db.session.scalars(db.select(Invitation)))
    assert db.session.get(Event, event.id).seats_taken == seats  # the count stays
    no_stored_link_works(client, db)

    # The record of each mail: kept for its period, then deleted.
    run(created + days("RETENTION_MAIL_LOG_DAYS", app) - timedelta(hours=1))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) > 0
    run(created + days("RETENTION_MAIL_LOG_DAYS", app) + timedelta(minutes=1))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0

    # Answers under a name: kept for their period after the event, then detached; the counts stay.
    def counts():
        return sorted(
            db.session.execute(
                sa.select(Invitation.state, Person.kind, Person.department_id, Person.contact_role).join(Person)
            ).all()
        )

    before = counts()
    run(event.ends_at + days("RETENTION_ANSWERS_DAYS", app) - timedelta(hours=1))
    assert db.session.get(Person, people["anna"].id).name == names["anna"]
    run(event.ends_at + days("RETENTION_ANSWERS_DAYS", app) + timedelta(minutes=1))
    assert counts() == before
    named = db.session.scalars(
        db.select(Invitation).join(Person).where(Invitation.event_id == event.id, Person.deleted_at.is_(None))
    ).all()
    assert named == []
    for key in ("anna", "bram"):
        assert client.get(f"/rsvp/{tokens[key]}").status_code == 404
    text = database_text(db)
    assert "Kantoor, nog nooit geweest" not in text
    no_stored_link_works(client, db)


# --- Each step on its own -------------------------------------------------------------------------------------


@pytest.fixture
def answered(db, create_event, create_person, invite):
    """A finished event's invitation with a note and a plus-one."""
    event = create_event(starts_at=utcnow() - timedelta(days=3))
    invitation = invite(event, create_person(), InvitationState.YES)
    invitation.note, invitation.plus_ones = "Lactosevrij", 1
    db.session.commit()
    return event, invitation


def test_notes_and_plus_ones_go_after_the_setting(app, db, answered):
    event, invitation = answered
    app.config["RETENTION_NOTES_DAYS"] = 5
    assert invitation_retention.purge_personal_details(event.ends_at + timedelta(days=4)) == 0
    assert invitation_retention.purge_personal_details(event.ends_at + timedelta(days=5)) == 1
    db.session.commit()
    invitation = db.session.get(Invitation, invitation.id)
    assert invitation.note == "" and invitation.plus_ones == 0 and invitation.state == InvitationState.YES
    assert invitation_retention.purge_personal_details(event.ends_at + timedelta(days=6)) == 0  # once


def test_answers_move_to_a_nameless_stand_in(app, db, answered):
    event, invitation = answered
    person = invitation.person
    app.config["RETENTION_ANSWERS_DAYS"] = 10
    assert invitation_retention.detach_old_answers(event.ends_at + timedelta(days=9)) == 0
    assert invitation_retention.detach_old_answers(event.ends_at + timedelta(days=10)) == 1
    db.session.commit()
    invitation = db.session.get(Invitation, invitation.id)
    stand_in = invitation.person
    assert stand_in.id != person.id and stand_in.email is None and stand_in.deleted_at is not None
    assert (stand_in.kind, stand_in.department_id, stand_in.contact_role) == (
        person.kind,
        person.department_id,
        ContactRole.OFFICE,
    )
    assert invitation.state == InvitationState.YES and invitation.note == ""
    assert db.session.get(Person, person.id).deleted_at is None  # the person stays, without this answer
    assert invitation_retention.detach_old_answers(event.ends_at + timedelta(days=11)) == 0  # once


def queue(db, **fields) -> OutboxMessage:
    message = queue_mail(
        kind=OutboxKind.INVITATION,
        to_address="iemand@gemeente.example",
        to_name="Iemand",
        subject="Uitnodiging",
        text_body="Uw link: http://organiser.test/rsvp/" + "a" * 43,
        html_body="<p>link</p>",
    )
    for name, value in fields.items():
        setattr(message, name, value)
    db.session.commit()
    return message


def test_sent_mail_loses_its_contents_when_sent(app, db, smtp_server, use_smtp):
    use_smtp(smtp_server.port)
    message = queue(db)
    assert dispatch_due().sent == 1
    message = db.session.get(OutboxMessage, message.id)
    assert message.status == OutboxStatus.SENT and not message.has_contents
    assert (message.to_address, message.kind, message.subject) == (
        "iemand@gemeente.example",
        "invitation",
        "Uitnodiging",
    )
    assert "/rsvp/" in smtp_server.handler.messages[0].get_body(("plain",)).get_content()  # it did go out whole


def test_sent_mail_contents_may_stay_for_a_set_period(app, db, smtp_server, use_smtp):
    use_smtp(smtp_server.port)
    app.config["RETENTION_SENT_MAIL_DAYS"] = 2
    message = queue(db)
    dispatch_due()
    message = db.session.get(OutboxMessage, message.id)
    assert message.has_contents
    assert mail_retention.remove_sent_contents(message.sent_at + timedelta(days=1)) == 0
    assert mail_retention.remove_sent_contents(message.sent_at + timedelta(days=2)) == 1
    db.session.commit()
    assert not db.session.get(OutboxMessage, message.id).has_contents


def test_unsent_mail_keeps_its_contents_for_its_period_then_cannot_be_retried(app, db, logged_in, organiser):
    app.config.update(RETENTION_UNSENT_MAIL_DAYS=3)
    organiser.role = Role.ADMINISTRATOR
    db.session.commit()
    message = queue(db, status=OutboxStatus.FAILED, last_error="550 unknown")
    assert mail_retention.remove_unsent_contents(message.created_at + timedelta(days=2)) == 0
    assert mail_retention.remove_unsent_contents(message.created_at + timedelta(days=3)) == 1
    db.session.commit()
    page = logged_in.get("/mail").get_data(as_text=True)
    assert "iemand@gemeente.example" in page and "Opnieuw proberen" not in page
    logged_in.post(f"/mail/{message.id}/retry")
    assert "opnieuw proberen kan niet meer" in logged_in.get("/mail").get_data(as_text=True)
    assert db.session.get(OutboxMessage, message.id).status == OutboxStatus.FAILED


def test_mail_records_go_after_their_period_but_pending_mail_never(app, db):
    app.config["RETENTION_MAIL_LOG_DAYS"] = 30
    sent = queue(db, status=OutboxStatus.SENT, sent_at=utcnow())
    sent_id, pending_id, created = sent.id, queue(db).id, sent.created_at
    assert mail_retention.delete_old_records(created + timedelta(days=29)) == 0
    assert mail_retention.delete_old_records(created + timedelta(days=30)) == 1
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(OutboxMessage, sent_id) is None and db.session.get(OutboxMessage, pending_id) is not None


def test_flask_jobs_runs_every_step(app, db):
    """`flask jobs` (cron) and the worker run the same list (organiser.jobs.run_scheduled_jobs)."""
    result = app.test_cli_runner().invoke(args=["jobs"])
    assert result.exit_code == 0, result.output
    for step in (
        "purged_personal_details",
        "detached_old_answers",
        "detached_old_followup_answers",
        "followup_questions",
        "followup_reminders",
        "removed_sent_mail_contents",
        "removed_unsent_mail_contents",
        "deleted_old_mail_records",
        "anonymised_people_who_left",
        "deleted_stale_imports",
    ):
        assert f"{step}: 0" in result.output
    assert app.extensions["outbox_scheduled_jobs"] is run_scheduled_jobs


def test_every_period_of_the_policy_is_applied_by_a_step():
    """The privacy page lists retention.POLICY; each period in it is read by a purge step (no promise unkept)."""
    import inspect

    from organiser import jobs
    from organiser.invitations import signups

    sources = inspect.getsource(invitation_retention) + inspect.getsource(mail_retention)
    sources += inspect.getsource(people_retention)
    sources += inspect.getsource(followup_privacy) + inspect.getsource(news_retention)
    sources += inspect.getsource(jobs) + inspect.getsource(trail) + inspect.getsource(signups)
    for period in retention.POLICY:
        name = next(key for key, value in vars(retention).items() if value is period)
        assert f"retention.{name}" in sources or period.setting in sources, period.setting


def test_people_who_left_are_anonymised_after_the_period(app, db, logged_in, create_person, create_event, invite):
    app.config["RETENTION_LEFT_DAYS"] = 100
    leaving = create_person(name="Vertrokken Collega", email="weg@gemeente.example")
    staying = create_person(name="Blijvende Collega")
    invite(create_event(starts_at=utcnow() - timedelta(days=50)), leaving, InvitationState.YES, attended=True)
    logged_in.post(f"/people/{leaving.id}/deactivate")
    left_at = db.session.get(Person, leaving.id).deactivated_at
    assert left_at is not None
    assert people_retention.anonymise_people_who_left(left_at + timedelta(days=99)) == 0
    assert people_retention.anonymise_people_who_left(left_at + timedelta(days=100)) == 1
    db.session.commit()
    gone = db.session.get(Person, leaving.id)
    assert gone.deleted_at is not None and gone.email is None and gone.name != "Vertrokken Collega"
    assert gone.department_id is not None  # counted as before
    assert db.session.get(Person, staying.id).deleted_at is None


def test_reactivating_stops_the_clock_also_after_an_import(app, db, create_person):
    app.config["RETENTION_LEFT_DAYS"] = 100
    person = create_person()
    # An import sets people inactive with a bulk statement (no validator): the purge starts the clock itself.
    db.session.execute(sa.update(Person).where(Person.id == person.id).values(active=False))
    db.session.commit()
    first_run = utcnow()
    assert people_retention.anonymise_people_who_left(first_run) == 0
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Person, person.id).deactivated_at == first_run
    db.session.execute(sa.update(Person).where(Person.id == person.id).values(active=True))
    db.session.commit()
    assert people_retention.anonymise_people_who_left(first_run + timedelta(days=200)) == 0
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Person, person.id).deactivated_at is None


def test_uploaded_files_go_after_their_period(app, db, logged_in, organiser):
    app.config["RETENTION_IMPORT_HOURS"] = 6
    response = logged_in.post(
        "/people/import",
        {"file": (io.BytesIO(b"naam,e-mail,soort\nAnna,anna@gemeente.example,collega\n"), "mensen.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code in (302, 303)
    (upload,) = db.session.scalars(db.select(PersonImport)).all()
    uploaded = upload.created_at
    assert people_retention.delete_stale_imports(uploaded + timedelta(hours=5)) == 0
    assert people_retention.delete_stale_imports(uploaded + timedelta(hours=6)) == 1
    db.session.commit()
    assert db.session.scalars(db.select(PersonImport)).all() == []


def test_the_trail_is_purged_after_its_period(app, db, create_person):
    """The organisers' trail names the person it is about; it goes after TRAIL_RETENTION_DAYS, as /privacy says."""
    app.config["TRAIL_RETENTION_DAYS"] = 40
    person = create_person(name="Gelogde Collega")
    entry = trail.record("person_changed", "person", person.id, summary="Gelogde Collega", actor_name="beheer")
    written = entry.at
    assert trail.purge_old_entries(written + timedelta(days=40)) == 0  # exactly the period: still kept
    assert trail.purge_old_entries(written + timedelta(days=40, seconds=1)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(type(entry))) == 0
