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

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, bindparam, case, cast, func, insert, literal_column, select, update
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
    # Every value a bound parameter of one statement built once per process (its SQL compiled and its cache key
    # made once): nothing is built while the lock is held. Columns the answer leaves alone are written unchanged.
    written = {
        "state": read.state,
        "plus_ones": read.plus_ones,
        "waiting_since": invitation.waiting_since,
        "calendar_sequence": read.calendar_sequence,
        **values,
    }
    params = {
        "the_invitation": invitation.id,
        "the_event": invitation.event_id,
        "read_state": read.state,
        "read_plus_ones": read.plus_ones,
        "read_answered_at": read.answered_at,
        "read_sequence": read.calendar_sequence,
        "joins": joins_line,
        "now": datetime.now(UTC),
        **{f"new_{name}": written[name] for name in _WRITTEN},
    }
    if notice is not None:
        params.update({f"notice_{name}": value for name, value in notice.items()})
    row = db.session.execute(_statement(notice is not None, tuple(notice or ())), params).first()
    if row is None:
        return None
    _written(invitation, {**values, "waiting_since": row.waiting_since} if joins_line else values)
    return row.place


#: The invitation's columns an answer writes (settle's `values` is a subset; the rest are written unchanged).
_WRITTEN = ("note", "answered_at", "answer_source", "state", "plus_ones", "waiting_since", "calendar_sequence")

_STATEMENTS: dict[tuple, Any] = {}


def _statement(with_notice: bool, notice_columns: tuple[str, ...]):
    """settle's statement for PostgreSQL, with bound parameters only (named in settle; none is a column's name, or
    the UPDATE would set that column); one per shape."""
    key = (with_notice, notice_columns)
    if key in _STATEMENTS:
        return _STATEMENTS[key]
    column = Invitation.__table__.c
    joins = bindparam("joins", type_=Boolean)
    line = (
        select(func.count().label("waiting"), func.max(Invitation.waiting_since).label("last"))
        .where(
            Invitation.event_id == bindparam("the_event"),
            Invitation.state == InvitationState.WAITING,
            Invitation.id != bindparam("the_invitation"),
        )
        .cte("line")
    )
    after_last = select(line.c.last + literal_column("interval '1 microsecond'")).scalar_subquery()
    now = bindparam("now", type_=column.waiting_since.type)
    values: dict[str, Any] = {name: bindparam(f"new_{name}", type_=column[name].type) for name in _WRITTEN}
    values["waiting_since"] = case((joins, func.greatest(now, after_last)), else_=values["waiting_since"])
    claim = (
        update(Invitation)
        .where(
            Invitation.id == bindparam("the_invitation"),
            Invitation.state == bindparam("read_state", type_=column.state.type),
            Invitation.plus_ones == bindparam("read_plus_ones", type_=Integer),
            Invitation.answered_at.is_not_distinct_from(bindparam("read_answered_at", type_=column.answered_at.type)),
            Invitation.calendar_sequence.is_not_distinct_from(bindparam("read_sequence", type_=Integer)),
        )
        .values(**values)
    )
    place = case((joins, select(line.c.waiting).scalar_subquery() + 1), else_=0)
    claimed = claim.returning(Invitation.id, Invitation.waiting_since, place.label("place")).cte("claimed")
    ctes = []
    if with_notice:
        dropped = unsent_of(OutboxMessage.invitation_id.in_(select(claimed.c.id)), OutboxKind.CONFIRMATION)
        outbox = OutboxMessage.__table__.c
        fields: list[Any] = [bindparam(f"notice_{name}", type_=outbox[name].type) for name in notice_columns]
        if "facts" in notice_columns:
            facts = bindparam("notice_facts", type_=JSONB)
            placed = case((joins, func.jsonb_set(facts, _PLACE_PATH, func.to_jsonb(claimed.c.place))), else_=facts)
            fields[notice_columns.index("facts")] = cast(placed, JSON)
        queued = insert(OutboxMessage).from_select(list(notice_columns), select(*fields).select_from(claimed))
        ctes = [dropped.cte("dropped"), queued.cte("queued")]
    statement = select(claimed).add_cte(*ctes).execution_options(synchronize_session=False)
    _STATEMENTS[key] = statement
    return statement


#: Where the place in line goes in a notice's facts (deferred_notices.snapshot), as a PostgreSQL text[] path.
_PLACE_PATH: Any = literal_column("'{waiting_position}'::text[]")


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
