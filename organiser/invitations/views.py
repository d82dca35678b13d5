"""Invitation pages: the invitee's personal RSVP pages and the organiser's pages, on one blueprint.

The routes live in `rsvp_pages` (the invitee, through a personal link), `guest_pages` (the guest list and
suggestions), `organiser_pages` (sending, answers), `preview_pages` (the invitation mail before sending) and
`signup_pages` (open sign-up); importing them here registers them on `bp`, which create_app registers.
"""

from __future__ import annotations

from . import guest_pages, organiser_pages, preview_pages, rsvp_pages, signup_pages
from .blueprint import bp

__all__ = ["bp", "guest_pages", "organiser_pages", "preview_pages", "rsvp_pages", "signup_pages"]
