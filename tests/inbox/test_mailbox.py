"""The reply mailbox under faults: two workers at once, the IMAP server cutting the connection mid-batch, the
database going away while a message is applied, a stop request. Nothing lost, nothing applied twice."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from imap_tools import MailBox, MailBoxUnencrypted

from organiser.extensions import db as _db
from organiser.inbox.mailbox import FetchReport, InboxUnavailable, fetch_inbox, mailbox_settings
from organiser.inbox.models import InboxMessage
from organiser.invitations.models import Invitation, InvitationState
from organiser.mail.models import OutboxMessage
from organiser.signals import inbox_message_received
from tests.inbox.conftest import reload, reply_from


def confirmations(db) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "confirmation")
    )


def states(db, invitations) -> list[InvitationState]:
    return [reload(db, i.id).state for i in invitations]


def test_two_workers_fetching_at_once_apply_each_message_once(app, db, dovecot, mailbox_user, invited):
    event, invitations = invited(n=5)
    for invitation in invitations:
        dovecot.append(mailbox_user, reply_from(db, invitation.id, "outlook", "ACCEPTED"))
    reports: list[FetchReport] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker():
        with app.app_context():
            try:
                start.wait()
                reports.append(fetch_inbox())
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    seen = ([str(r) for r in reports], states(db, invitations), confirmations(db))  # all of it, should one fail
    assert sum(r.applied for r in reports) == 5, seen
    assert states(db, invitations) == [InvitationState.YES] * 5
    assert confirmations(db) == 5, seen  # one each, not two
    assert dovecot.messages(mailbox_user) == []


def test_imap_server_gone_mid_batch_loses_nothing_and_applies_nothing_twice(app, db, dovecot, mailbox_user, invited):
    event, invitations = invited(n=2)
    for invitation in invitations:
        dovecot.append(mailbox_user, reply_from(db, invitation.id, "thunderbird", "DECLINED"))

    def cut_the_connection(incoming, now):
        dovecot.kick(mailbox_user)  # while the first message is applied: its removal will fail

    inbox_message_received.connect(cut_the_connection)
    try:
        with pytest.raises(InboxUnavailable):
            fetch_inbox()
    finally:
        inbox_message_received.disconnect(cut_the_connection)
    assert len(dovecot.messages(mailbox_user)) == 2  # nothing removed that the server did not confirm
    applied = db.session.scalar(sa.select(sa.func.count()).select_from(InboxMessage))
    assert applied == 1  # the first was committed before the connection went

    report = fetch_inbox()
    assert (report.applied, report.duplicates) == (1, 1)
    assert states(db, invitations) == [InvitationState.NO] * 2
    assert confirmations(db) == 2
    assert dovecot.messages(mailbox_user) == []


def test_database_gone_while_applying_leaves_the_message_for_the_next_fetch(
    app, db, database, dovecot, mailbox_user, invited
):
    if database["kind"] != "postgresql":
        pytest.skip("a SQLite file does not go away; the PostgreSQL run covers this")
    event, (invitation,) = invited()
    invitation_id = invitation.id
    dovecot.append(mailbox_user, reply_from(db, invitation_id, "gmail", "ACCEPTED"))

    def drop_the_connection(incoming, now):
        _db.session.execute(sa.text("SELECT pg_terminate_backend(pg_backend_pid())"))

    inbox_message_received.connect(drop_the_connection)
    try:
        with pytest.raises(InboxUnavailable, match="database"):
            fetch_inbox()
    finally:
        inbox_message_received.disconnect(drop_the_connection)
    _db.session.remove()
    assert len(dovecot.messages(mailbox_user)) == 1
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(InboxMessage)) == 0
    assert _db.session.get(Invitation, invitation_id).state == InvitationState.INVITED

    assert fetch_inbox().applied == 1
    assert reload(_db, invitation_id).state == InvitationState.YES
    assert dovecot.messages(mailbox_user) == []


def test_a_message_whose_handling_fails_is_recorded_flagged_and_not_retried(app, db, dovecot, mailbox_user, invited):
    event, invitations = invited(n=2)
    for invitation in invitations:
        dovecot.append(mailbox_user, reply_from(db, invitation.id, "apple", "ACCEPTED"))
    calls = []

    def fail_once(incoming, now):
        calls.append(incoming.key)
        if len(calls) == 1:
            raise RuntimeError("a bug")

    inbox_message_received.connect(fail_once)
    try:
        report = fetch_inbox()
    finally:
        inbox_message_received.disconnect(fail_once)
    assert (report.applied, report.failed) == (1, 1)  # the batch went on
    left = dovecot.messages(mailbox_user)
    assert len(left) == 1 and b"\\Flagged" in left[0][0]
    assert fetch_inbox().handled == 0  # flagged: left for a person, not tried again and again
    assert db.session.scalar(sa.select(InboxMessage.outcome).where(InboxMessage.outcome == "error")) == "error"


def test_a_stop_request_ends_the_fetch_before_the_next_message(app, db, dovecot, mailbox_user, invited):
    event, invitations = invited(n=3)
    for invitation in invitations:
        dovecot.append(mailbox_user, reply_from(db, invitation.id, "outlook", "TENTATIVE"))
    stop = threading.Event()

    def stop_after_first(incoming, now):
        stop.set()  # as the worker's SIGTERM handler does

    inbox_message_received.connect(stop_after_first)
    try:
        report = fetch_inbox(stop=stop)
    finally:
        inbox_message_received.disconnect(stop_after_first)
    assert (report.applied, report.left) == (1, 2)
    assert len(dovecot.messages(mailbox_user)) == 2
    assert fetch_inbox().applied == 2
    assert states(db, invitations) == [InvitationState.MAYBE] * 3


def test_fetch_command_without_a_mailbox_says_what_to_set(app):
    app.config["INBOX_URL"] = None
    result = app.test_cli_runner().invoke(args=["inbox", "fetch"])
    assert result.exit_code != 0 and "ORGANISER_INBOX_URL" in result.output


def test_fetch_command_reports_an_unreachable_server(app):
    app.config["INBOX_URL"] = "imap://antwoord:secret@127.0.0.1:1/INBOX"
    result = app.test_cli_runner().invoke(args=["inbox", "fetch"])
    assert result.exit_code != 0 and "mailbox 127.0.0.1:1" in result.output


def test_inbox_urls():
    settings = mailbox_settings("imaps://antwoord%40gemeente.example:p%40ss@imap.gemeente.example/Antwoorden")
    assert (settings.secure, settings.host, settings.port) == (True, "imap.gemeente.example", 993)
    assert (settings.username, settings.password, settings.folder) == (
        "antwoord@gemeente.example",
        "p@ss",
        "Antwoorden",
    )
    assert mailbox_settings("imap://u:p@localhost:1143").folder == "INBOX"
    with pytest.raises(ValueError, match="imaps://"):
        mailbox_settings("https://u:p@host/INBOX")


def test_invitation_rows_are_untouched_by_a_reply_for_another_event(app, db, dovecot, mailbox_user, invited):
    event, (invitation,) = invited()
    reply = reply_from(db, invitation.id, "outlook", "ACCEPTED", UID="event-999@elsewhere.example")
    dovecot.append(mailbox_user, reply)
    fetch_inbox()
    assert reload(db, invitation.id).state == InvitationState.INVITED
    assert db.session.scalar(sa.select(InboxMessage.outcome)) == "other_event"
    assert db.session.get(Invitation, invitation.id).calendar_replied_at is None


def test_exchange_style_oauth2_sign_in(app, db, dovecot, mailbox_user, invited):
    """Client credentials at the token URL, then AUTHENTICATE XOAUTH2 with the token (no password in the URL)."""
    from tests.inbox.conftest import OAUTH2_CLIENT_ID, OAUTH2_CLIENT_SECRET

    event, (invitation,) = invited()
    dovecot.append(mailbox_user, reply_from(db, invitation.id, "outlook", "ACCEPTED"))
    app.config.update(
        INBOX_URL=f"imap://{mailbox_user}@127.0.0.1:{dovecot.port}/INBOX",
        INBOX_OAUTH2_TOKEN_URL=dovecot.authority.token_url,
        INBOX_OAUTH2_CLIENT_ID=OAUTH2_CLIENT_ID,
        INBOX_OAUTH2_CLIENT_SECRET="wrong",
        INBOX_OAUTH2_SCOPE=f"imap://{mailbox_user}/.default",
    )
    with pytest.raises(InboxUnavailable):
        fetch_inbox()  # a wrong client secret: no token, nothing read
    app.config["INBOX_OAUTH2_CLIENT_SECRET"] = OAUTH2_CLIENT_SECRET
    assert fetch_inbox().applied == 1
    assert reload(db, invitation.id).state == InvitationState.YES
    assert dovecot.authority.requests[-1]["grant_type"] == "client_credentials"


def test_the_outbox_worker_reads_the_reply_mailbox(app, db, dovecot, mailbox_user, invited):
    from organiser.mail.commands import run_worker

    event, (invitation,) = invited()
    invitation_id = invitation.id
    dovecot.append(mailbox_user, reply_from(db, invitation_id, "thunderbird", "ACCEPTED"))
    run_worker(threading.Event(), interval=0, jobs_interval=60, scheduled_jobs=lambda: {}, once=True)
    assert _db.session.get(Invitation, invitation_id).state == InvitationState.YES
    assert dovecot.messages(mailbox_user) == []


def test_who_wrote_is_forgotten_after_the_retention_period(app, db, dovecot, mailbox_user, invited):
    from datetime import timedelta

    from organiser.extensions import utcnow
    from organiser.jobs import run_scheduled_jobs

    event, (invitation,) = invited()
    dovecot.append(mailbox_user, reply_from(db, invitation.id, "outlook", "ACCEPTED"))
    fetch_inbox()
    assert db.session.scalar(sa.select(InboxMessage.sender)) != ""
    later = utcnow() + timedelta(days=app.config["RETENTION_NOTES_DAYS"] + 1)
    assert run_scheduled_jobs(later)["purged_inbox_details"] == 1
    row = db.session.scalar(sa.select(InboxMessage))
    assert (row.sender, row.detail) == ("", "") and row.message_key.startswith("<")  # still known: never twice


@pytest.mark.parametrize("flag", ["\\Deleted", "\\Seen"])
def test_flags_another_worker_changes_during_the_fetch_do_not_make_an_extra_message(
    app, db, dovecot, mailbox_user, invited, monkeypatch, flag
):
    """Another session changing a flag (the other worker removing a message it applied) makes Dovecot add an
    unsolicited "* n FETCH (FLAGS …)" to this session's FETCH response (RFC 3501 §7.4.2): imap-tools' bulk fetch
    pairs the response items two by two, so such an item shifted the pairs and made up a message with no body
    (applied as an "ignored" message: the two-worker test once counted 6 applied of 5)."""
    event, invitations = invited(n=3)
    for invitation in invitations:
        dovecot.append(mailbox_user, reply_from(db, invitation.id, "outlook", "ACCEPTED"))
    original = MailBox.uids

    def uids_then_other_worker(self, *args, **kwargs):
        found = original(self, *args, **kwargs)
        other = dovecot.connect(mailbox_user)
        try:
            other.select("INBOX")
            other.uid("STORE", found[0], "+FLAGS", f"({flag})")
        finally:
            other.logout()
        return found

    monkeypatch.setattr(MailBoxUnencrypted, "uids", uids_then_other_worker)
    db.session.commit()
    report = fetch_inbox()
    assert (report.applied, report.failed) == (3, 0), str(report)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InboxMessage)) == 3
    assert states(db, invitations) == [InvitationState.YES] * 3
