"""A provider's KURSNET catalogue (open-Qcat) from the database: for the page and the CLI."""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ...feeds.openqcat import offers_to_openqcat
from ..models import Offer, Provider
from .filters import OfferFilters
from .queries import iter_offer_batches, read_snapshot
from .store import provider_record


def provider_catalog(engine: Engine, slug: str, now: datetime | None = None) -> bytes | None:
    """The open-Qcat file of the provider's live offers KURSNET accepts; None when no
    provider has this slug."""
    with read_snapshot(engine) as session:
        row = session.execute(sa.select(Provider).where(Provider.slug == slug)).scalar_one_or_none()
        if row is None:
            return None
        provider = provider_record(row)
        # GENERATION_DATE is when the data last changed, not the request's clock: the same
        # data gives the same bytes, so the page's ETag holds between requests.
        changed = session.execute(sa.select(sa.func.max(Offer.updated_at))
                                  .where(Offer.provider_id == row.id)).scalar()
        as_of = max(filter(None, (changed, row.updated_at)))
    batches = iter_offer_batches(engine, OfferFilters(providers=(slug,)))
    return offers_to_openqcat(provider, batches, now or as_of.replace(tzinfo=UTC))
