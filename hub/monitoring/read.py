"""The offers as the indicators need them: only the columns they read, batch by batch, from
one consistent snapshot (hub.offers.queries.read_snapshot), live offers only.

Full OfferRecords (hub.offers.store.load_offer_records) would carry titles, descriptions,
providers and ~30 instance columns the indicators never look at; reading only these columns
roughly halves a snapshot's time. The records built here are OfferRecords all the same, so
hub.monitoring.compute has one input type whichever reader fed it.
"""
from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ...vocab.records import InstanceRecord, OfferRecord, ProviderRecord, VenueRecord
from ..offers.filters import instances_t, live_offers, offers_t, venues_t
from ..offers.queries import read_snapshot

BATCH_SIZE = 2000  # offers per batch: two queries each, bounded memory
_NOBODY = ProviderRecord(slug="", name="")  # the indicators never look at the provider


def iter_offer_batches(engine: Engine, batch_size: int = BATCH_SIZE
                       ) -> Iterator[list[OfferRecord]]:
    """Live offers in id order, with the fields the indicators read, `batch_size` at a time."""
    o, i, v = offers_t.c, instances_t.c, venues_t.c
    with read_snapshot(engine) as session:
        last = 0
        while True:
            rows = session.execute(
                sa.select(o.id, o.angebot_id, o.life_phases, o.topic, o.languages)
                .where(o.id > last, live_offers()).order_by(o.id).limit(batch_size)).all()
            if not rows:
                return
            last = rows[-1][0]
            offers = {r[0]: OfferRecord(angebot_id=r[1], title="", description="",
                                        provider=_NOBODY, life_phases=list(r[2] or []),
                                        topic=r[3], languages=list(r[4] or []))
                      for r in rows}
            instances = session.execute(
                sa.select(i.offer_id, i.price_kind, i.mode, i.time_forms, i.teaching_units, v.id, v.ags, v.lat,
                          v.lon, v.venue_accessible)
                .select_from(instances_t.outerjoin(venues_t, venues_t.c.id == i.venue_id))
                .where(i.offer_id > rows[0][0] - 1, i.offer_id <= last)
                .order_by(i.offer_id, i.position))
            for oid, price_kind, mode, time_forms, units, vid, ags, lat, lon, accessible in instances:
                offer = offers.get(oid)
                if offer is None:  # a tombstone's instances inside the id range
                    continue
                venue = None if vid is None else VenueRecord(
                    ags=ags, lat=lat, lon=lon, venue_accessible=accessible)
                offer.instances.append(InstanceRecord(price_kind=price_kind, mode=mode,
                                                      time_forms=list(time_forms or []),
                                                      teaching_units=units, venue=venue))
            yield list(offers.values())
