"""Invisible characters that disguise text: the one rule for forms, the import, accounts and mail headers.

Unicode format characters (general category Cf) draw nothing but change what is shown: U+202E (right-to-left
override) makes "Jan\u202egnp.exe" read "Janexe.png", U+200B (zero width space) makes "Jan" and "J\u200ban" two
different names that look the same, in the directory, on guest lists and in a mail's To line. Nobody types them
on purpose. Where people enter text they are refused (the message says what to do); in mail headers, whose
text may come from older data, they are removed. Two joiners are kept, because text needs them: U+200D (zero
width joiner: emoji such as 👩‍🌾) and U+200C (zero width non-joiner: Persian and Indic scripts).
"""

from __future__ import annotations

import unicodedata

#: Format characters that text legitimately needs (see the module's docstring).
KEPT = frozenset("\u200c\u200d")


def _disguises(character: str) -> bool:
    return unicodedata.category(character) == "Cf" and character not in KEPT


def has_format_characters(text: str | None) -> bool:
    """Whether the text holds an invisible format character that can disguise it (bidi controls, zero width)."""
    if not text or text.isascii():
        return False
    return any(_disguises(character) for character in text)


def without_format_characters(text: str) -> str:
    """The text with those characters removed (for display where it cannot be refused: mail headers)."""
    if text.isascii():
        return text
    return "".join(character for character in text if not _disguises(character))
