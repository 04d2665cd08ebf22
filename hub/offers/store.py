"""Offers in and out of the database: typed records <-> rows, in bulk.

Writes stamp every changed offer from hub.offers.changelog; unchanged offers (same content hash) are
left alone, so re-delivering the same data produces no feed change.
"""
from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...vocab.records import (
    COURSE_FIELDS,
    INSTANCE_FIELDS,
    VENUE_FIELDS,
    InstanceRecord,
    OfferRecord,
    ProviderRecord,
    SourceRecord,
    VenueRecord,
)
from ..db import among, chunks, copy_rows
from ..models import Offer, OfferInstance, Provider, Venue, utcnow
from ..search.index import OfferText, index_texts, reindex_offers, remove_offers
from ..sources.models import OfferSource, Source
from .changelog import reserve_stamps
from .rows import (
    I_VENUE,
    Grouping,
    PreparedOffer,
    Preparer,
    RowItem,
    date_span,
)

offers_t: sa.Table = Offer.__table__  # type: ignore[assignment]
instances_t: sa.Table = OfferInstance.__table__  # type: ignore[assignment]
venues_t: sa.Table = Venue.__table__  # type: ignore[assignment]
providers_t: sa.Table = Provider.__table__  # type: ignore[assignment]


@dataclass
class WriteResult:
    """What one bulk write did, per offer."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    # angebot_id -> offer id of every offer written or left unchanged (spares callers that
    # link rows to the offers, such as the harvest's provenance, a query to find them again)
    ids: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return len(self.created) + len(self.updated) + len(self.deleted)

    def as_dict(self) -> dict[str, int]:
        return {"created": len(self.created), "updated": len(self.updated),
                "unchanged": len(self.unchanged), "deleted": len(self.deleted)}


def ensure_provider(session: Session, provider: ProviderRecord) -> int:
    """The id of the provider with this slug, creating it from the record if new."""
    pid = session.execute(sa.select(providers_t.c.id).where(providers_t.c.slug == provider.slug)
                          ).scalar()
    if pid is not None:
        return int(pid)
    return int(session.execute(
        providers_t.insert().returning(providers_t.c.id),
        {"slug": provider.slug, "name": provider.name, "type": provider.type, "url": provider.url,
         "email": provider.email, "telephone": provider.telephone, "licence": provider.licence,
         "created_at": utcnow(), "updated_at": utcnow()},
    ).scalar_one())


def write_offers(session: Session, provider_id: int, records: Sequence[OfferRecord],
                 replace: bool = False,
                 progress: Callable[[int], None] | None = None,
                 some: bool = False) -> WriteResult:
    """Create, update or (with `replace`) tombstone a provider's offers in bulk.

    `records` must have distinct angebot_ids. The caller owns the transaction. `progress`, if
    given, is called with the number of records handled so far as the write proceeds. `some`:
    the records are a few of the provider's many offers (a harvested page), so only their
    stored rows are read to compare with (not with `replace`).
    """
    if some and replace:
        raise ValueError("replace needs all of the provider's offers")
    preparer = Preparer(session.get_bind().dialect)
    offers, venues = preparer.prepare_records(records)
    feed_ids = {r.angebot_id: r.feed_id for r in records}
    existing = stored_offers(session, provider_id, list(feed_ids)) if some else None
    by_id = {r.angebot_id: r for r in records}
    return write_prepared(session, provider_id, offers, venues, feed_ids.__getitem__,
                          replace=replace, progress=progress, existing=existing,
                          texts=lambda angebot_id: record_texts(by_id[angebot_id]))


# What the search index takes of a record besides its provider: title, description, keywords
# and (venue name, locality, AGS) of each distinct venue of its dates, in date order.
CourseTexts = tuple[str, str, list[str], list[tuple[str | None, str | None, str | None]]]


def record_texts(record: OfferRecord) -> CourseTexts:
    """The CourseTexts of a record, as hub.search.index would read them back once stored."""
    places: dict[tuple[str | None, str | None, str | None], None] = {}
    for inst in record.instances:
        venue = inst.venue
        if venue is not None and not venue.is_empty():  # else no venue row is linked
            places[(venue.venue_name, venue.locality, venue.ags)] = None
    return record.title, record.description, record.keywords, list(places)


def write_items(session: Session, provider_id: int, provider_name: str,
                items: Sequence[tuple[str, list[RowItem], CourseTexts]],
                feed_id: Callable[[str], str]) -> WriteResult:
    """write_offers(some=True) of records already turned into their row items and texts
    (Preparer.record_items, record_texts: the harvest does that ahead, in its reader):
    (angebot_id, row items, texts) each, distinct angebot_ids; `provider_name` as the
    records' provider names (the content hash begins with it)."""
    grouping = Grouping()
    texts: dict[str, CourseTexts] = {}
    for angebot_id, rows, text in items:
        grouping.add(rows)
        texts[angebot_id] = text
    offers, venues = grouping.finish(provider_name)
    existing = stored_offers(session, provider_id, list(texts))
    return write_prepared(session, provider_id, offers, venues, feed_id, existing=existing,
                          texts=texts.__getitem__)


