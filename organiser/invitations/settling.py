"""The one write of an answer that depends on the seats (issue 12): the invitation's new state, its unsent
confirmation dropped and the new one recorded, all or nothing, as the last statement before the commit.

An answer takes the event's row lock as late as it can (answers.py), so that the lock covers the seat arithmetic
and this write, not templates or lookups. The write is guarded by the invitation as the answer read it
(`ReadAs`): state, plus-ones, when it was last answered and the calendar SEQUENCE. A concurrent answer to the same
invitation (a double click on two servers), a promotion or a change notice changes one of them, so the guard fails
and the answer reads the invitation again and retries: with a new statement, which sees the confirmation the other
answer queued and drops it (one settled change, one confirmation).

PostgreSQL: one statement (data-modifying CTEs: the UPDATE, the DELETE of the unsent confirmation and the INSERT
of the new one, the last two only when the UPDATE matched). SQLite: the same three in a row (it has one writer at
a time, so nothing can come between them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, cast, func, insert, literal, literal_column, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db, rows_matched
from ..mail.models import OutboxKind, OutboxMessage
from ..mail.outbox import queue_row, supersede_unsent, unsent_of
from .models import Invitation, InvitationState
from .waiting_order import joining_line


@dataclass(frozen=True)
class ReadAs:
    """The invitation as an answer read it; the write succeeds only if it is still so."""

    state: InvitationState
    plus_ones: int
    answered_at: datetime | None
    calendar_sequence: int | None

    @classmethod
    def of(cls, invitation: Invitation) -> ReadAs:
        return cls(invitation.state, invitation.plus_ones, invitation.answered_at, invitation.calendar_sequence)

    def conditions(self) -> list:
        return [
            Invitation.state == self.state,
            Invitation.plus_ones == self.plus_ones,
            Invitation.answered_at.is_not_distinct_from(self.answered_at),
            Invitation.calendar_sequence.is_not_distinct_from(self.calendar_sequence),
        ]


def settle(
    invitation: Invitation,
    read: ReadAs,
    values: dict[str, Any],
    notice: dict[str, Any] | None,
    *,
    joins_line: bool = False,
) -> int | None:
    """Write `values` to the invitation if it is still as `read`; then drop its unsent confirmation and insert
    `notice` (an outbox row, deferred_notices.notice_row), when there is one. With `joins_line` the invitation
    also joins the end of the waiting line (waiting_order.joining_line): its waiting_since is after everyone
    waiting, and the notice's facts get its place (how many wait before it, plus one), read under the event's lock
    in the same statement. Returns None when nothing was written (read again and retry), else the place in line
    (0 without `joins_line`). The loaded invitation takes the values written, without a statement to read them
    back. Flushes nothing else: the caller flushed before taking the lock."""
    if db.session.get_bind().dialect.name != "postgresql":
        return _settle_in_steps(invitation, read, values, notice, joins_line)
    claim = update(Invitation).where(Invitation.id == invitation.id, *read.conditions()).values(**values)
    returned: list = [Invitation.id]
    if joins_line:
        line = (
            select(func.count().label("waiting"), func.max(Invitation.waiting_since).label("last"))
            .where(
                Invitation.event_id == invitation.event_id,
                Invitation.state == InvitationState.WAITING,
                Invitation.id != invitation.id,
            )
            .cte("line")
        )
        after_last = select(line.c.last + literal_column("interval '1 microsecond'")).scalar_subquery()
        now = literal(datetime.now(UTC), type_=Invitation.waiting_since.type)
        claim = claim.values(waiting_since=func.greatest(now, after_last))
        returned += [Invitation.waiting_since, (select(line.c.waiting).scalar_subquery() + 1).label("place")]
    claimed = claim.returning(*returned).cte("claimed")
    ctes: list[Any] = []
    if notice is not None:
        ctes.append(unsent_of(OutboxMessage.invitation_id.in_(select(claimed.c.id)), OutboxKind.CONFIRMATION))
        columns = OutboxMessage.__table__.c
        fields: list[Any] = [literal(value, type_=columns[name].type) for name, value in notice.items()]
        if joins_line:
            facts = cast(literal(json.dumps(notice["facts"])), JSONB)
            place = func.jsonb_set(facts, _PLACE_PATH, func.to_jsonb(claimed.c.place))
            fields[list(notice).index("facts")] = cast(place, JSON)
        ctes.append(insert(OutboxMessage).from_select(list(notice), select(*fields).select_from(claimed)))
    statement = select(claimed).add_cte(*(cte.cte(f"write_{n}") for n, cte in enumerate(ctes)))
    row = db.session.execute(statement.execution_options(synchronize_session=False)).first()
    if row is None:
        return None
    if joins_line:
        values = {**values, "waiting_since": row.waiting_since}
    _written(invitation, values)
    return row.place if joins_line else 0


#: Where the place in line goes in a notice's facts (deferred_notices.snapshot), as a PostgreSQL text[] path.
_PLACE_PATH = literal_column("'{waiting_position}'::text[]")


def _settle_in_steps(invitation, read, values, notice, joins_line) -> int | None:
    """settle on SQLite: the same writes one after the other (its one writer at a time keeps them together)."""
    place = 0
    if joins_line:
        waiting, since = joining_line(invitation)
        values, place = {**values, "waiting_since": since}, waiting + 1
        if notice is not None:
            notice = {**notice, "facts": {**notice["facts"], "waiting_position": place}}
    claim = update(Invitation).where(Invitation.id == invitation.id, *read.conditions()).values(**values)
    if rows_matched(db.session.execute(claim.execution_options(synchronize_session=False))) != 1:
        return None
    if notice is not None:
        supersede_unsent(invitation.id, OutboxKind.CONFIRMATION)
        queue_row(notice)
    _written(invitation, values)
    return place


def _written(invitation: Invitation, values: dict[str, Any]) -> None:
    for name, value in values.items():
        set_committed_value(invitation, name, value)
