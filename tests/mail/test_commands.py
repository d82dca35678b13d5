"""`flask outbox send|work|check`, as an operator or cron would run them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from organiser.mail.models import OutboxMessage, OutboxStatus
from tests.mail.test_outbox import queue


def test_send_dispatches_once_and_prints_the_report(app, db, smtp_server, use_smtp):
    use_smtp(smtp_server.port)
    queue(db, 3)
    result = app.test_cli_runner().invoke(args=["outbox", "send", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "sent 2," in result.output
    assert len(smtp_server.handler.messages) == 2
    result = app.test_cli_runner().invoke(args=["outbox", "send", "--all"])
    assert "sent 1," in result.output and len(smtp_server.handler.messages) == 3


def test_send_all_stops_when_the_server_is_down(app, db, use_smtp):
    from tests.mail.conftest import free_port

    use_smtp(free_port())
    queue(db, 2)
    result = app.test_cli_runner().invoke(args=["outbox", "send", "--all"])
    assert result.exit_code == 0 and "retried later 2" in result.output


def test_work_once_dispatches_and_runs_the_scheduled_jobs(app, db, smtp_server, use_smtp, monkeypatch):
    calls = []
    monkeypatch.setitem(app.extensions, "outbox_scheduled_jobs", lambda: calls.append(1) or {"reminders": 0})
    use_smtp(smtp_server.port)
    queue(db, 2)
    result = app.test_cli_runner().invoke(args=["outbox", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert "sent 2," in result.output and "Outbox worker stopped." in result.output
    assert calls == [1]
    assert len(smtp_server.handler.messages) == 2


def test_work_survives_a_failing_job(app, db, monkeypatch):
    def broken():
        raise RuntimeError("boom")

    monkeypatch.setitem(app.extensions, "outbox_scheduled_jobs", broken)
    queue(db, 1)
    result = app.test_cli_runner().invoke(args=["outbox", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert "kept 1" in result.output


def test_check_queues_a_test_message(app, db):
    result = app.test_cli_runner().invoke(args=["outbox", "check", "--to", "beheer@gemeente.example"])
    assert result.exit_code == 0, result.output
    message = db.session.scalar(db.select(OutboxMessage))
    assert message.kind == "smtp_check" and message.to_address == "beheer@gemeente.example"
    assert message.subject == "Testbericht van organiser" and message.status == OutboxStatus.PENDING
    result = app.test_cli_runner().invoke(args=["outbox", "check", "--to", "x@y\r\nBcc: z@evil.example"])
    assert result.exit_code != 0


def test_worker_stops_cleanly_on_sigterm(database_url, tmp_path):
    env = {
        **os.environ,
        "FLASK_APP": "organiser",
        "FLASK_DEBUG": "1",
        "ORGANISER_DATABASE_URL": database_url,
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("ORGANISER_MAIL_SERVER", None)
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    worker = subprocess.Popen(
        [flask, "outbox", "work", "--interval", "0.2"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        started = worker.stdout.readline() + worker.stdout.readline()
        assert "Outbox worker started" in started, started
        time.sleep(0.5)  # a few rounds
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 0, output
    assert "SIGTERM received" in output and "Outbox worker stopped." in output
