"""The demo district as test data: real demo providers and offers written by the hub itself."""
from __future__ import annotations

from datetime import date
from typing import Any

from bildungsdaten.hub.db import make_sessionmaker, transaction
from bildungsdaten.hub.demo.district import demo_records
from bildungsdaten.hub.models import Offer
from bildungsdaten.hub.offers.store import ensure_provider, tombstone_offers, write_offers

TODAY = date(2026, 3, 2)


def load_demo(app: Any, offers: int = 400, seed: int = 3, tombstones: int = 2) -> None:
    """`offers` demo offers of every provider around TODAY; the first `tombstones` offers are
    deleted again (tombstones must never show up where live offers are listed)."""
    sessions = make_sessionmaker(app.extensions["hub"].engine)
    for provider, records in demo_records(offers, seed=seed, today=TODAY):
        with transaction(sessions) as session:
            write_offers(session, ensure_provider(session, provider), records)
    with transaction(sessions) as session:
        ids = list(session.execute(Offer.__table__.select().with_only_columns(Offer.id)
                                   .order_by(Offer.id).limit(tombstones)).scalars())
        tombstone_offers(session, ids)
