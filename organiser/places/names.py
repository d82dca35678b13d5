"""Names and slugs of wijken and initiatives, and the refusal to delete one that is still in use."""

from __future__ import annotations

import re
import unicodedata

from blinker import NamedSignal
from sqlalchemy import func, or_

from ..extensions import db
from .models import Initiative, Neighbourhood


class StillInUse(Exception):
    """A wijk or initiative cannot be deleted while something refers to it; the reasons are Dutch sentences."""

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


def reasons_in_use(signal: NamedSignal, thing: Neighbourhood | Initiative) -> list[str]:
    """The sentences the receivers of `signal` return about what in their domain still refers to `thing`."""
    reasons: list[str] = []
    for _receiver, more in signal.send(thing):
        reasons.extend(more)
    return reasons


def delete_unused(thing: Neighbourhood | Initiative, refusal: str, reasons: list[str]) -> None:
    """Delete `thing` when nothing refers to it; raises StillInUse (`refusal`, then the reasons) otherwise."""
    if reasons:
        raise StillInUse([refusal, *reasons])
    db.session.delete(thing)
    db.session.flush()


#: Letters that Unicode does not decompose into an ASCII letter plus accents.
_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"})


def slugify(name: str) -> str:
    """The name as lower-case ASCII words joined by hyphens: 'Café-buurt Zuid' becomes 'cafe-buurt-zuid'."""
    text = unicodedata.normalize("NFKD", name.lower().translate(_LETTERS)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def tidy_name(name: str) -> str:
    """A name as typed, without leading, trailing or repeated spaces."""
    return " ".join(name.split())


def unique_slug(name: str) -> str:
    """A slug for a new wijk; '-2', '-3', … when another wijk's name gave the same one."""
    base = slugify(name)[:100].rstrip("-") or "wijk"
    taken = set(
        db.session.scalars(
            db.select(Neighbourhood.slug).where(or_(Neighbourhood.slug == base, Neighbourhood.slug.like(f"{base}-%")))
        )
    )
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def _name_taken(model: type[Neighbourhood] | type[Initiative], name: str, exclude_id: int | None) -> bool:
    """Whether another row of `model` has this name (ignoring case and spacing)."""
    query = db.select(model.id).where(func.lower(model.name) == tidy_name(name).lower())
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.scalar(query.limit(1)) is not None


def neighbourhood_name_taken(name: str, exclude_id: int | None = None) -> bool:
    """Whether another wijk has this name (ignoring case and spacing)."""
    return _name_taken(Neighbourhood, name, exclude_id)


def initiative_name_taken(name: str, exclude_id: int | None = None) -> bool:
    """Whether another initiative has this name (ignoring case and spacing)."""
    return _name_taken(Initiative, name, exclude_id)
