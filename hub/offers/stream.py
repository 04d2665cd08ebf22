"""Writing an upload's offers batch by batch, while the checker still reads the rest of the file.

New offers (angebot_ids the provider has never delivered) are written as their rows arrive:
the offer at its first row, hashed and dated as if it had one instance, every instance as it
comes. Offers that turn out to have more rows get their final hash and dates in `finish`.
Rows of offers already stored wait for `finish`, where they are compared as a whole with what
is stored (hub.offers.store.write_prepared), and with `replace` the missing ones become tombstones.
The caller owns the transaction: nothing here is visible before it commits, and an invalid
file is rolled back.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Offer, utcnow
from ..search.index import reindex_offers
from .changelog import reserve_stamps
from .rows import (
    I_JSON,
    I_KEY,
    I_VALUES,
    I_VENUE,
    Grouping,
    InstanceItem,
    OfferDigest,
    RowItem,
    digest_head,
    instance_dates,
    span_of,
)
from .store import (
    BulkWriter,
    OfferIds,
    WriteResult,
    ensure_venue_ids,
    stored_offers,
    stored_venue_ids,
    write_prepared,
)

offers_t: sa.Table = Offer.__table__  # type: ignore[assignment]


class _NewOffer:
    """What a new offer needs until the file ends: its id, its running content hash, its
    instances' dates and how many of them are written into its row."""

    __slots__ = ("oid", "hasher", "dates", "written")

    def __init__(self, hasher: OfferDigest, dates: tuple[Any, Any]) -> None:
        self.oid = 0
        self.hasher = hasher
        self.dates = [dates]
        self.written = 0

    def digest(self) -> str:
        return self.hasher.hexdigest()

    def span(self) -> tuple[Any, Any]:
        if len(self.dates) == 1:  # the common case, without span_of's lists (it runs per offer)
            start, end = self.dates[0]
            return start, (end if end is not None else start)
        return span_of(self.dates)


class OfferStream:
    """Takes an upload's RowItems (hub.offers.rows) batch by batch, in file order."""

    def __init__(self, session: Session, provider_id: int, provider_name: str,
                 feed_id: Callable[[str], str]) -> None:
        self.session = session
        self.provider_id = provider_id
        self.provider_name = provider_name
        self.feed_id = feed_id
        self.existing = stored_offers(session, provider_id)  # as before this upload
        self.venue_ids = stored_venue_ids(session, provider_id)
        self.ids = OfferIds(session)
        self.writer = BulkWriter(session)
        self.fixed = self.writer.fixed(utcnow())
        self.head = digest_head(provider_name)
        self.new: dict[str, _NewOffer] = {}
        self.deferred = Grouping()  # rows of offers already stored, grouped as they come
        self.venues: dict[str, tuple[Any, ...]] = {}  # typed venue values by key (deferred)
        self.created: list[str] = []

    def add(self, items: Sequence[RowItem]) -> None:
        """Write the new offers and instances among these rows; keep the others."""
        existing, new = self.existing, self.new
        head = self.head
        deferred: list[RowItem] = []
        firsts: list[tuple[str, tuple[Any, ...], _NewOffer]] = []
        instances: list[tuple[_NewOffer, int, InstanceItem]] = []
        new_venues: dict[str, tuple[Any, ...]] = {}
        for item in items:
            angebot_id, course, instance, venue = item
            assert instance is not None  # every upload row is an instance (see RowItem)
            key = instance[I_VENUE]
            if venue is not None and key is not None:
                self.venues.setdefault(key, venue)  # a venue's values come with its first row
            if angebot_id in existing:
                deferred.append(item)
                continue
            if key is not None and key not in self.venue_ids:
                new_venues.setdefault(key, self.venues[key])
            offer = new.get(angebot_id)
            if offer is None:
                assert course is not None  # an offer's first row carries its course
                course_json, values = course
                hasher = OfferDigest(head, course_json)
                hasher.add(instance[I_JSON])
                offer = new[angebot_id] = _NewOffer(hasher, instance_dates(instance))
                firsts.append((angebot_id, values, offer))
                instances.append((offer, 0, instance))
            else:
                instances.append((offer, len(offer.dates), instance))
                offer.hasher.add(instance[I_JSON])
                offer.dates.append(instance_dates(instance))
        if deferred:
            self.deferred.add(deferred)
        if firsts:
            self._insert_offers(firsts)
        if new_venues:
            ensure_venue_ids(self.session, self.provider_id, set(new_venues), new_venues,
                             known=self.venue_ids)
        venue_ids = self.venue_ids
        self.writer.insert_instances([
            (offer.oid, position, instance[I_KEY],
             venue_ids[instance[I_VENUE]] if instance[I_VENUE] else None, *instance[I_VALUES])
            for offer, position, instance in instances])

    def _insert_offers(self, firsts: list[tuple[str, tuple[Any, ...], _NewOffer]]) -> None:
        ids = self.ids.take(len(firsts))
        stamp = reserve_stamps(self.session, len(firsts))
        deleted, deleted_at, updated_at, created_at = self.fixed
        provider_id, feed_id = self.provider_id, self.feed_id
        rows = []
        for (angebot_id, values, offer), oid in zip(firsts, ids, strict=True):
            offer.oid = oid
            offer.written = len(offer.dates)  # later rows of this batch are in already
            fid = feed_id(angebot_id)
            rows.append((oid, provider_id, angebot_id, fid, created_at, stamp, offer.digest(),
                         *offer.span(), deleted, deleted_at, updated_at, *values))
            stamp += 1
            self.created.append(fid)
        self.writer.insert_offers(rows, with_ids=True)

    def finish(self, replace: bool, progress: Callable[[int], None] | None = None
               ) -> WriteResult:
        """Complete the offers of several rows, write the changes to stored offers and (with
        `replace`) tombstone the stored offers the file no longer has."""
        fixes = [(offer.oid, offer.digest(), *offer.span()) for offer in self.new.values()
                 if len(offer.dates) > offer.written]
        self.writer.update_offer_columns(("content_hash", "first_date", "last_date"), fixes)
        offers, _venues = self.deferred.finish(self.provider_name)
        result = write_prepared(self.session, self.provider_id, offers, self.venues,
                                self.feed_id, replace=replace, existing=self.existing,
                                progress=progress)
        result.created[:0] = self.created
        reindex_offers(self.session, [offer.oid for offer in self.new.values()])
        return result
