"""Harvested pages -> offers of this hub, through the one write path, with provenance.

Each page is written in ONE transaction together with the source's resume point (its
`next_url`): a crash between pages re-reads the page, it never skips one. `updated` items
become offers (hub.offers.store.write_offers: same records, grouping, content hash, change
stamps and search index as uploads, so our own RPDE feed stays race-free); `deleted` items
tombstone the offer they made. Identifiers are namespaced by source: the neighbour's provider
"vhs" of source "nachbar" is our provider "nachbar--vhs", so two sources never collide.
A run that cannot read its feed records why (German) in the source's health and keeps every
page written before; it is never reported as a success.
"""
from __future__ import annotations

import gc
import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from ...feeds.jsonld_read import ReadError
from ...validators.core import gc_paused
from ...vocab.records import ProviderRecord
from ..db import among, begin_write, chunks, custom_plans
from ..models import Offer, Provider, utcnow
from ..offers.rows import Preparer
from ..offers.store import (
    BulkWriter,
    ensure_provider,
    restamp_provider_offers,
    tombstone_offers,
    write_items,
)
from ..sources.models import OfferSource, Source
from .items import HarvestError, HarvestItem, HarvestLimits, HarvestPage
from .reader import GC_EVERY_PAGES, Read, ReadItem, read_ahead, read_item

log = logging.getLogger(__name__)

offers_t: sa.Table = Offer.__table__  # type: ignore[assignment]
links_t: sa.Table = OfferSource.__table__  # type: ignore[assignment]
providers_t: sa.Table = Provider.__table__  # type: ignore[assignment]
SLUG_MAX = 64  # hub.models.Provider.slug
SEPARATOR = "--"
Walk = Callable[..., Iterable[HarvestPage]]
# The RPDE client's codes for a run that read well but hit a limit of the run (not a failure).
LIMITS = ("page-limit", "time-limit")


@dataclass
class RunCounts:
    """What one run did: pages and items read, offers created/updated/unchanged/deleted,
    items skipped (with the first reasons) and items that were our own offers coming back."""

    pages: int = 0
    items: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0
    own: int = 0
    reasons: list[str] = field(default_factory=list)

    def add_reason(self, reason: str) -> None:
        self.skipped += 1
        if len(self.reasons) < 5:
            self.reasons.append(reason)

    def as_dict(self) -> dict[str, Any]:
        return {"pages": self.pages, "items": self.items, "created": self.created,
                "updated": self.updated, "unchanged": self.unchanged, "deleted": self.deleted,
                "skipped": self.skipped, "own": self.own, "reasons": self.reasons}


@dataclass
class RunOutcome:
    """How a run of one source ended: "done", "done-errors" (items skipped), "partial" (a limit
    of the run was reached; the next run goes on), "failed" (the feed could not be read
    further; what came before is kept) or "waiting" (the source asked to wait)."""

    source: str
    status: str
    counts: RunCounts
    error_code: str | None = None
    error_message: str | None = None


def namespaced_slug(source: str, slug: str) -> str:
    """Our provider slug for a neighbour's provider: "<source>--<its slug>", slug-safe and at
    most 64 characters (a long one is cut and keeps a hash of the whole, so it stays unique)."""
    text = unicodedata.normalize("NFKD", slug.lower().replace("ß", "ss"))
    text = re.sub(r"[^a-z0-9]+", "-", text.encode("ascii", "ignore").decode()).strip("-")
    full = f"{source}{SEPARATOR}{text or 'anbieter'}"
    if len(full) <= SLUG_MAX:
        return full
    digest = hashlib.sha256(slug.encode()).hexdigest()[:10]
    return f"{full[:SLUG_MAX - 11].rstrip('-')}-{digest}"


