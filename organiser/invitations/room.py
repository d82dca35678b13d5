"""What an invitee is told when their answer does not fit: exactly what is possible, never just "vol".

A yes with plus-ones can go to the waiting list while seats are free (one seat left, a guest asked for): the
invitee can come with fewer guests at once, or wait with all of them. The rule itself is in `answers`
(`_try_answer`: a yes takes all its seats or waits); these are its words, shared by the RSVP page, the flash
after an answer and the confirmation mail. Called inside the invitee's locale. `waiting_list_block` tells the
organiser why seats stay empty while people wait.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext

from ..events.models import Event
from .waiting_order import waiting_line


def waiting_message(position: int, free_seats: int, plus_ones: int) -> str:
    """The invitee waits at `position` (1-based) needing 1 + `plus_ones` seats while `free_seats` are free."""
    needed = 1 + plus_ones
    if free_seats <= 0 or free_seats >= needed:
        return _(
            "De bijeenkomst is vol. U staat op de wachtlijst, op plaats %(position)d. "
            "Komt er een plek vrij, dan krijgt u automatisch bericht.",
            position=position,
        )
    if free_seats == 1:
        return _(
            "Er is nog 1 plaats vrij, maar u heeft er %(needed)d nodig (u en uw introducés). U kunt alleen komen: "
            "verander uw antwoord naar 0 introducés, dan krijgt u die plaats meteen (zolang niemand u voor is). "
            "Of u blijft met uw introducés op de wachtlijst, op plaats %(position)d: komt er genoeg plaats vrij, "
            "dan krijgt u automatisch bericht.",
            needed=needed,
            position=position,
        )
    return ngettext(
        "Er zijn nog %(free)d plaatsen vrij, maar u heeft er %(needed)d nodig (u en uw introducés). U kunt met "
        "%(num)d introducé komen: verander uw antwoord, dan krijgt u die plaatsen meteen (zolang niemand u voor "
        "is). Of u blijft met al uw introducés op de wachtlijst, op plaats %(position)d: komt er genoeg plaats "
        "vrij, dan krijgt u automatisch bericht.",
        "Er zijn nog %(free)d plaatsen vrij, maar u heeft er %(needed)d nodig (u en uw introducés). U kunt met "
        "hoogstens %(num)d introducés komen: verander uw antwoord, dan krijgt u die plaatsen meteen (zolang "
        "niemand u voor is). Of u blijft met al uw introducés op de wachtlijst, op plaats %(position)d: komt er "
        "genoeg plaats vrij, dan krijgt u automatisch bericht.",
        free_seats - 1,
        free=free_seats,
        needed=needed,
        position=position,
    )


def more_guests_message(free_seats: int) -> str:
    """The invitee is coming and asked for more plus-ones than fit: their place and guests are kept as they were."""
    if free_seats <= 0:
        return _("U staat op de lijst, maar er is geen plaats voor meer introducés. Uw plaats blijft bewaard.")
    return ngettext(
        "U staat op de lijst, met de introducés die u al had: er is nog maar %(num)d plaats vrij, te weinig voor "
        "alle introducés die u vroeg. Wilt u 1 introducé meer meenemen? Verander dan uw antwoord.",
        "U staat op de lijst, met de introducés die u al had: er zijn nog maar %(num)d plaatsen vrij, te weinig "
        "voor alle introducés die u vroeg. U kunt er hoogstens %(num)d meer meenemen: verander dan uw antwoord.",
        free_seats,
    )


@dataclass
class WaitingListBlock:
    """Seats that stay empty while people wait: nobody waiting fits in them."""

    free: int
    #: Seats the first in line needs (the invitee and their plus-ones).
    first_needs: int
    waiting: int


def waiting_list_block(event: Event) -> WaitingListBlock | None:
    """Why seats are free while people wait (nobody in line fits), or None when no seat stays empty so."""
    free = event.capacity - event.seats_taken
    needs = [waiting.plus_ones for waiting in waiting_line(event)]
    if free <= 0 or not needs:
        return None
    return WaitingListBlock(free=free, first_needs=1 + needs[0], waiting=len(needs))
