"""Mail contents sealed at rest (mail/sealing.py, issue 15): the database holds ciphertext, the application reads the
mail, the worker sends it; a key rotated with SECRET_KEY_FALLBACKS still opens it; without the key nothing is sent."""

from __future__ import annotations

import sqlalchemy as sa

from organiser.auth.links import send_link
from organiser.auth.models import LinkPurpose
from organiser.mail.dispatch import dispatch_due
from organiser.mail.models import OutboxMessage, OutboxStatus
from organiser.mail.sealing import PREFIX, seal, unseal


def stored(db, message_id: int) -> tuple:
    """The row's contents as the database holds them (plain SQL, past the column type)."""
    query = sa.text("SELECT text_body, html_body, ics FROM outbox_message WHERE id = :id")
    with db.engine.connect() as connection:
        return tuple(connection.execute(query, {"id": message_id}).one())


def reset_mail(app, db, organiser) -> OutboxMessage:
    with app.test_request_context():
        send_link(organiser, LinkPurpose.RESET)
        db.session.commit()
    return db.session.scalar(db.select(OutboxMessage).order_by(OutboxMessage.id.desc()))


def test_the_database_holds_the_link_sealed_and_the_application_reads_it(app, db, organiser):
    message = reset_mail(app, db, organiser)
    link = next(word for word in message.text_body.split() if "/password/new/" in word)
    text, html, ics = stored(db, message.id)
    assert text.startswith(PREFIX) and html.startswith(PREFIX) and ics is None
    assert link.rsplit("/", 1)[1] not in text + html and "wachtwoord" not in text.lower()
    assert unseal(text) == message.text_body and link in unseal(html)


def test_the_worker_sends_the_mail_and_a_rotated_key_still_opens_it(app, db, organiser, smtp_server, use_smtp):
    use_smtp(smtp_server.port)
    message = reset_mail(app, db, organiser)
    link = next(word for word in message.text_body.split() if "/password/new/" in word)
    app.config["SECRET_KEY_FALLBACKS"] = [app.config["SECRET_KEY"]]
    app.config["SECRET_KEY"] = "a-new-key-for-this-test-" + "x" * 20  # noqa: S105
    assert dispatch_due().sent == 1
    (mail,) = smtp_server.handler.messages
    assert link in mail.get_body(("plain",)).get_content()


def test_without_the_key_nothing_is_sent_and_the_organiser_sees_why(app, db, organiser, smtp_server, use_smtp):
    use_smtp(smtp_server.port)
    message = reset_mail(app, db, organiser)
    app.config["SECRET_KEY"] = "another-key-altogether-" + "y" * 20  # noqa: S105
    report = dispatch_due()
    db.session.expire_all()
    row = db.session.get(OutboxMessage, message.id)
    assert report.sent == 0 and row.status == OutboxStatus.FAILED and "SECRET_KEY" in row.last_error
    assert smtp_server.handler.messages == []


def test_empty_and_plain_values_stay_as_they_are(app):
    with app.app_context():
        assert seal("") == "" and seal(None) is None and unseal("plain text") == "plain text"
        sealed = seal("Beste Anna")
        assert sealed != seal("Beste Anna") and seal(sealed) == sealed and unseal(sealed) == "Beste Anna"
