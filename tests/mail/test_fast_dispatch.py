"""Dispatch at speed: MIME written directly (the same message as the email package builds), MAIL/RCPT/DATA
pipelined where the server offers it, sent mails recorded together; every guarantee of test_outbox kept."""

from __future__ import annotations

import email
import email.policy
import smtplib

import pytest
import sqlalchemy as sa

from organiser.extensions import utcnow
from organiser.mail import dispatch
from organiser.mail.dispatch import dispatch_due
from organiser.mail.models import OutboxMessage, OutboxStatus
from tests.mail.test_outbox import ICS, queue, statuses


def _flat(message: email.message.EmailMessage) -> dict:
    # (The email package also writes MIME-Version into some parts, where it means nothing.)
    skip = ("content-type", "content-transfer-encoding", "mime-version")
    flat = {k: str(v) for k, v in message.items() if k.lower() not in skip}
    flat["type"] = message.get_content_type()
    flat["params"] = sorted((k, v) for k, v in message.get_params() or [] if k != "boundary")
    flat["disposition"] = (message.get_content_disposition(), message.get_filename())
    if message.is_multipart():
        flat["parts"] = [_flat(part) for part in message.get_payload()]
    else:
        flat["content"] = message.get_content()
    return flat


@pytest.mark.parametrize(
    "fields",
    [
        {"html_body": "<p>Kom <b>kennismaken</b> = welkom</p>\n" * 40, "ics": ICS, "ics_method": "REQUEST"},
        {"html_body": "<p>Hallo</p>"},
        {
            "html_body": '<p><img src="cid:checkin-qr@organiser" alt="QR"></p>',
            "qr_url": "https://x.example/checkin/pass/1/k",
        },
        {
            "html_body": '<img src="cid:checkin-qr@organiser" alt="QR">',
            "qr_url": "https://x.example/checkin/pass/2/k",
            "ics": ICS,
            "ics_method": "REQUEST",
        },
        {},
        {"ics": ICS.replace("REQUEST", "CANCEL"), "ics_method": "CANCEL"},
        {
            "to_name": 'Ans "de" Vries-Çelik (Oost)',
            "subject": "Uitnodiging: Bruiscafé in de Buurtkamer, één keer " * 5,
            "text_body": ".Een punt aan het begin\nFrom de gemeente  \n\tmet tab " + "é" * 200 + "\n",
        },
        {"subject": "=?utf-8?q?geen_woord?= en " + "lang " * 40, "to_name": ""},
    ],
)
def test_mime_bytes_is_the_message_the_email_package_builds(app, db, fields):
    from organiser.mail.rendering import build_mime, mime_bytes, sender

    app.config["MAIL_DEFAULT_SENDER"] = "Gemeente Organiser <uitnodigingen@gemeente.example>"
    (row,) = queue(db, **fields)
    built = email.message_from_bytes(build_mime(row).as_bytes(), policy=email.policy.default)
    raw = mime_bytes(row, *sender())
    written = email.message_from_bytes(raw, policy=email.policy.default)
    # The subject as queued; the email package would let a literal "=?…?=" in it be read as an encoded word.
    assert written["Subject"] == row.subject
    del written["Subject"], built["Subject"]
    assert _flat(written) == _flat(built)
    assert written["MIME-Version"] == "1.0"
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998  # RFC 5322 line length
    assert b"\n" not in raw.replace(b"\r\n", b"")


@pytest.mark.parametrize("pipelining", [True, False])
def test_refusals_are_classified_alike_with_and_without_pipelining(app, db, smtp_server, use_smtp, pipelining):
    use_smtp(smtp_server.port)
    smtp_server.handler.pipelining = pipelining
    smtp_server.handler.data_replies = ["451 4.3.0 Try again later"]
    first, second, third = queue(db, 3)
    report = dispatch_due()
    assert (report.sent, report.retried) == (2, 1)
    assert smtp_server.handler.message_ids == [second.message_id, third.message_id]
    smtp_server.handler.rcpt_reply = "550 5.1.1 Mailbox unavailable"
    (refused,) = queue(db, 1, to_address="weg@example.org")
    assert dispatch_due().failed == 1
    db.session.expire_all()
    assert refused.status == OutboxStatus.FAILED and refused.last_error.startswith("550")
    # The connection stays usable after a refusal: the next mail in the same batch goes out.
    smtp_server.handler.rcpt_reply = None
    smtp_server.handler.data_replies = ["554 5.6.0 Rejected"]
    rejected, after = queue(db, 2, to_address="later@example.org")
    report = dispatch_due(now=utcnow())
    assert (report.failed, report.sent) == (1, 1)
    assert smtp_server.handler.message_ids[-1] == after.message_id
    assert first.id and rejected.id