def harvest_source(sessions: sessionmaker[Session], name: str, walk: Walk, *,
                   base_uri: str, allow_hosts: str, limits: HarvestLimits | None = None,
                   on_page: Callable[[RunCounts], None] | None = None,
                   reader_process: bool | None = None) -> RunOutcome:
    """Read the source's feed from its resume point to the end (or a limit), writing page by
    page; record the run in the source's health. `walk` is the RPDE client; `on_page`, if
    given, is called with the counts so far after each page is committed; `reader_process`:
    read ahead in a forked process or a thread (None: a process where that is safe, see
    hub.federation.reader)."""
    with sessions() as session:
        source = session.execute(sa.select(Source).where(Source.name == name)).scalar_one()
        source.last_attempt_at = utcnow()
        start = source.next_url or source.rpde_url
        dialect = session.get_bind().dialect
        session.commit()
    counts = RunCounts()
    try:
        # No cyclic garbage collection during the run (nor in the reader): a page makes some
        # 10^5 dicts, tuples, rows and records that form no cycles, and the collector walked
        # them, and the pages in flight, again and again (a tenth of the CPU even when it ran
        # only between pages); a full collection every GC_EVERY_PAGES pages frees the few
        # cycles a page leaves (some hundred objects), so they stay bounded.
        with gc_paused():
            pages = read_ahead(walk(start, limits=limits or HarvestLimits(),
                                    allow_hosts=allow_hosts), dialect, reader_process)
            statistics = PlannerStatistics(sessions) if dialect.name == "postgresql" else None
            for number, (page, read) in enumerate(pages, start=1):
                with sessions() as session:
                    ingest_page(session, name, page, base_uri, counts, read)
                    session.commit()
                if statistics is not None:
                    statistics.grown(len(page.items))
                if on_page is not None:
                    on_page(counts)
                if page.is_last:
                    break
                if number % GC_EVERY_PAGES == 0:
                    gc.collect()
    except HarvestError as exc:
        log.warning("source %s: %s", name, exc)
        return _record(sessions, name, counts, exc.code, exc.message, exc.url, exc.retry_after)
    except Exception as exc:  # a fault of ours: recorded as such, never as the source's
        log.exception("source %s: harvest broke", name)
        _record(sessions, name, counts, "internal-error",
                f"Interner Fehler beim Ernten ({exc.__class__.__name__}); Details im Protokoll.",
                None, None)
        raise
    return _record(sessions, name, counts, None, None, None, None)


class PlannerStatistics:
    """PostgreSQL: ANALYZE offer_sources once a run has written more items than the planner's
    statistics know of. A first harvest of a big source fills it from nothing within seconds,
    before autovacuum looks; without statistics the planner took "source_id = 1" for a rare
    value and filtered the whole table for each lookup of a page's items (the harvest's largest
    wait). At most ~log2(items / page size) runs of ANALYZE, each well under 0.1 s."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self.since = 0  # items written since the last ANALYZE
        self.enabled = True

    def grown(self, items: int) -> None:
        self.since += items
        if not self.enabled:
            return
        with self.sessions() as session:
            known = session.execute(sa.text(
                "SELECT coalesce(max(reltuples), 0) FROM pg_class WHERE oid = "
                "CAST('offer_sources' AS regclass)")).scalar_one()
            if self.since <= max(known, 1000):
                return
            try:
                session.execute(sa.text("ANALYZE offer_sources"))
                session.commit()
            except sa.exc.DBAPIError as exc:  # a user that may not: autovacuum will do it
                log.info("ANALYZE nach Ernte nicht möglich: %s", exc.orig)
                self.enabled = False
                return
        self.since = 0


def _record(sessions: sessionmaker[Session], name: str, counts: RunCounts, code: str | None,
            message: str | None, url: str | None, retry_after: int | None) -> RunOutcome:
    """Write the run into the source's health; a run with skipped items succeeds with errors."""
    now = utcnow()
    status = "failed" if code else "done-errors" if counts.skipped else "done"
    if code in LIMITS:
        status = "partial"  # read well up to a limit of the run: the next run goes on
    elif code == "retry-later":
        status = "waiting"
    if code is None and counts.skipped:
        code = "skipped-items"
        message = (f"{counts.skipped} Einträge übersprungen, z. B.: "
                   + "; ".join(counts.reasons[:3]))
    with sessions() as session:
        source = session.execute(sa.select(Source).where(Source.name == name)).scalar_one()
        if status in ("done", "done-errors", "partial"):
            source.last_success_at = now
        source.last_error_code = code
        source.last_error_message = message
        source.last_error_url = url[:2000] if url else None
        source.not_before = now + timedelta(seconds=retry_after) if retry_after else None
        source.last_run = {"status": status, **counts.as_dict()}
        session.commit()
    return RunOutcome(name, status, counts, code, message)


