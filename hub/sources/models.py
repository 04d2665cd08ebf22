"""A harvested source (a neighbour's RPDE feed) with its health, and each harvested offer's
provenance (which source, which item, which version of it)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ..models import Offer, utcnow

# Deduplication looks for a direct offer with the same title and first date (hub.offers.filters).
sa.Index("ix_offers_title_first_date", Offer.title, Offer.first_date)


class Source(Base):
    """A neighbour's RPDE feed: where to read, under which licence and attribution, and how the
    last runs went. `next_url` is the resume point, stored with the items of its page."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(30), unique=True)
    rpde_url: Mapped[str] = mapped_column(sa.String(1000))
    licence: Mapped[str | None] = mapped_column(sa.String(200))
    attribution: Mapped[str | None] = mapped_column(sa.String(500))
    enabled: Mapped[bool] = mapped_column(default=True)
    interval_minutes: Mapped[int] = mapped_column(default=60)
    next_url: Mapped[str | None] = mapped_column(sa.String(2000))
    # The source asked (Retry-After) not to be read before this time.
    not_before: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error_code: Mapped[str | None] = mapped_column(sa.String(40))
    last_error_message: Mapped[str | None] = mapped_column(sa.Text)
    last_error_url: Mapped[str | None] = mapped_column(sa.String(2000))
    items_seen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    pages_read: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # The last run's counts: created, updated, unchanged, deleted, skipped, pages, items.
    last_run: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OfferSource(Base):
    """Where a harvested offer came from: the source, the item's RPDE id, the original's IRI
    and the item's `modified` when the offer was last written from it."""

    __tablename__ = "offer_sources"
    __table_args__ = (sa.UniqueConstraint("source_id", "item_id"),)

    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offers.id", ondelete="CASCADE"),
                                          primary_key=True, autoincrement=False)
    source_id: Mapped[int] = mapped_column(sa.ForeignKey("sources.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(sa.String(200))
    item_url: Mapped[str | None] = mapped_column(sa.String(1000))
    modified: Mapped[int] = mapped_column(sa.BigInteger)