def _recorded_together(db, smtp_server, monkeypatch, count: int) -> list[int]:
    """Dispatch `count` queued mails in one batch; the sizes of the groups recorded as SENT, in order."""
    rows = queue(db, count)
    commits: list[int] = []
    flush = dispatch.SentRecorder.flush

    def counted(recorder):
        if recorder.waiting:
            commits.append(len(recorder.waiting))
        flush(recorder)

    monkeypatch.setattr(dispatch.SentRecorder, "flush", counted)
    report = dispatch_due(batch_size=len(rows))
    assert report.sent == len(rows)
    assert set(statuses(db)) == {OutboxStatus.SENT}
    assert sorted(smtp_server.handler.message_ids) == sorted(r.message_id for r in rows)
    return commits


def test_sent_mails_are_recorded_together(app, db, smtp_server, use_smtp, monkeypatch):
    use_smtp(smtp_server.port)
    # The group's age is the other reason to record: kept out of reach here, since a busy CI machine can take
    # longer than RECORD_SENT_SECONDS for 25 mails (it did: groups of 12, 25 and 16).
    monkeypatch.setattr(dispatch, "RECORD_SENT_SECONDS", 3600.0)
    commits = _recorded_together(db, smtp_server, monkeypatch, 2 * dispatch.RECORD_SENT_EVERY + 3)
    assert commits == [dispatch.RECORD_SENT_EVERY, dispatch.RECORD_SENT_EVERY, 3]


def test_sent_mails_waiting_longer_than_record_sent_seconds_are_recorded_at_once(
    app, db, smtp_server, use_smtp, monkeypatch
):
    """A slow server must not keep sent mails unrecorded for long (a crash would send them again)."""
    use_smtp(smtp_server.port)
    monkeypatch.setattr(dispatch, "RECORD_SENT_SECONDS", 0.0)
    assert _recorded_together(db, smtp_server, monkeypatch, 4) == [1, 1, 1, 1]


def test_a_sent_mail_whose_claim_was_taken_over_is_not_recorded_again(app, db, smtp_server, use_smtp):
    use_smtp(smtp_server.port)
    (row,) = queue(db)
    now = utcnow()
    slow = dispatch.claim_due(now, batch_size=10)
    assert dispatch_due(now=slow.lease_until + dispatch.timedelta(seconds=1)).sent == 1
    recorder = dispatch.SentRecorder(slow, now, dispatch.DispatchReport())
    recorder.add(slow.messages[0])
    recorder.flush()
    db.session.expire_all()
    assert row.status == OutboxStatus.SENT and row.attempts == 2
    assert db.session.get(OutboxMessage, row.id).sent_at > now


def test_a_server_without_pipelining_gets_plain_smtp(app, db, smtp_server, use_smtp):
    use_smtp(smtp_server.port)
    smtp_server.handler.pipelining = False
    rows = queue(db, 3, ics=ICS, ics_method="REQUEST")
    assert dispatch_due().sent == 3
    assert sorted(smtp_server.handler.message_ids) == sorted(r.message_id for r in rows)
    assert smtplib.SMTP  # the fallback is smtplib's own sendmail


def test_a_claim_is_one_statement_on_postgresql_in_the_order_the_rows_fell_due(app, db):
    """The claim was a SELECT … FOR UPDATE SKIP LOCKED and an UPDATE: each round trip counts for a worker sending
    hundreds of mails a second. SQLite keeps its BEGIN IMMEDIATE, SELECT and UPDATE (one writer at a time)."""
    postgres = db.engine.dialect.name == "postgresql"
    rows = queue(db, 5)
    rows[4].next_attempt_at = rows[0].next_attempt_at - dispatch.timedelta(minutes=5)  # a retry due earlier
    db.session.commit()
    seen: list[str] = []

    def record(_connection, _cursor, statement, *_args):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        claim = dispatch.claim_due(utcnow(), batch_size=3)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert len(seen) == (1 if postgres else 3), seen
    assert [m.id for m in claim.messages] == [rows[4].id, rows[0].id, rows[1].id]
    db.session.expire_all()
    for row in rows:
        claimed = row.id in {m.id for m in claim.messages}
        assert row.attempts == (1 if claimed else 0)
        assert (row.next_attempt_at == claim.lease_until) is claimed
    assert all(m.attempts == 1 and m.next_attempt_at == claim.lease_until for m in claim.messages)
