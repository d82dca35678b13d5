"""Wall-clock time in the municipality's zone, including the nights the clock jumps.

On the last Sunday of March the clock goes from 02:00 to 03:00: a time in between does not exist, and
Python would quietly read 02:30 as 03:30 (or, compared naively, as before 02:00). On the last Sunday of
October it goes from 03:00 back to 02:00: every time in between happens twice. The rule here: a time that
does not exist is refused; a time that happens twice means its first occurrence (still summer time) unless
it is the stored moment shown unchanged; pages, mail and calendars say which one it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app


def local_zone() -> ZoneInfo:
    """The municipality's zone (TIMEZONE, Europe/Amsterdam)."""
    return ZoneInfo(current_app.config["TIMEZONE"])


@dataclass(frozen=True)
class ClockJump:
    """A night the clock jumps: at `at` (a moment) wall-clock time goes from `before` to `after`."""

    at: datetime
    before: datetime
    after: datetime

    @property
    def forward(self) -> bool:
        return self.after > self.before


class NonexistentTime(ValueError):
    """A wall-clock time inside the spring gap: it never appears on a clock in the zone."""

    def __init__(self, wall: datetime, jump: ClockJump):
        super().__init__(f"{wall:%Y-%m-%d %H:%M} does not exist in this zone")
        self.wall = wall
        self.jump = jump


def _utcoffset(moment: datetime) -> timedelta:
    """The UTC offset of an aware moment (zoneinfo always gives one)."""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("an aware moment is needed")
    return offset


def _offsets(wall: datetime, zone: ZoneInfo) -> tuple[timedelta, timedelta]:
    return _utcoffset(wall.replace(tzinfo=zone, fold=0)), _utcoffset(wall.replace(tzinfo=zone, fold=1))


def _jump_near(wall: datetime, zone: ZoneInfo) -> ClockJump:
    """The jump around a wall-clock time whose two readings (fold 0 and 1) differ."""
    first, second = _offsets(wall, zone)
    low = (wall - max(first, second)).replace(tzinfo=UTC)
    high = (wall - min(first, second)).replace(tzinfo=UTC)
    # The offset changes once between the two readings; find the minute it does.
    start_offset = low.astimezone(zone).utcoffset()
    while high - low > timedelta(minutes=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == start_offset:
            low = middle
        else:
            high = middle
    at = high.replace(second=0, microsecond=0)
    before_offset = _utcoffset((at - timedelta(seconds=1)).astimezone(zone))
    after_offset = _utcoffset(at.astimezone(zone))
    naive = at.replace(tzinfo=None)
    return ClockJump(at=at, before=naive + before_offset, after=naive + after_offset)


def exists(wall: datetime, zone: ZoneInfo | None = None) -> bool:
    """Whether a naive wall-clock time appears on the clock (it does not in the spring gap)."""
    zone = zone or local_zone()
    aware = wall.replace(tzinfo=zone, fold=0)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None, fold=0)


def happens_twice(wall: datetime, zone: ZoneInfo | None = None) -> bool:
    """Whether a naive wall-clock time appears twice (the autumn hour the clock goes back)."""
    zone = zone or local_zone()
    first, second = _offsets(wall.replace(tzinfo=None), zone)
    return first != second and exists(wall, zone)


def to_moment(wall: datetime, zone: ZoneInfo | None = None) -> datetime:
    """A naive wall-clock time as an aware UTC moment; the first occurrence of a time that happens twice.

    :raise NonexistentTime: for a time in the spring gap.
    """
    zone = zone or local_zone()
    wall = wall.replace(tzinfo=None, fold=0)
    if not exists(wall, zone):
        raise NonexistentTime(wall, _jump_near(wall, zone))
    return wall.replace(tzinfo=zone).astimezone(UTC)


def to_wall(moment: datetime, zone: ZoneInfo | None = None) -> datetime:
    """An aware moment as the naive wall-clock time a clock in the zone shows (fold tells which of two)."""
    return moment.astimezone(zone or local_zone()).replace(tzinfo=None)


def occurrence(moment: datetime, zone: ZoneInfo | None = None) -> int | None:
    """1 or 2 for a moment in the hour that happens twice (which time round), None for any other moment."""
    zone = zone or local_zone()
    local = moment.astimezone(zone)
    if not happens_twice(local.replace(tzinfo=None), zone):
        return None
    return 2 if local.fold else 1


def jump_of(wall: datetime, zone: ZoneInfo | None = None) -> ClockJump | None:
    """The clock jump a wall-clock time falls in (gap or repeated hour), else None."""
    zone = zone or local_zone()
    first, second = _offsets(wall.replace(tzinfo=None), zone)
    return _jump_near(wall.replace(tzinfo=None), zone) if first != second else None


def move(moment: datetime, old_start: datetime, new_start: datetime, zone: ZoneInfo | None = None) -> datetime:
    """A moment of a route moved with its event: the same wall-clock distance from the new start as it had
    from the old one (a stop at 14:30 of an event at 14:00 stays at 14:30 when the event moves a week, also
    across a change to summer time).

    :raise NonexistentTime: when the moved time falls in a spring gap.
    """
    zone = zone or local_zone()
    wall = to_wall(moment, zone) - to_wall(old_start, zone) + to_wall(new_start, zone)
    if happens_twice(wall, zone):
        # Keep its place relative to the start: as far from it as before, in real time, when that lands in
        # the repeated hour; otherwise the first occurrence.
        exact = new_start + (moment - old_start)
        if to_wall(exact, zone) == wall:
            return exact.astimezone(UTC)
    return to_moment(wall, zone)
