"""Per format: how many attendees came on their own initiative (the open sign-up) and how many were invited
(issue 16). Counted from the per-event attendance the dashboard already has: no query of its own."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from ..events.models import FORMATS
from .first_timers import EventAttendance, format_label
from .table import ReachTable, percent


@dataclass(frozen=True)
class FormatOrigin:
    """One format: attendees who signed up themselves and attendees who were invited."""

    format: str
    own_initiative: int
    invited: int

    @property
    def attendees(self) -> int:
        return self.own_initiative + self.invited


def origin_per_format(events: list[EventAttendance]) -> list[FormatOrigin]:
    """Per format that took place in the period (in the order of FORMATS): own initiative versus invited."""
    own: dict[str, int] = {}
    invited: dict[str, int] = {}
    for event in events:
        own[event.format] = own.get(event.format, 0) + int(event.own_initiative or 0)
        invited[event.format] = invited.get(event.format, 0) + event.attendees - int(event.own_initiative or 0)
    order = [code for code in FORMATS if code in own] + sorted(code for code in own if code not in FORMATS)
    return [FormatOrigin(code, own[code], invited[code]) for code in order]


def own_initiative_table(rows: list[FormatOrigin]) -> ReachTable:
    return ReachTable(
        key="own-initiative",
        caption=_("Op eigen initiatief of op uitnodiging, per werkvorm"),
        header=[
            _("Werkvorm"),
            _("Aanwezig"),
            _("Op eigen initiatief"),
            _("Op uitnodiging"),
            _("Aandeel eigen initiatief"),
        ],
        rows=[
            [
                format_label(row.format),
                row.attendees,
                row.own_initiative,
                row.invited,
                percent(row.own_initiative / row.attendees) if row.attendees else "–",
            ]
            for row in rows
        ],
        numeric=frozenset({1, 2, 3, 4}),
    )
