"""person_participation: an answer that changes neither whether someone took part nor whether they declined
(invited, maybe, waiting: a place on the waiting list) no longer recomputes their row

The row says when someone last took part (a yes or a check-in) and whether they declined their last two sent
invitations (0029, 0031). Of an invitation's state it reads only three things: is it yes, is it no, is it still only
on the guest list (listed). 0029's trigger recomputed it on every change of state; joining a waiting list
(invited → waiting) or answering maybe recomputed it (three subqueries over the person's invitations, and the
colleague queue after it: 0.3–3 ms on PostgreSQL) inside the event's row lock, for nothing (issue 12: the lock
covers the seat arithmetic). The condition now asks whether one of the three changed; the statement is 0031's.
On PostgreSQL the functions of these triggers also plan their statements once per connection (`_plans`).

Revision ID: 0032_q12_narrow_answer_trigger
Revises: 0031_q12_colleague_queue
Create Date: 2026-11-30

"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "0032_q12_narrow_answer_trigger"
down_revision = "0031_q12_colleague_queue"
branch_labels = None
depends_on = None


def _queue_migration():
    """Migration 0031: its trigger statement (`recompute`) and how it makes a trigger again (`_create_trigger`)."""
    path = Path(__file__).with_name("0031_q12_colleague_queue.py")
    spec = importlib.util.spec_from_file_location("migration_0031", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_0031 = _queue_migration()
_NAME, _WHEN, _OLD_CONDITION, _IDS = next(t for t in _0031._0029.TRIGGERS if t[0] == "invitation_update")

#: What the row reads of a state: yes (took part), no (declined), listed (not sent: not among the last two).
#: Sending (listed → invited) stays with 0029's trigger invitation_sent, which recomputes only a run of declines.
CONDITION = (
    "NEW.attended {ne} OLD.attended OR NEW.person_id {ne} OLD.person_id OR NEW.event_id {ne} OLD.event_id "
    "OR (OLD.state = 'yes') <> (NEW.state = 'yes') OR (OLD.state = 'no') <> (NEW.state = 'no') "
    "OR ((OLD.state = 'listed') <> (NEW.state = 'listed') AND NOT (OLD.state = 'listed' AND NEW.state = 'invited'))"
)


def _trigger(condition: str) -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    ne = "IS DISTINCT FROM" if postgresql else "IS NOT"
    body = _0031.recompute(_IDS)
    _0031._create_trigger("person_participation", _NAME, _WHEN, condition.format(ne=ne), body, postgresql)


#: PostgreSQL: the functions of the triggers that keep person_participation and colleague_queue.
FUNCTIONS = [f"person_participation_{t[0]}" for t in (*_0031._0029.TRIGGERS, *_0031._0029.FORGET)] + [
    f"colleague_queue_{t[0]}" for t in _0031.QUEUE_TRIGGERS
]


def _plans(setting: str) -> None:
    """PL/pgSQL plans each statement of a function anew for its first five calls on every connection (a custom plan,
    1–2.5 ms for these), and after that only if a plan for any value looks dearer. These statements find their
    rows by key (a person's id, NEW.person_id), so one plan serves every value: force_generic_plan plans once per
    connection (PostgreSQL manual, plan_cache_mode). An answer on a fresh pooled connection paid the planning inside
    the event's row lock."""
    if op.get_bind().dialect.name == "postgresql":
        for function in FUNCTIONS:
            op.execute(f"ALTER FUNCTION {function}() {setting}")


def upgrade():
    _trigger(CONDITION)
    _plans("SET plan_cache_mode = force_generic_plan")


def downgrade():
    _plans("RESET plan_cache_mode")
    _trigger(_OLD_CONDITION)
