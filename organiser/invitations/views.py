"""Invitation pages: the invitee's personal RSVP pages and the organiser's pages, on one blueprint.

The routes live in `rsvp_pages` (the invitee, through a personal link), `organiser_pages` (guest list,
sending, answers) and `preview_pages` (the invitation mail before sending); importing them here
registers them on `bp`, which create_app registers.
"""

from __future__ import annotations

from . import organiser_pages, preview_pages, rsvp_pages
from .blueprint import bp

__all__ = ["bp", "organiser_pages", "preview_pages", "rsvp_pages"]
