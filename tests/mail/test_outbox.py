"""The outbox against a real SMTP conversation: nothing lost, nothing sent twice, nothing hangs."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from organiser.extensions import utcnow
from organiser.mail import dispatch, outbox
from organiser.mail.dispatch import claim_due, dispatch_due
from organiser.mail.models import OutboxMessage, OutboxStatus
from organiser.mail.outbox import queue_mail
from organiser.mail.rendering import render_mail
from organiser.web import absolute_url
from tests.mail.conftest import SMTPServer, free_port

ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//organiser//NL\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nUID:event-1@organiser.test\r\nDTSTAMP:20300101T120000Z\r\n"
    "DTSTART:20300615T110000Z\r\nDTEND:20300615T140000Z\r\nSUMMARY:Wijksafari Oosterpark\r\n"
    "SEQUENCE:0\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def queue(db, count=1, **fields) -> list[OutboxMessage]:
    """Queue `count` mails and commit, as the view that causes them would."""
    rows = []
    for number in range(count):
        values = {
            "kind": "invitation",
            "to_address": f"gast{number}@example.org",
            "to_name": f"Gast {number}",
            "subject": f"Uitnodiging {number}",
            "text_body": f"Hallo gast {number}, kijk op http://organiser.test/rsvp/abc{number}\n",
            **fields,
        }
        rows.append(queue_mail(**values))
    db.session.commit()
    return rows


def statuses(db) -> list[OutboxStatus]:
    db.session.expire_all()
    return [m.status for m in db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id))]


# --- Queueing -----------------------------------------------------------------------------------------


def test_queue_mail_joins_the_callers_transaction(app, db):
    message = queue_mail(kind="invitation", to_address="ans@example.org", subject="Hallo", text_body="Tekst")
    assert message.id is not None and message.status == OutboxStatus.PENDING and message.attempts == 0
    db.session.rollback()
    assert db.session.scalars(db.select(OutboxMessage)).all() == []


def test_message_id_is_unique_and_on_our_own_domain(app, db):
    first, second = queue(db, 2)
    assert first.message_id.startswith("<") and first.message_id.endswith("@organiser.test>")
    assert first.message_id != second.message_id
    app.config["MAIL_MESSAGE_ID_DOMAIN"] = "gemeente.example"
    (third,) = queue(db)
    assert third.message_id.endswith("@gemeente.example>")


@pytest.mark.parametrize(
    "address", ["ans@example.org\r\nBcc: eve@evil.example", "ans@example.org\nX: y", "no address", "a@b\x00c"]
)
def test_addresses_that_could_carry_headers_are_refused(app, address):
    with pytest.raises(ValueError):
        queue_mail(kind="invitation", to_address=address, subject="Hallo", text_body="Tekst")


def test_name_and_subject_lose_their_line_breaks(app, db):
    message = queue_mail(
        kind="invitation",
        to_address="ans@example.org",
        to_name="Ans\r\nBcc: eve@evil.example",
        subject="Hallo\nBcc: eve@evil.example\u2028X-Evil: 1",
        text_body="Tekst",
    )
    assert message.to_name == "Ans Bcc: eve@evil.example"
    assert message.subject == "Hallo Bcc: eve@evil.example X-Evil: 1"


def test_the_mime_method_must_equal_the_method_in_the_ics(app):
    fields = {"kind": "invitation", "to_address": "ans@example.org", "subject": "U", "text_body": "t", "ics": ICS}
    with pytest.raises(ValueError, match="METHOD"):
        queue_mail(**fields, ics_method="CANCEL")
    with pytest.raises(ValueError):
        queue_mail(**{**fields, "ics": ICS.replace("METHOD:REQUEST\r\n", "")}, ics_method="REQUEST")
    with pytest.raises(ValueError):
        queue_mail(**fields)  # an ics without its method
    assert queue_mail(**fields, ics_method="request").ics_method == "REQUEST"


def test_render_mail_in_the_recipients_language(app):
    subject, text, html = render_mail("smtp_check", "nl", server="smtp.example<b>")
    assert subject == "Testbericht van organiser"
    assert "kan organiser mail versturen via smtp.example<b>." in text
    assert "http://organiser.test/" in text
    assert '<html lang="nl">' in html and "smtp.example&lt;b&gt;" in html and "<script" not in html
    # A language we do not offer falls back to Dutch.
    assert render_mail("smtp_check", "xx", server="s")[0] == "Testbericht van organiser"
    assert '<html lang="en">' in render_mail("smtp_check", "en", server="s")[2]


# --- Sending --------------------------------------------------------------------------------------------


def test_a_batch_goes_over_one_connection(app, db, smtp_server, use_smtp):
    use_smtp(smtp_server.port)
    rows = queue(db, 5)
    report = dispatch_due()
    assert (report.sent, report.retried, report.failed) == (5, 0, 0)
    assert smtp_server.handler.connections == 1
    assert smtp_server.handler.greetings == ["organiser.test"]  # our domain, not a DNS lookup of the host
    assert sorted(smtp_server.handler.message_ids) == sorted(r.message_id for r in rows)
    db.session.expire_all()
    for row in rows:
        assert row.status == OutboxStatus.SENT and row.sent_at is not None and row.attempts == 1
    # Nothing is due any more: a second run sends nothing and opens no connection.
    assert dispatch_due().handled == 0
    assert smtp_server.handler.connections == 1


def test_batch_size_limits_a_dispatch(app, db, smtp_server, use_smtp):
    use_smtp(smtp_server.port)
    queue(db, 5)
    assert dispatch_due(batch_size=2).sent == 2
    assert dispatch_due(batch_size=2).sent == 2
    assert dispatch_due(batch_size=2).sent == 1
    assert smtp_server.handler.connections == 3


def test_mime_structure_and_headers_of_an_invitation(app, db, smtp_server, use_smtp):
    use_smtp(smtp_server.port)
    app.config["MAIL_DEFAULT_SENDER"] = "Gemeente Organiser <uitnodigingen@gemeente.example>"
    subject, text, html = render_mail("smtp_check", "nl", server="smtp.example")
    (row,) = queue(db, to_name="Ans de Vries-Çelik", subject=subject, text_body=text, html_body=html, ics=ICS,
                   ics_method="REQUEST")  # fmt: skip
    dispatch_due()
    (received,) = smtp_server.handler.messages
    assert smtp_server.handler.envelopes == [("uitnodigingen@gemeente.example", ["gast0@example.org"])]

    assert received["Message-ID"] == row.message_id
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["Date"] and received["Date"].datetime == row.created_at
    assert str(received["From"]) == "Gemeente Organiser <uitnodigingen@gemeente.example>"
    (to,) = received["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Ans de Vries-Çelik", "gast0@example.org")
    assert received["Subject"] == "Testbericht van organiser"

    assert received.get_content_type() == "multipart/mixed"
    alternative, attachment = received.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    plain, rich, calendar = alternative.get_payload()
    assert plain.get_content_type() == "text/plain" and "smtp.example" in plain.get_content()
    assert rich.get_content_type() == "text/html" and '<html lang="nl">' in rich.get_content()
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("charset") == "utf-8"
    assert calendar.get_content().replace("\r\n", "\n") == ICS.replace("\r\n", "\n")
    method_in_ics = next(line for line in ICS.splitlines() if line.startswith("METHOD:")).split(":", 1)[1]
    assert calendar.get_param("method") == method_in_ics == "REQUEST"
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "uitnodiging.ics"
    assert attachment.get_content().decode() == ICS


def test_a_mail_without_calendar_is_text_and_html(app, db, smtp_server, use_smtp):
    use_smtp(smtp_server.port)
    queue(db, html_body="<p>Hallo</p>")
    queue(db, subject="Alleen tekst")
    dispatch_due()
    with_html, plain = smtp_server.handler.messages
    assert with_html.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in with_html.get_payload()] == ["text/plain", "text/html"]
    assert plain.get_content_type() == "text/plain"


def test_no_header_injection_through_name_or_subject(app, db, smtp_server, use_smtp):
    use_smtp(smtp_server.port)
    queue(db, to_name="Eve\r\nBcc: spy@evil.example", subject="Hallo\r\nBcc: spy2@evil.example\nX-Evil: yes")
    # Even a row written around queue_mail (say, by hand in the database) cannot inject a header.
    db.session.add(
        OutboxMessage(
            kind="invitation",
            to_address="gast9@example.org",
            to_name="Mallory\nBcc: spy3@evil.example",
            subject="Dag\r\nBcc: spy4@evil.example",
            text_body="x",
            message_id=outbox.new_message_id(),
            next_attempt_at=utcnow(),
        )
    )
    db.session.commit()
    assert dispatch_due().sent == 2
    assert [recipients for _sender, recipients in smtp_server.handler.envelopes] == [
        ["gast0@example.org"],
        ["gast9@example.org"],
    ]
    for raw, message in zip(smtp_server.handler.raw, smtp_server.handler.messages, strict=True):
        assert message["Bcc"] is None and message["X-Evil"] is None
        assert b"\nBcc:" not in raw and b"\nX-Evil:" not in raw
        assert len(message["To"].addresses) == 1
    assert smtp_server.handler.messages[0]["Subject"] == "Hallo Bcc: spy2@evil.example X-Evil: yes"


def test_permanent_refusal_fails_with_the_reason(app, db, smtp_server, use_smtp):
    use_smtp(smtp_server.port)
    smtp_server.handler.rcpt_reply = "550 5.1.1 Mailbox unavailable"
    (row,) = queue(db)
    report = dispatch_due()
    assert (report.sent, report.failed) == (0, 1)
    db.session.expire_all()
    assert row.status == OutboxStatus.FAILED
    assert row.last_error == "550 5.1.1 Mailbox unavailable"
    assert dispatch_due(now=utcnow() + timedelta(days=1)).handled == 0  # never tried again by itself


def test_temporary_refusal_is_retried_with_backoff_and_sent_once(app, db, smtp_server, use_smtp):
    use_smtp(smtp_server.port)
    smtp_server.handler.data_replies = ["451 4.3.0 Try again later", "452 4.3.1 Insufficient storage"]
    (row,) = queue(db)
    start = utcnow()

    assert dispatch_due(now=start).retried == 1
    db.session.expire_all()
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    assert row.last_error == "451 4.3.0 Try again later"
    first_wait = row.next_attempt_at - start
    assert timedelta(minutes=1) <= first_wait <= timedelta(minutes=1.25)
    assert dispatch_due(now=start + timedelta(seconds=30)).handled == 0  # not due yet

    later = row.next_attempt_at
    assert dispatch_due(now=later).retried == 1
    db.session.expire_all()
    assert timedelta(minutes=2) <= row.next_attempt_at - later <= timedelta(minutes=2.5)  # doubled

    assert dispatch_due(now=row.next_attempt_at).sent == 1
    db.session.expire_all()
    assert row.status == OutboxStatus.SENT and row.attempts == 3 and row.last_error == ""
    assert smtp_server.handler.message_ids == [row.message_id]


def test_backoff_doubles_with_jitter_and_stops_at_an_hour():
    assert timedelta(minutes=1) <= dispatch.backoff(1) <= timedelta(minutes=1.25)
    assert timedelta(minutes=4) <= dispatch.backoff(3) <= timedelta(minutes=5)
    assert timedelta(hours=1) <= dispatch.backoff(30) <= timedelta(hours=1.25)
    assert len({dispatch.backoff(5) for _ in range(20)}) > 1  # jitter spreads retries


def test_temporary_failures_end_as_failed_after_max_attempts(app, db, use_smtp):
    use_smtp(free_port())  # nobody listens
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    (row,) = queue(db)
    moment = utcnow()
    for _ in range(3):
        dispatch_due(now=moment)
        db.session.expire_all()
        moment = max(moment, row.next_attempt_at)
    assert row.status == OutboxStatus.FAILED and row.attempts == 3
    assert "refused" in row.last_error.lower() or "connect" in row.last_error.lower()


def test_server_down_loses_nothing_and_sends_once_when_back(app, db, use_smtp):
    server = SMTPServer()  # a port, but no server on it yet
    use_smtp(server.port)
    rows = queue(db, 3)
    start = utcnow()
    report = dispatch_due(now=start)
    assert (report.sent, report.retried, report.failed) == (0, 3, 0)
    assert statuses(db) == [OutboxStatus.PENDING] * 3
    assert all(r.attempts == 1 and r.last_error for r in rows)

    server.start()
    try:
        assert dispatch_due(now=start).handled == 0  # backing off, not hammering
        later = start + timedelta(minutes=2)
        assert dispatch_due(now=later).sent == 3
        assert dispatch_due(now=later + timedelta(hours=2)).handled == 0
        ids = server.handler.message_ids
        assert len(ids) == len(set(ids)) == 3
        assert set(ids) == {r.message_id for r in rows}
        assert statuses(db) == [OutboxStatus.SENT] * 3
    finally:
        server.stop()


def test_a_server_that_never_answers_does_not_hang_the_worker(app, db, silent_server, use_smtp):
    use_smtp(silent_server.port, timeout=0.5)
    (row,) = queue(db)
    started = time.monotonic()
    report = dispatch_due()
    assert time.monotonic() - started < 5
    assert report.retried == 1
    db.session.expire_all()
    assert row.status == OutboxStatus.PENDING and row.last_error


def test_a_broken_connection_releases_the_rest_of_the_batch(app, db, smtp_server, use_smtp):
    use_smtp(smtp_server.port)
    smtp_server.handler.data_replies = ["421 4.3.2 Service shutting down"]
    first, second, third = queue(db, 3)
    now = utcnow()
    report = dispatch_due(now=now)
    assert (report.retried, report.released) == (1, 2)
    db.session.expire_all()
    assert first.attempts == 1 and first.next_attempt_at > now
    # The untried rows are due again at once and their claim did not count as an attempt.
    assert (second.attempts, second.next_attempt_at, third.attempts) == (0, now, 0)
    assert dispatch_due(now=now).sent == 2
    assert smtp_server.handler.message_ids == [second.message_id, third.message_id]


def test_a_worker_killed_mid_batch_leaves_rows_for_the_next_one(app, db, smtp_server, use_smtp):
    use_smtp(smtp_server.port)
    rows = queue(db, 3)
    now = utcnow()
    claim = claim_due(now, batch_size=10)  # the worker dies here, before sending anything
    assert len(claim.messages) == 3
    assert dispatch_due(now=now).handled == 0  # the lease still holds
    assert dispatch_due(now=now + timedelta(seconds=60)).handled == 0

    after_lease = claim.lease_until + timedelta(seconds=1)
    assert dispatch_due(now=after_lease).sent == 3
    assert dispatch_due(now=after_lease + timedelta(hours=1)).handled == 0
    assert sorted(smtp_server.handler.message_ids) == sorted(r.message_id for r in rows)
    db.session.expire_all()
    assert all(r.status == OutboxStatus.SENT and r.attempts == 2 for r in rows)


def test_a_late_result_from_a_worker_whose_lease_expired_is_not_recorded(app, db, smtp_server, use_smtp):
    use_smtp(smtp_server.port)
    (row,) = queue(db)
    now = utcnow()
    slow = claim_due(now, batch_size=10)
    after_lease = slow.lease_until + timedelta(seconds=1)
    assert dispatch_due(now=after_lease).sent == 1  # another worker took over
    # The slow worker comes back with a temporary failure: it must not put the sent row back in the queue.
    dispatch._record(slow.messages[0], dispatch.TemporaryFailure("451 late"), slow, now, dispatch.DispatchReport())
    db.session.expire_all()
    assert row.status == OutboxStatus.SENT and row.last_error == ""


def test_concurrent_dispatchers_never_send_a_row_twice(app, db, smtp_server, use_smtp):
    use_smtp(smtp_server.port)
    rows = queue(db, 30)
    now = utcnow()
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def worker() -> None:
        try:
            with app.app_context():
                start.wait()
                while dispatch_due(now=now, batch_size=3).handled:
                    pass
        except BaseException as error:  # reported to the test below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    ids = smtp_server.handler.message_ids
    assert len(ids) == len(set(ids)) == 30
    assert set(ids) == {r.message_id for r in rows}
    assert statuses(db) == [OutboxStatus.SENT] * 30
    db.session.expire_all()
    assert all(r.attempts == 1 for r in rows)


def test_without_mail_server_mail_is_kept(app, db):
    assert not app.config["MAIL_SERVER"]
    queue(db, 2)
    report = dispatch_due()
    assert report.kept == 2 and report.sent == 0
    assert statuses(db) == [OutboxStatus.KEPT] * 2


# --- For the organiser's guest list -------------------------------------------------------------------


def test_mail_status_by_invitation_takes_the_latest_invitation_mail(app, db, create_event, invite):
    event, other_event = create_event(), create_event(title="Ander")
    ans, bert, cor = invite(event, "Ans"), invite(event, "Bert"), invite(other_event, "Cor")
    first = queue_mail(kind="invitation", to_address="ans@example.org", subject="U", text_body="t",
                       event_id=event.id, invitation_id=ans.id)  # fmt: skip
    first.status = OutboxStatus.FAILED
    queue_mail(
        kind="invitation",
        to_address="ans@example.org",
        subject="U",
        text_body="t",
        event_id=event.id,
        invitation_id=ans.id,
    )  # fmt: skip  (reissued: the latest counts)
    queue_mail(
        kind="confirmation",
        to_address="bert@example.org",
        subject="B",
        text_body="t",
        event_id=event.id,
        invitation_id=bert.id,
    )  # fmt: skip  (not an invitation mail)
    queue_mail(kind="invitation", to_address="cor@example.org", subject="U", text_body="t",
               event_id=other_event.id, invitation_id=cor.id)  # fmt: skip
    db.session.commit()
    assert outbox.mail_status_by_invitation(event.id) == {ans.id: OutboxStatus.PENDING}
    assert outbox.mail_status_by_invitation(event.id, kinds=("invitation", "confirmation")) == {
        ans.id: OutboxStatus.PENDING,
        bert.id: OutboxStatus.PENDING,
    }


def test_absolute_url_works_without_a_request(app):
    assert absolute_url("events.detail", event_id=7) == "http://organiser.test/events/7"
    app.config["BASE_URL"] = "https://gemeente.example/organiser"
    assert absolute_url("events.detail", event_id=7) == "https://gemeente.example/organiser/events/7"


def test_backoff_starts_from_the_configured_wait(app):
    app.config["MAIL_BACKOFF_SECONDS"] = 2
    assert timedelta(seconds=2) <= dispatch.backoff(1, dispatch.backoff_base()) <= timedelta(seconds=2.5)
    assert timedelta(seconds=8) <= dispatch.backoff(3, dispatch.backoff_base()) <= timedelta(seconds=10)
