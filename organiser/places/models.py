"""Wijken (neighbourhoods) and residents' initiatives (bewonersinitiatieven)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model


class Neighbourhood(Model):
    __tablename__ = "neighbourhood"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    #: Used in public feed URLs (?wijk=<slug>): do not change once published.
    slug: Mapped[str] = mapped_column(String(120), unique=True)

    initiatives: Mapped[list[Initiative]] = relationship(back_populates="neighbourhood", order_by="Initiative.name")


class Initiative(Model):
    """A residents' initiative (bewonersinitiatief)."""

    __tablename__ = "initiative"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id"), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")

    neighbourhood: Mapped[Neighbourhood] = relationship(back_populates="initiatives")
