"""A provider's KURSNET catalogue (open-Qcat) from the database: for the page and the CLI."""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ...feeds.openqcat import offers_to_openqcat
from ..models import Provider
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
    batches = iter_offer_batches(engine, OfferFilters(providers=(slug,)))
    return offers_to_openqcat(provider, batches, now or datetime.now(UTC))