def stored_offers(session: Session, provider_id: int,
                  angebot_ids: Sequence[str] | None = None) -> dict[str, Any]:
    """The provider's offers (live and tombstones) by angebot_id: rows of id, angebot_id,
    content_hash and deleted; all of them, or those of `angebot_ids`."""
    query = sa.select(offers_t.c.id, offers_t.c.angebot_id, offers_t.c.content_hash,
                      offers_t.c.deleted).where(offers_t.c.provider_id == provider_id)
    if angebot_ids is None:
        return {row.angebot_id: row for row in session.execute(query)}
    return {row.angebot_id: row for chunk in chunks(angebot_ids, 500)
            for row in session.execute(query.where(among(session, offers_t.c.angebot_id, chunk)))}


@dataclass
class Plan:
    """What a write of a provider's offers will do, decided once for every writer (import,
    dry-run preview, demo): create the new ones, update the changed ones (or revive
    tombstones), leave the unchanged ones, and with replace tombstone the missing ones."""

    create: list[PreparedOffer] = field(default_factory=list)
    update: list[tuple[PreparedOffer, int]] = field(default_factory=list)  # with the stored id
    unchanged: list[PreparedOffer] = field(default_factory=list)
    tombstone: list[Any] = field(default_factory=list)  # stored_offers rows

    def counts(self) -> dict[str, int]:
        return {"created": len(self.create), "updated": len(self.update),
                "unchanged": len(self.unchanged), "deleted": len(self.tombstone)}


def classify(offers: Sequence[PreparedOffer], existing: dict[str, Any], replace: bool) -> Plan:
    """The Plan for `offers` against `existing` (stored_offers): same content hash and live
    means unchanged."""
    plan = Plan()
    for offer in offers:
        old = existing.get(offer.angebot_id)
        if old is None:
            plan.create.append(offer)
        elif old.deleted or old.content_hash != offer.digest:
            plan.update.append((offer, old.id))
        else:
            plan.unchanged.append(offer)
    if replace:
        seen = {o.angebot_id for o in offers}
        plan.tombstone = [row for aid, row in existing.items()
                          if aid not in seen and not row.deleted]
    return plan


