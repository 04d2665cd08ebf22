"""Ageing of offers: past offers become RPDE tombstones; old tombstones are purged.

An offer never vanishes from the change feed without passing through "deleted": expiry
tombstones it (a new stamp), and only tombstones older than TOMBSTONE_DAYS are removed.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Offer, utcnow
from ..settings import Settings
from .changelog import reserve_stamps
from .store import tombstone_offers

BERLIN = ZoneInfo("Europe/Berlin")
PURGE_BATCH = 1000


def local_today() -> date:
    """Today in the district's time zone (dates in the offers are local dates)."""
    return datetime.now(BERLIN).date()


def expire_offers(session: Session, settings: Settings, today: date | None = None) -> int:
    """Tombstone live offers whose last date + `expiry_grace_days` has passed; the count.

    Offers without a last date (rolling entry, open-ended) never expire. The caller owns the
    transaction; on PostgreSQL the rows are locked so a concurrent update wins or waits.
    """
    cutoff = (today or local_today()) - timedelta(days=settings.expiry_grace_days)
    ids = list(session.execute(
        sa.select(Offer.id).where(Offer.deleted.is_(False), Offer.last_date.is_not(None),
                                  Offer.last_date < cutoff)
        .order_by(Offer.id).with_for_update()).scalars())
    return tombstone_offers(session, ids)


def purge_tombstones(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Delete tombstones deleted more than `tombstone_days` ago; the count."""
    cutoff = (now or utcnow()) - timedelta(days=settings.tombstone_days)
    ids = list(session.execute(
        sa.select(Offer.id).where(Offer.deleted.is_(True), Offer.deleted_at < cutoff)
        .order_by(Offer.id)).scalars())
    if ids:
        # Feed validators (ETags, cached RPDE pages) follow the change clock; a purge changes
        # pages without new `modified` values, so it moves the clock itself.
        reserve_stamps(session, 1)
    for start in range(0, len(ids), PURGE_BATCH):
        session.execute(sa.delete(Offer).where(Offer.id.in_(ids[start:start + PURGE_BATCH])))
    return len(ids)