def ingest_page(session: Session, source_name: str, page: HarvestPage, base_uri: str,
                counts: RunCounts, read: Read | None = None) -> None:
    """Write one page's items and then its `next_url` as the resume point, in the caller's
    transaction (commit afterwards: both or neither). `read`: the items already read
    (hub.federation.reader); the others are read here."""
    begin_write(session)  # SQLite: one writer at a time from the start, as uploads do
    if session.get_bind().dialect.name == "postgresql":
        # No wait for the WAL flush at commit: a crash loses at most the last pages together
        # with their resume point (one transaction), and the next run reads them again.
        session.execute(sa.text("SET LOCAL synchronous_commit = off"))
    # psycopg prepares a repeated statement after five runs, and PostgreSQL may keep the
    # generic plan it made while offer_sources was nearly empty (a scan per ANY list).
    with custom_plans(session):
        _ingest_page(session, source_name, page, base_uri, counts, read)


def _ingest_page(session: Session, source_name: str, page: HarvestPage, base_uri: str,
                 counts: RunCounts, read: Read | None) -> None:
    source = session.execute(sa.select(Source).where(Source.name == source_name)
                             .with_for_update()).scalar_one()
    counts.pages += 1
    counts.items += len(page.items) + len(page.skipped)
    for skipped in page.skipped:
        counts.add_reason(f"Eintrag {skipped.item_id or skipped.position}: {skipped.reason}")
    latest: dict[str, HarvestItem] = {}
    for item in page.items:  # an id twice in a page: its last state counts
        latest.pop(item.item_id, None)
        latest[item.item_id] = item
    groups: dict[str, dict[str, tuple[ProviderRecord, ReadItem, HarvestItem]]] = {}
    gone: list[str] = []
    providers: dict[tuple[str | None, ...], ProviderRecord] = {}
    preparer: Preparer | None = None
    own_prefix = base_uri.rstrip("/") + "/"
    links = _stored_links(session, source.id, list(latest))
    for item in latest.values():
        if item.state == "deleted" or item.data is None:
            gone.append(item.item_id)
            continue
        link = links.get(item.item_id)
        if link is not None and link[1] == item.modified:
            counts.unchanged += 1  # this very version is stored (a page read again)
            continue
        if _is_own(item.data, own_prefix):
            counts.own += 1  # our own offer harvested back by the neighbour: not a copy
            continue
        found = read.get(item.item_id) if read is not None else None
        if found is None:
            preparer = preparer or Preparer(session.get_bind().dialect)
            try:
                found = read_item(item.data, preparer)
            except ReadError as exc:
                found = exc
        if isinstance(found, ReadError):
            counts.add_reason(f"Eintrag {item.item_id}: {found.reason}")
            continue
        key, angebot_id = found[0], found[1]
        ours = providers.get(key)
        if ours is None:  # a page holds few providers: namespaced once each
            theirs = ProviderRecord(*key)  # type: ignore[arg-type]
            ours = providers[key] = replace(
                theirs, slug=namespaced_slug(source.name, theirs.slug),
                licence=theirs.licence or page.licence or source.licence)
        groups.setdefault(ours.slug, {})[angebot_id] = (ours, found, item)
    written: list[tuple[int, HarvestItem, str | None]] = []
    fresh: set[int] = set()  # offers created by this page: no provenance can point at them
    for slug, by_id in groups.items():
        entries = list(by_id.values())
        provider_id = _sync_provider(session, entries[-1][0])
        prefix = slug + "/"
        # as write_offers(records, some=True) of these items' records: the hash begins with
        # the first one's provider name
        result = write_items(session, provider_id, entries[0][0].name,
                             [(aid, rows, texts) for _p, (_k, aid, rows, texts), _i in entries],
                             prefix.__add__)
        counts.created += len(result.created)
        counts.updated += len(result.updated)
        counts.unchanged += len(result.unchanged)
        ids = result.ids
        fresh.update(ids[fid.split("/", 1)[1]] for fid in result.created)
        for aid, (_provider, _read, item) in by_id.items():
            # provenance (re)written unless it names this offer and version already: an
            # unchanged offer that another item made before is this item's now
            if links.get(item.item_id) != (ids[aid], item.modified):
                written.append((ids[aid], item, _original_iri(item.data)))
    _write_links(session, source.id, written, links, fresh)
    taken = {oid for oid, _item, _iri in written}  # made by another item of this page now
    counts.deleted += tombstone_offers(session, _live(session, [
        links[item_id][0] for item_id in gone
        if item_id in links and links[item_id][0] not in taken]))
    source.next_url = page.next_url
    source.pages_read += 1
    source.items_seen += len(page.items) + len(page.skipped)


