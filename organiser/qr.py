"""QR codes (segno): the same URL as an SVG for web pages and print, and as a PNG for mail.

Why two formats: an SVG is sharp at any print size and small, so pages use it; mail clients do not show SVG
images (Gmail and Outlook drop them) nor `data:` URIs (Gmail), so mail carries a PNG as an inline part
(`Content-ID`, RFC 2392) that every common client shows without loading anything from the internet.
"""

from __future__ import annotations

import io

import segno

#: Medium error correction: a code printed on a card or shown on a cracked phone screen still scans.
ERROR_CORRECTION = "m"


def qr_svg(url: str, title: str = "") -> str:
    """The QR code of `url` as an SVG document (a string, UTF-8 text; black on white, 4 modules of quiet zone)."""
    buffer = io.BytesIO()
    segno.make(url, error=ERROR_CORRECTION).save(
        buffer, kind="svg", scale=4, border=4, title=title or None, xmldecl=False, svgclass="qr-code", lineclass=None
    )
    return buffer.getvalue().decode("utf-8")


def qr_png(url: str) -> bytes:
    """The QR code of `url` as PNG bytes (6 pixels a module, about 200 px square: readable from a phone screen)."""
    buffer = io.BytesIO()
    segno.make(url, error=ERROR_CORRECTION).save(buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()