def write_prepared(session: Session, provider_id: int, offers: Sequence[PreparedOffer],
                   venues: dict[str, tuple[Any, ...]], feed_id: Callable[[str], str], *,
                   replace: bool = False,
                   progress: Callable[[int], None] | None = None,
                   existing: dict[str, Any] | None = None,
                   texts: Callable[[str], CourseTexts] | None = None) -> WriteResult:
    """write_offers for offers already prepared by hub.offers.rows (database values, hash);
    `venues` holds the typed values of their venues by key, `feed_id(angebot_id)` the ids.
    `existing` (stored_offers as read earlier in this transaction) replaces the provider's
    offers as the ones to compare with and, with `replace`, to tombstone when missing.
    `texts(angebot_id)`: the CourseTexts of the record the offer was prepared from, if at
    hand: the search index takes them instead of reading the written offers back."""
    result = WriteResult()
    if existing is None:
        existing = stored_offers(session, provider_id)
    plan = classify(offers, existing, replace)
    to_create, to_update, to_delete = plan.create, plan.update, plan.tombstone
    result.unchanged.extend(feed_id(offer.angebot_id) for offer in plan.unchanged)
    result.ids.update((offer.angebot_id, existing[offer.angebot_id].id) for offer in plan.unchanged)
    total = len(to_create) + len(to_update) + len(to_delete)
    if total == 0:
        if progress is not None:
            progress(len(offers))
        return result
    stamp = reserve_stamps(session, total)
    now = utcnow()
    written = [*to_create, *(o for o, _ in to_update)]
    venue_ids = ensure_venue_ids(
        session, provider_id, {i[I_VENUE] for o in written for i in o.instances if i[I_VENUE]},
        venues)
    if to_update or to_delete:
        stale = [oid for _, oid in to_update] + [row.id for row in to_delete]
        for chunk in chunks(stale, 500):
            session.execute(instances_t.delete().where(instances_t.c.offer_id.in_(chunk)))
    writer = BulkWriter(session)
    fixed = writer.fixed(now)
    ids: dict[str, int] = {}
    if to_update:
        rows = []
        for offer, oid in to_update:
            rows.append((oid, *_offer_values(offer, stamp, fixed)))
            stamp += 1
            result.updated.append(feed_id(offer.angebot_id))
            ids[offer.angebot_id] = oid
        writer.update_offers(rows)
    if to_delete:
        rows_ = []
        for row in to_delete:
            rows_.append({"b_id": row.id, "modified": stamp, "deleted": True, "deleted_at": now,
                          "updated_at": now, "content_hash": None})
            stamp += 1
        session.execute(offers_t.update().where(offers_t.c.id == sa.bindparam("b_id")), rows_)
        result.deleted.extend(_feed_ids(session, [row.id for row in to_delete]))
    if to_create:
        created_at = fixed[-1]
        rows = []
        # ids handed out before the insert: no query to find the new rows again
        for offer, oid in zip(to_create, OfferIds(session).take(len(to_create)), strict=True):
            aid = offer.angebot_id
            fid = feed_id(aid)
            rows.append((oid, provider_id, aid, fid, created_at,
                         *_offer_values(offer, stamp, fixed)))
            stamp += 1
            result.created.append(fid)
            ids[aid] = oid
        writer.insert_offers(rows, with_ids=True)
    done = len(result.unchanged)
    for part in chunks(written, 5000):
        instance_rows: list[tuple[Any, ...]] = []
        for offer in part:
            oid = ids[offer.angebot_id]
            for pos, (values, key, venue, _json) in enumerate(offer.instances):
                instance_rows.append((oid, pos, key, venue_ids[venue] if venue else None,
                                      *values))
        writer.insert_instances(instance_rows)
        done += len(part)
        if progress is not None:
            progress(done)
    # the search index follows every write
    if texts is None:
        reindex_offers(session, ids.values())
    else:
        index_texts(session, _offer_texts(session, provider_id, ids, texts))
    remove_offers(session, [row.id for row in to_delete])
    result.ids.update(ids)
    return result


def _offer_texts(session: Session, provider_id: int, ids: dict[str, int],
                 texts: Callable[[str], CourseTexts]) -> list[OfferText]:
    """The search index's texts of the offers just written (`ids`): what hub.search.index
    would read back (with the provider's name as stored)."""
    provider = session.execute(sa.select(providers_t.c.name)
                               .where(providers_t.c.id == provider_id)).scalar_one()
    out = []
    for angebot_id, oid in ids.items():
        title, description, keywords, places = texts(angebot_id)
        out.append(OfferText(oid, title, description, keywords, provider, places))
    return out