def _is_own(data: dict[str, Any], own_prefix: str) -> bool:
    """A document derived from one of this hub's offers (its @id or its origin is ours)."""
    derived = data.get("prov:wasDerivedFrom")
    for value in (data.get("@id"), data.get("isBasedOn"),
                  derived.get("@id") if isinstance(derived, dict) else derived):
        if isinstance(value, str) and value.startswith(own_prefix):
            return True
    return False


def _original_iri(data: dict[str, Any] | None) -> str | None:
    value = (data or {}).get("isBasedOn") or (data or {}).get("@id")
    if isinstance(value, str) and value.startswith(("http://", "https://")) and len(value) <= 1000:
        return value
    return None


def _sync_provider(session: Session, provider: ProviderRecord) -> int:
    """The harvested provider's id, its facts kept as the source now sends them; a new name
    re-stamps its offers (the name is in every offer's data)."""
    row = session.execute(sa.select(providers_t).where(providers_t.c.slug == provider.slug)
                          ).first()
    if row is None:
        return ensure_provider(session, provider)
    facts = {"name": provider.name, "type": provider.type, "url": provider.url,
             "email": provider.email, "telephone": provider.telephone,
             "licence": provider.licence}
    if any(getattr(row, key) != value for key, value in facts.items()):
        session.execute(providers_t.update().where(providers_t.c.id == row.id)
                        .values(**facts, updated_at=utcnow()))
        if row.name != provider.name:
            restamp_provider_offers(session, row.id)
    return int(row.id)


def _stored_links(session: Session, source_id: int,
                  item_ids: list[str]) -> dict[str, tuple[int, int]]:
    """The stored provenance of these items: item_id -> (offer id, `modified` of the version
    the offer was made from). One read per page, used for every decision of the page."""
    return {item_id: (offer_id, modified) for chunk in chunks(item_ids, 500)
            for item_id, offer_id, modified in session.execute(
                sa.select(links_t.c.item_id, links_t.c.offer_id, links_t.c.modified).where(
                    links_t.c.source_id == source_id, among(session, links_t.c.item_id, chunk)))}


def _write_links(session: Session, source_id: int,
                 written: list[tuple[int, HarvestItem, str | None]],
                 links: dict[str, tuple[int, int]], fresh: set[int]) -> None:
    """Provenance of the offers just written (`links`: the items' provenance as stored before
    the page; `fresh`: offers the page created). An item that now makes another offer than
    before (its provider or id changed at the source) tombstones the offer it made before."""
    if not written:
        return
    offer_ids = {oid for oid, _item, _iri in written}
    relinked = [item.item_id for _oid, item, _iri in written if item.item_id in links]
    moved = sorted({links[item_id][0] for item_id in relinked} - offer_ids)
    for chunk in chunks(relinked, 500):
        session.execute(links_t.delete().where(links_t.c.source_id == source_id,
                                               among(session, links_t.c.item_id, chunk)))
    # an offer made before by another item or source is this item's now
    for ids in chunks(sorted(offer_ids - fresh), 500):
        session.execute(links_t.delete().where(among(session, links_t.c.offer_id, ids)))
    tombstone_offers(session, _live(session, moved))
    BulkWriter(session).insert_rows(  # COPY on PostgreSQL, not a statement per link
        links_t, ("offer_id", "source_id", "item_id", "item_url", "modified"),
        [(oid, source_id, item.item_id[:200], iri, item.modified) for oid, item, iri in written])


def _live(session: Session, offer_ids: list[int]) -> list[int]:
    out: list[int] = []
    for chunk in chunks(offer_ids, 500):
        out.extend(session.execute(sa.select(offers_t.c.id).where(
            among(session, offers_t.c.id, chunk), offers_t.c.deleted.is_(False))
            .order_by(offers_t.c.id)).scalars())
    return out


