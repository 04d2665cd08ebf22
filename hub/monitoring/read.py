"""The offers as the indicators need them: only the columns they read, batch by batch, from
one consistent snapshot (hub.offers.queries.read_snapshot), live offers only.

Full OfferRecords (hub.offers.store.load_offer_records) would carry titles, descriptions,
providers and ~30 instance columns the indicators never look at; the rows built here are
plain tuples (hub.monitoring.compute.OfferRow) of just the columns the indicators read.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..offers.filters import instances_t, live_offers, offers_t, venues_t
from ..offers.queries import read_snapshot
from .compute import DateRow, OfferRow

BATCH_SIZE = 2000  # offers per batch: two queries each, bounded memory
_EMPTY: tuple[str, ...] = ()


def _codes(value: Any) -> Sequence[str]:
    """A JSON list column read as text (SQLite) or already decoded (PostgreSQL's jsonb);
    read as text, most of them are "[]" and need no parsing at all."""
    if value is None or value == "[]":
        return _EMPTY
    if isinstance(value, str | bytes):
        return orjson.loads(value)  # type: ignore[no-any-return]
    return value  # type: ignore[no-any-return]


def _text(column: Any) -> Any:
    return sa.type_coerce(column, sa.Text)  # skips the JSON type's per-value processor


def iter_offer_batches(engine: Engine, batch_size: int = BATCH_SIZE
                       ) -> Iterator[list[OfferRow]]:
    """Live offers in id order, with the fields the indicators read, `batch_size` at a time."""
    o, i, v = offers_t.c, instances_t.c, venues_t.c
    with read_snapshot(engine) as session:
        last = 0
        while True:
            rows = session.execute(
                sa.select(o.id, _text(o.life_phases), o.topic, _text(o.languages))
                .where(o.id > last, live_offers()).order_by(o.id).limit(batch_size)).all()
            if not rows:
                return
            first, last = rows[0][0], rows[-1][0]
            offers = {r[0]: OfferRow(_codes(r[1]), r[2], _codes(r[3]), []) for r in rows}
            instances = session.execute(
                sa.select(i.offer_id, i.price_kind, i.mode, _text(i.time_forms),
                          i.teaching_units, v.id, v.ags, v.lat, v.lon, v.venue_accessible)
                .select_from(instances_t.outerjoin(venues_t, venues_t.c.id == i.venue_id))
                .where(i.offer_id >= first, i.offer_id <= last)
                .order_by(i.offer_id, i.position))
            for oid, price, mode, forms, units, vid, ags, lat, lon, accessible in instances:
                offer = offers.get(oid)
                if offer is None:  # a tombstone's instances inside the id range
                    continue
                offer.dates.append(DateRow(price, mode, _codes(forms), units, vid is not None,
                                           ags, lat, lon, accessible))
            yield list(offers.values())
