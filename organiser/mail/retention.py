"""How long the outbox keeps what (organiser/retention.py holds the periods).

A mail's contents (text, HTML, calendar part, QR code) carry the recipient's personal link and sometimes their note; the
row around them (to whom, what kind, status, when) is what the organiser's mail page needs. So:

- contents of sent mail go RETENTION_SENT_MAIL_DAYS after sending (0: in the same update that records the
  sending, see dispatch._record);
- contents of mail that was not sent (failed, or kept without SMTP) go RETENTION_UNSENT_MAIL_DAYS after it was
  made; a failed mail can be retried until then, not after;
- the rows themselves go RETENTION_MAIL_LOG_DAYS after they were made (pending mail is never deleted);
- an erased person's mail goes at once (`forget_recipient`), pending mail included, except the one mail erasure
  itself causes (FORGOTTEN_WHEN_DONE: the CANCEL of their calendar entries), which the worker deletes, row and
  all, once it has sent it or given up (dispatch.py).
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import delete, update

from .. import retention
from ..addresses import address_forms
from ..extensions import db, rows_matched
from .models import FORGOTTEN_WHEN_DONE, OutboxMessage, OutboxStatus

#: What an outbox row holds once its contents are removed.
NO_CONTENTS = {"text_body": "", "html_body": "", "ics": None, "ics_method": None, "qr_url": None, "facts": None}


def remove_contents_when_sent() -> bool:
    """True when contents must go in the same update that records the sending (RETENTION_SENT_MAIL_DAYS = 0)."""
    return int(current_app.config[retention.SENT_MAIL.setting]) == 0


def remove_sent_contents(now: datetime) -> int:
    """Empty the contents of mail sent before the period; returns how many."""
    return _remove_contents(
        OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.sent_at <= retention.SENT_MAIL.cutoff(now)
    )


def remove_unsent_contents(now: datetime) -> int:
    """Empty the contents of failed or kept mail made before the period; returns how many."""
    return _remove_contents(
        OutboxMessage.status.in_((OutboxStatus.FAILED, OutboxStatus.KEPT)),
        OutboxMessage.created_at <= retention.UNSENT_MAIL.cutoff(now),
    )


def _remove_contents(*conditions) -> int:
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            *conditions,
            (OutboxMessage.text_body != "")
            | (OutboxMessage.html_body != "")
            | OutboxMessage.ics.is_not(None)
            | OutboxMessage.qr_url.is_not(None)
            | OutboxMessage.facts.is_not(None),
        )
        .values(**NO_CONTENTS)
        .execution_options(synchronize_session=False)
    )
    return rows_matched(result) or 0


def delete_old_records(now: datetime) -> int:
    """Delete the record of mail made before the period (never mail still waiting to go); returns how many."""
    result = db.session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.status != OutboxStatus.PENDING, OutboxMessage.created_at <= retention.MAIL_LOG.cutoff(now))
        .execution_options(synchronize_session=False)
    )
    return rows_matched(result) or 0


def _forms(address: str) -> set[str]:
    """The address as stored on people and as the outbox carries it (an internationalised domain in its IDNA
    form, addresses.wire_address): a mail row holds either."""
    return {address, *address_forms(address)}


def forget_recipient(address: str | None) -> int:
    """Delete every mail to this address (either form of an internationalised domain), sent or waiting (an
    erased person), except the waiting mail erasure itself causes (FORGOTTEN_WHEN_DONE, deleted by the worker
    once sent); returns how many."""
    if not address:
        return 0
    result = db.session.execute(
        delete(OutboxMessage)
        .where(
            OutboxMessage.to_address.in_(_forms(address)),
            ~(OutboxMessage.kind.in_(FORGOTTEN_WHEN_DONE) & (OutboxMessage.status == OutboxStatus.PENDING)),
        )
        .execution_options(synchronize_session=False)
    )
    return rows_matched(result) or 0


def mail_to(address: str | None) -> list[OutboxMessage]:
    """Every mail to this address (either form of an internationalised domain), oldest first (for the "my
    data" page)."""
    if not address:
        return []
    return list(
        db.session.scalars(
            db.select(OutboxMessage).where(OutboxMessage.to_address.in_(_forms(address))).order_by(OutboxMessage.id)
        )
    )
