"""Offers in and out of the database: typed records <-> rows, in bulk.

Writes stamp every changed offer from hub.changelog; unchanged offers (same content hash) are
left alone, so re-delivering the same data produces no feed change.
"""
from __future__ import annotations

import hashlib
import json
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..vocab.records import (
    COURSE_FIELDS, INSTANCE_FIELDS, VENUE_FIELDS, InstanceRecord, OfferRecord, ProviderRecord,
    VenueRecord, record_to_dict,
)
from .changelog import reserve_stamps
from .models import Offer, OfferInstance, Provider, Venue, utcnow

offers_t = Offer.__table__
instances_t = OfferInstance.__table__
venues_t = Venue.__table__
providers_t = Provider.__table__


def _plain(value: Any) -> Any:
    if isinstance(value, (date, time, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    return value


def venue_key(venue: VenueRecord) -> str:
    """A venue's identity within its provider: the hash of its fields."""
    raw = json.dumps([_plain(getattr(venue, f)) for f in VENUE_FIELDS], ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def canonical(record: OfferRecord) -> dict[str, Any]:
    """Everything a feed shows of an offer, as JSON-able data (the basis of its hash)."""
    return {
        "provider": record.provider.name,
        "course": {f: _plain(getattr(record, f)) for f in COURSE_FIELDS},
        "instances": [
            {**{f: _plain(getattr(i, f)) for f in INSTANCE_FIELDS},
             "venue": None if i.venue is None else {f: _plain(getattr(i.venue, f))
                                                    for f in VENUE_FIELDS}}
            for i in record.instances
        ],
    }


_course_values = operator.attrgetter(*COURSE_FIELDS)
_instance_values = operator.attrgetter(*INSTANCE_FIELDS)
_venue_values = operator.attrgetter(*VENUE_FIELDS)


def _json_default(value: Any) -> Any:
    """json.dumps hook: the same conversions as _plain, called only for non-JSON values."""
    plain = _plain(value)
    if plain is value:
        raise TypeError(f"not JSON-able: {type(value).__name__}")
    return plain


def content_hash(record: OfferRecord) -> str:
    """The hash of canonical(record)'s content; positional (no keys) because it is hot."""
    parts: list[Any] = [record.provider.name, _course_values(record)]
    for inst in record.instances:
        parts.append(_instance_values(inst))
        parts.append(None if inst.venue is None else _venue_values(inst.venue))
    raw = json.dumps(parts, ensure_ascii=False, default=_json_default)
    return hashlib.sha256(raw.encode()).hexdigest()


def _date_span(record: OfferRecord) -> tuple[date | None, date | None]:
    starts = [i.start_date for i in record.instances if i.start_date]
    ends = [i.end_date or i.start_date for i in record.instances if i.end_date or i.start_date]
    # An instance without dates (rolling entry) keeps the offer open-ended.
    open_ended = any(i.start_date is None and i.end_date is None for i in record.instances)
    return (min(starts) if starts else None,
            None if open_ended or not ends else max(d for d in ends if d))


@dataclass
class WriteResult:
    """What one bulk write did, per offer."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

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
                 progress: Callable[[int], None] | None = None) -> WriteResult:
    """Create, update or (with `replace`) tombstone a provider's offers in bulk.

    `records` must have distinct angebot_ids. The caller owns the transaction. `progress`, if
    given, is called with the number of records handled so far as the write proceeds.
    """
    result = WriteResult()
    existing = {
        row.angebot_id: row for row in session.execute(
            sa.select(offers_t.c.id, offers_t.c.angebot_id, offers_t.c.content_hash,
                      offers_t.c.deleted).where(offers_t.c.provider_id == provider_id))
    }
    to_create: list[tuple[OfferRecord, str]] = []
    to_update: list[tuple[OfferRecord, str, int]] = []
    for record in records:
        digest = content_hash(record)
        old = existing.get(record.angebot_id)
        if old is None:
            to_create.append((record, digest))
        elif old.deleted or old.content_hash != digest:
            to_update.append((record, digest, old.id))
        else:
            result.unchanged.append(record.feed_id)
    seen = {r.angebot_id for r in records}
    to_delete = [row for aid, row in existing.items()
                 if replace and aid not in seen and not row.deleted]
    total = len(to_create) + len(to_update) + len(to_delete)
    if total == 0:
        if progress is not None:
            progress(len(records))
        return result
    stamp = reserve_stamps(session, total)
    now = utcnow()
    keys = _VenueKeys()
    venue_ids = _ensure_venues(session, provider_id,
                               [i.venue for r, *_ in to_create + to_update
                                for i in r.instances if i.venue and not i.venue.is_empty()],
                               keys)

    if to_update or to_delete:
        stale = [oid for *_, oid in to_update] + [row.id for row in to_delete]
        for chunk in _chunks(stale, 500):
            session.execute(instances_t.delete().where(instances_t.c.offer_id.in_(chunk)))
    if to_update:
        rows = []
        for record, digest, oid in to_update:
            rows.append({"b_id": oid, **_offer_row(record, digest, stamp, now)})
            stamp += 1
            result.updated.append(record.feed_id)
        session.execute(
            offers_t.update().where(offers_t.c.id == sa.bindparam("b_id")),
            rows)
    if to_delete:
        rows = []
        for row in to_delete:
            rows.append({"b_id": row.id, "modified": stamp, "deleted": True, "deleted_at": now,
                         "updated_at": now, "content_hash": None})
            stamp += 1
        session.execute(offers_t.update().where(offers_t.c.id == sa.bindparam("b_id")), rows)
        result.deleted.extend(_feed_ids(session, [row.id for row in to_delete]))
    new_ids: dict[str, int] = {}
    if to_create:
        rows = []
        for record, digest in to_create:
            rows.append({"provider_id": provider_id, "angebot_id": record.angebot_id,
                         "feed_id": record.feed_id, "created_at": now,
                         **_offer_row(record, digest, stamp, now)})
            stamp += 1
            result.created.append(record.feed_id)
        for chunk in _chunks(rows, 5000):
            _bulk_insert(session, offers_t, chunk)
        created = {r.angebot_id for r, _ in to_create}
        for oid, aid in session.execute(sa.select(offers_t.c.id, offers_t.c.angebot_id).where(
                offers_t.c.provider_id == provider_id)):
            if aid in created:
                new_ids[aid] = oid
    written = [*to_create, *to_update]
    done = len(result.unchanged)
    for part in _chunks(written, 2000):
        instance_rows: list[dict[str, Any]] = []
        for record, *rest in part:
            oid = rest[1] if len(rest) == 2 else new_ids[record.angebot_id]
            for pos, inst in enumerate(record.instances):
                instance_rows.append(_instance_row(oid, pos, inst, venue_ids, keys))
        _bulk_insert(session, instances_t, instance_rows)
        done += len(part)
        if progress is not None:
            progress(done)
    return result


def _bulk_insert(session: Session, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT many rows with one DBAPI executemany, converting values with the column types'
    own bind processors (so storage is exactly as through SQLAlchemy, at a fraction of its
    per-row cost). Every row must give every column except the autoincrement id."""
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    names = [c.name for c in table.columns if c.name != "id"]
    compiled = table.insert().compile(dialect=dialect, column_keys=names)
    order = compiled.positiontup or names
    if set(order) != set(names):  # a column default would need SQLAlchemy's own execution
        session.execute(table.insert(), rows)
        return
    pick = operator.itemgetter(*order)
    procs = []
    for pos, name in enumerate(order):
        proc = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if proc is not None:
            json_list = isinstance(table.c[name].type, sa.JSON)
            procs.append((pos, _memo_lists(proc) if json_list else proc))
    params: list[Any] = []
    for row in rows:
        values = list(pick(row))
        for pos, proc in procs:
            values[pos] = proc(values[pos])
        params.append(tuple(values) if compiled.positiontup else dict(zip(order, values)))
    conn.exec_driver_sql(compiled.string, params)


def _memo_lists(proc: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A bind processor that converts each distinct list once (JSON lists repeat a lot)."""
    cache: dict[tuple[Any, ...], Any] = {}

    def run(value: Any) -> Any:
        if not isinstance(value, list):
            return proc(value)
        key = tuple(value)
        out = cache.get(key)
        if out is None:
            out = cache[key] = proc(value)
        return out
    return run


def tombstone_offers(session: Session, offer_ids: Sequence[int]) -> int:
    """Turn live offers into deleted tombstones (expired or withdrawn); returns the count."""
    if not offer_ids:
        return 0
    stamp = reserve_stamps(session, len(offer_ids))
    now = utcnow()
    for chunk in _chunks(list(offer_ids), 500):
        session.execute(instances_t.delete().where(instances_t.c.offer_id.in_(chunk)))
    session.execute(
        offers_t.update().where(offers_t.c.id == sa.bindparam("b_id")),
        [{"b_id": oid, "modified": stamp + n, "deleted": True, "deleted_at": now,
          "updated_at": now, "content_hash": None} for n, oid in enumerate(offer_ids)])
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
    return len(ids)


def _feed_ids(session: Session, ids: list[int]) -> list[str]:
    out: list[str] = []
    for chunk in _chunks(ids, 500):
        out.extend(session.execute(sa.select(offers_t.c.feed_id).where(offers_t.c.id.in_(chunk))
                                   ).scalars())
    return out


def _offer_row(record: OfferRecord, digest: str, stamp: int, now: datetime) -> dict[str, Any]:
    first, last = _date_span(record)
    row = dict(zip(COURSE_FIELDS, _course_values(record)))
    row.update(modified=stamp, deleted=False, deleted_at=None, content_hash=digest,
               first_date=first, last_date=last, updated_at=now)
    return row


def _instance_row(offer_id: int, position: int, inst: InstanceRecord,
                  venue_ids: dict[str, int], keys: _VenueKeys) -> dict[str, Any]:
    row = dict(zip(INSTANCE_FIELDS, _instance_values(inst)))
    row.update(offer_id=offer_id, position=position, instance_key=inst.key[:60],
               venue_id=venue_ids.get(keys(inst.venue))
               if inst.venue and not inst.venue.is_empty() else None)
    return row


class _VenueKeys:
    """venue_key with a cache: an upload repeats the same few venues on many rows."""

    def __init__(self) -> None:
        self.cache: dict[tuple[Any, ...], str] = {}

    def __call__(self, venue: VenueRecord) -> str:
        values = _venue_values(venue)
        key = self.cache.get(values)
        if key is None:
            key = self.cache[values] = venue_key(venue)
        return key


def _ensure_venues(session: Session, provider_id: int, venues: Iterable[VenueRecord],
                   keys: _VenueKeys) -> dict[str, int]:
    wanted = {keys(v): v for v in venues}
    if not wanted:
        return {}
    known = {key: vid for vid, key in session.execute(
        sa.select(venues_t.c.id, venues_t.c.venue_key).where(venues_t.c.provider_id == provider_id))}
    missing = [{"provider_id": provider_id, "venue_key": k, **record_to_dict(v)}
               for k, v in wanted.items() if k not in known]
    for chunk in _chunks(missing, 2000):
        for vid, key in session.execute(
                venues_t.insert().returning(venues_t.c.id, venues_t.c.venue_key), chunk):
            known[key] = vid
    return known


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


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
    venues = {v["id"]: VenueRecord(**{f: v[f] for f in VENUE_FIELDS}) for v in (
        _dict_rows(session.execute(sa.select(venues_t).where(venues_t.c.id.in_(venue_ids))))
        if venue_ids else [])}
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
                             **{f: row[f] for f in COURSE_FIELDS
                                if f not in ("title", "description")})
        for inst in inst_by_offer.get(oid, []):
            record.instances.append(InstanceRecord(
                venue=venues.get(inst["venue_id"]) if inst["venue_id"] else None,
                **{f: inst[f] for f in INSTANCE_FIELDS}))
        out.append(record)
    return out


def load_offer(session: Session, provider_slug: str, angebot_id: str) -> OfferRecord | None:
    """One offer (live or tombstone) by its identity, or None."""
    oid = session.execute(sa.select(offers_t.c.id).where(
        offers_t.c.feed_id == f"{provider_slug}/{angebot_id}")).scalar()
    if oid is None:
        return None
    records = load_offer_records(session, [oid])
    return records[0] if records else None