class OfferIds:
    """Ids for new offers handed out in advance, so instances need no lookup of them.
    SQLite: counting on from the largest id (the caller holds the write lock); PostgreSQL:
    drawn from the table's sequence."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.sqlite = session.get_bind().dialect.name == "sqlite"
        self.last = (session.execute(sa.select(sa.func.coalesce(sa.func.max(offers_t.c.id), 0)))
                     .scalar_one() if self.sqlite else 0)

    def take(self, count: int) -> list[int]:
        if count == 0:
            return []
        if self.sqlite:
            first = self.last + 1
            self.last += count
            return list(range(first, first + count))
        return list(self.session.execute(sa.text(
            "SELECT nextval(pg_get_serial_sequence('offers', 'id')) "
            "FROM generate_series(1, :n)"), {"n": count}).scalars())


_FIXED = ("deleted", "deleted_at", "updated_at", "created_at")
OFFER_NAMES = ("modified", "content_hash", "first_date", "last_date", "deleted", "deleted_at",
                "updated_at", *COURSE_FIELDS)
_INSTANCE_NAMES = ("offer_id", "position", "instance_key", "venue_id", *INSTANCE_FIELDS)


def _offer_values(offer: PreparedOffer, stamp: int, fixed: tuple[Any, ...]) -> tuple[Any, ...]:
    """OFFER_NAMES values of an offer (fixed: database values of deleted, deleted_at and
    updated_at, then created_at)."""
    first, last = date_span(offer.instances)
    return (stamp, offer.digest, first, last, fixed[0], fixed[1], fixed[2], *offer.course)


class BulkWriter:
    """Bulk INSERT/UPDATE through one DBAPI executemany per call, with values that are
    already database values (converted by the columns' own bind processors)."""

    def __init__(self, session: Session) -> None:
        self.conn = session.connection()
        self.dialect = self.conn.dialect

    def fixed(self, now: datetime) -> tuple[Any, ...]:
        values = (False, None, now, now)
        return tuple(self._convert(offers_t, name, v) for name, v in zip(_FIXED, values, strict=True))

    def _convert(self, table: sa.Table, name: str, value: Any) -> Any:
        proc = table.c[name].type.dialect_impl(self.dialect).bind_processor(self.dialect)
        return proc(value) if proc is not None and value is not None else value

    def insert_offers(self, rows: list[tuple[Any, ...]], with_ids: bool = False) -> None:
        """Rows of (id if `with_ids`, provider_id, angebot_id, feed_id, created_at,
        *OFFER_NAMES)."""
        names = ("provider_id", "angebot_id", "feed_id", "created_at", *OFFER_NAMES)
        self._run(offers_t.insert(), ("id", *names) if with_ids else names, rows)

    def update_offer_columns(self, names: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Rows of (offer id, *values of `names`), values already database values."""
        stmt = offers_t.update().where(offers_t.c.id == sa.bindparam("b_id")).values(
            {name: sa.bindparam(name) for name in names})
        self._run(stmt, ("b_id", *names), rows)

    def insert_instances(self, rows: list[tuple[Any, ...]]) -> None:
        self._run(instances_t.insert(), _INSTANCE_NAMES, rows)

    def insert_rows(self, table: sa.Table, names: Sequence[str],
                    rows: list[tuple[Any, ...]]) -> None:
        """Rows of `names` (every column but an id, database values) into `table`."""
        self._run(table.insert(), names, rows)

    def update_offers(self, rows: list[tuple[Any, ...]]) -> None:
        self.update_offer_columns(OFFER_NAMES, rows)

    def _run(self, stmt: Any, names: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if isinstance(stmt, sa.Insert):
            missing = {c.name for c in stmt.table.columns} - {"id", *names}
            assert not missing, f"no value for {missing}"  # defaults need SQLAlchemy itself
            if self.dialect.name == "postgresql" and self.dialect.driver == "psycopg":
                self._copy(stmt.table, names, rows)
                return
            if self.dialect.paramstyle == "qmark":
                # SQLite: the columns in the rows' own order, so no row is rebuilt.
                quote = self.dialect.identifier_preparer.quote
                sql = (f"INSERT INTO {quote(stmt.table.name)} "
                       f"({', '.join(map(quote, names))}) VALUES ({', '.join('?' * len(names))})")
                self.conn.exec_driver_sql(sql, rows)
                return
            compiled = stmt.compile(dialect=self.dialect, column_keys=list(names))
        else:
            compiled = stmt.compile(dialect=self.dialect)
        order = compiled.positiontup
        params: list[Any]
        if order is not None:
            if list(order) != list(names):
                pick = operator.itemgetter(*(names.index(n) for n in order))
                params = [pick(row) for row in rows]
            else:
                params = rows
        else:
            params = [dict(zip(names, row, strict=True)) for row in rows]
        self.conn.exec_driver_sql(compiled.string, params)

    def _copy(self, table: sa.TableClause, names: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """PostgreSQL: COPY (hub.db.copy_rows); JSON columns arrive as their JSON text
        (hub.offers.rows.bind_processor), which psycopg's C text dumper writes."""
        copy_rows(self.conn, table.name, names, rows)


def tombstone_offers(session: Session, offer_ids: Sequence[int]) -> int:
    """Turn live offers into deleted tombstones (expired or withdrawn); returns the count."""
    if not offer_ids:
        return 0
    stamp = reserve_stamps(session, len(offer_ids))
    now = utcnow()
    for chunk in chunks(list(offer_ids), 500):
        session.execute(instances_t.delete().where(instances_t.c.offer_id.in_(chunk)))
    session.execute(
        offers_t.update().where(offers_t.c.id == sa.bindparam("b_id")),
        [{"b_id": oid, "modified": stamp + n, "deleted": True, "deleted_at": now,
          "updated_at": now, "content_hash": None} for n, oid in enumerate(offer_ids)])
    remove_offers(session, offer_ids)
    return len(offer_ids)


def restamp_provider_offers(session: Session, provider_id: int) -> int:
    """Give every live offer of a provider a new stamp (its name, shown in `data`, changed)."""
    ids = list(session.execute(sa.select(offers_t.c.id).where(
        offers_t.c.provider_id == provider_id, offers_t.c.deleted.is_(False))
        .order_by(offers_t.c.id)).scalars())
    if not ids:
        return 0
    stamp = reserve_stamps(session, len(ids))
    session.execute(offers_t.update().where(offers_t.c.id == sa.bindparam("b_id")),
                    [{"b_id": oid, "modified": stamp + n} for n, oid in enumerate(ids)])
    reindex_offers(session, ids)  # the provider's name is searchable
    return len(ids)


def _feed_ids(session: Session, ids: list[int]) -> list[str]:
    out: list[str] = []
    for chunk in chunks(ids, 500):
        out.extend(session.execute(sa.select(offers_t.c.feed_id).where(offers_t.c.id.in_(chunk))
                                   ).scalars())
    return out


def stored_venue_ids(session: Session, provider_id: int) -> dict[str, int]:
    """The provider's venue ids by venue key."""
    return {key: vid for vid, key in session.execute(
        sa.select(venues_t.c.id, venues_t.c.venue_key).where(venues_t.c.provider_id == provider_id))}


def ensure_venue_ids(session: Session, provider_id: int, keys: set[str],
                     venues: dict[str, tuple[Any, ...]],
                     known: dict[str, int] | None = None) -> dict[str, int]:
    """Venue ids by key, inserting the provider's venues not stored yet; `known` (from
    stored_venue_ids, kept up to date here) saves reading them again."""
    if not keys:
        return known if known is not None else {}
    if known is None:
        known = stored_venue_ids(session, provider_id)
    missing = [{"provider_id": provider_id, "venue_key": k, **dict(zip(VENUE_FIELDS, venues[k], strict=True))}
               for k in sorted(keys) if k not in known]
    for chunk in chunks(missing, 2000):
        for vid, key in session.execute(
                venues_t.insert().returning(venues_t.c.id, venues_t.c.venue_key), chunk):
            known[key] = vid
    return known


# --- reading -------------------------------------------------------------------------------

def provider_record(row: Any) -> ProviderRecord:
    return ProviderRecord(slug=row.slug, name=row.name, type=row.type, url=row.url,
                          email=row.email, telephone=row.telephone, licence=row.licence)


def _dict_rows(result: Any) -> Iterator[dict[str, Any]]:
    """Rows as plain dicts: one zip per row instead of a Row attribute lookup per field."""
    keys = list(result.keys())
    return (dict(zip(keys, row, strict=True)) for row in result)


def load_offer_records(session: Session, offer_ids: Sequence[int]) -> list[OfferRecord]:
    """Offers with instances, venues and provider, in the order of `offer_ids`.

    Three queries per call whatever its size, so feeds can stream in batches.
    """
    if not offer_ids:
        return []
    offer_rows = {r["id"]: r for r in _dict_rows(session.execute(
        sa.select(offers_t, providers_t.c.slug, providers_t.c.name.label("provider_name"),
                  providers_t.c.type.label("provider_type"), providers_t.c.url.label("provider_url"),
                  providers_t.c.email.label("provider_email"),
                  providers_t.c.telephone.label("provider_telephone"),
                  providers_t.c.licence.label("provider_licence"))
        .join(providers_t, providers_t.c.id == offers_t.c.provider_id)
        .where(offers_t.c.id.in_(offer_ids))))}
    inst_by_offer: dict[int, list[Any]] = {}
    venue_ids: set[int] = set()
    for inst in _dict_rows(session.execute(
            sa.select(instances_t).where(instances_t.c.offer_id.in_(offer_ids))
            .order_by(instances_t.c.offer_id, instances_t.c.position))):
        inst_by_offer.setdefault(inst["offer_id"], []).append(inst)
        if inst["venue_id"] is not None:
            venue_ids.add(inst["venue_id"])
    venues = {v["id"]: VenueRecord(**{f: v[f] for f in VENUE_FIELDS}, key=v["venue_key"])
              for v in (_dict_rows(session.execute(
                  sa.select(venues_t).where(venues_t.c.id.in_(venue_ids)))) if venue_ids else [])}
    sources = provenance(session, offer_ids)
    out = []
    for oid in offer_ids:
        row = offer_rows.get(oid)
        if row is None:
            continue
        provider = ProviderRecord(slug=row["slug"], name=row["provider_name"],
                                  type=row["provider_type"], url=row["provider_url"],
                                  email=row["provider_email"],
                                  telephone=row["provider_telephone"],
                                  licence=row["provider_licence"])
        record = OfferRecord(angebot_id=row["angebot_id"], title=row["title"] or "",
                             description=row["description"] or "", provider=provider,
                             modified=row["modified"], deleted=row["deleted"],
                             source=sources.get(oid),
                             **{f: row[f] for f in COURSE_FIELDS
                                if f not in ("title", "description")})
        for inst in inst_by_offer.get(oid, []):
            record.instances.append(InstanceRecord(
                venue=venues.get(inst["venue_id"]) if inst["venue_id"] else None,
                **{f: inst[f] for f in INSTANCE_FIELDS}))
        out.append(record)
    return out


def provenance(session: Session, offer_ids: Sequence[int]) -> dict[int, SourceRecord]:
    """The provenance of the harvested offers among `offer_ids` (one query)."""
    links, sources = OfferSource.__table__, Source.__table__
    return {r.offer_id: SourceRecord(name=r.name, url=r.item_url or r.rpde_url,
                                     item_id=r.item_id, modified=r.modified)
            for r in session.execute(
                sa.select(links.c.offer_id, links.c.item_id, links.c.item_url, links.c.modified,
                          sources.c.name, sources.c.rpde_url)
                .join(sources, sources.c.id == links.c.source_id)
                .where(links.c.offer_id.in_(offer_ids)))}


def load_offer(session: Session, provider_slug: str, angebot_id: str) -> OfferRecord | None:
    """One offer (live or tombstone) by its identity, or None."""
    oid = session.execute(sa.select(offers_t.c.id).where(
        offers_t.c.feed_id == f"{provider_slug}/{angebot_id}")).scalar()
    if oid is None:
        return None
    records = load_offer_records(session, [oid])
    return records[0] if records else None
