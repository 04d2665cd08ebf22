"""Database side of the feeds: consistent read snapshots, filtered batches, the RPDE keyset."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ...feeds.rpde import Cursor
from ...vocab.records import OfferRecord
from ..models import FeedClock, Offer
from .documents import (
    RenderedDocument,
    RenderTarget,
    document_bytes,
    documents_t,
    fetch_documents,
    prune_documents,
    render_documents,
    store_documents,
    with_documents,
)
from .filters import OfferFilters, live_offers
from .store import load_offer_records

offers_t = Offer.__table__
BATCH_SIZE = 500  # offers per load_offer_records call: 3 queries per batch, bounded memory


def feed_version(session: Session) -> int:
    """The last change stamp handed out (feed_clock): it moves with every committed change of
    any feed's content, and costs one primary-key read. It is >= max(offers.modified); purging
    tombstones takes a stamp too (hub.offers.expiry), so even hard deletes move it."""
    return int(session.execute(sa.select(FeedClock.last).where(FeedClock.id == 1)).scalar()
               or 0)


def read_version(session: Session) -> int:
    """feed_version, read once per session (a request's reads: the search matrix and the
    count cache ask for it several times per page). Not for sessions that write."""
    # Kept per transaction: a later transaction of the same session may see newer data.
    transaction = session.get_transaction()
    memo = session.info.get("feed_version")
    if memo is None or memo[0] is not transaction or transaction is None:
        memo = session.info["feed_version"] = (transaction, feed_version(session))
    return int(memo[1])


@contextmanager
def read_snapshot(engine: Engine) -> Iterator[Session]:
    """A read-only session on one consistent snapshot (REPEATABLE READ on PostgreSQL; a read
    transaction in SQLite's WAL mode is a snapshot by itself)."""
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    session = Session(bind=conn)
    try:
        with conn.begin():
            yield session
    finally:
        session.close()
        conn.close()


def iter_offer_batches(engine: Engine, filters: OfferFilters,
                       batch_size: int = BATCH_SIZE) -> Iterator[list[OfferRecord]]:
    """Live offers matching `filters` in id order, `batch_size` at a time, from one snapshot."""
    with read_snapshot(engine) as session:
        last = 0
        where = filters.where(session)
        while True:
            ids = list(session.execute(
                sa.select(offers_t.c.id).where(offers_t.c.id > last, *where)
                .order_by(offers_t.c.id).limit(batch_size)).scalars())
            if not ids:
                return
            last = ids[-1]
            yield load_offer_records(session, ids)


def iter_offer_documents(engine: Engine, filters: OfferFilters, target: RenderTarget,
                         batch_size: int = BATCH_SIZE, store: bool = True
                         ) -> Iterator[list[bytes]]:
    """The stored JSON-LD (feeds.jsonld.offer_document, UTF-8) of live offers matching
    `filters` in id order, `batch_size` at a time, from one snapshot.

    Offers without a valid stored document are rendered per batch and, with `store`, saved in
    a separate short transaction (the snapshot's own read transaction stays read-only).
    """
    version = target.version
    with read_snapshot(engine) as session:
        last = 0
        where = filters.where(session)
        while True:
            rows = fetch_documents(session,
                sa.select(offers_t.c.id, offers_t.c.feed_id, document_bytes())
                .select_from(with_documents(version))
                .where(offers_t.c.id > last, *where)
                .order_by(offers_t.c.id).limit(batch_size))
            if not rows:
                return
            last = rows[-1][0]
            documents, rendered = fill_documents(session, rows, target)
            if rendered and store:
                # A busy database (an import holds the lock) is not asked again per batch.
                store = store_documents(engine, rendered, version) > 0
            yield documents


def fill_documents(session: Session, rows: Sequence[Any], target: RenderTarget
                   ) -> tuple[list[bytes], list[RenderedDocument]]:
    """Each row's (id, feed_id, stored document bytes or None) document as UTF-8, rendering
    the missing ones in one batch from the session's snapshot; also the newly rendered ones."""
    missing = [(r[0], r[1]) for r in rows if r[2] is None]
    if not missing:
        return [r[2] for r in rows], []
    rendered = render_documents(session, missing, target)
    return [r[2] if r[2] is not None else rendered[r[0]].jsonld.encode() for r in rows], \
        list(rendered.values())


def prerender_documents(engine: Engine, target: RenderTarget, everything: bool = False,
                        batch_size: int = BATCH_SIZE) -> int:
    """Render and store the documents of live offers that have no valid one (all live offers
    with `everything`), batch by batch, each batch stored in its own transaction; then drop
    the documents of tombstones. Returns the number of documents stored."""
    version = target.version
    stored, last = 0, 0
    while True:
        with read_snapshot(engine) as session:
            query = sa.select(offers_t.c.id, offers_t.c.feed_id).where(
                offers_t.c.id > last, live_offers())
            if not everything:
                query = query.select_from(with_documents(version)).where(
                    documents_t.c.offer_id.is_(None))
            rows = session.execute(query.order_by(offers_t.c.id).limit(batch_size)).all()
            if not rows:
                break
            last = rows[-1][0]
            rendered = render_documents(session, [(r[0], r[1]) for r in rows], target)
        stored += store_documents(engine, rendered.values(), version, lock_wait_ms=None)
    prune_documents(engine)
    return stored


class FeedRow(NamedTuple):  # a tuple: 500 of them per page are built fast
    id: int
    feed_id: str
    modified: int
    deleted: bool
    document: bytes | None = None  # the stored JSON-LD as UTF-8, when valid (see rpde_query)


def rpde_query(cursor: Cursor | None, limit: int, version: str | None = None) -> sa.Select[Any]:
    """The RPDE page query: offers after `cursor` by the (modified, feed_id) keyset; with a
    render `version`, also each offer's stored document when it is still valid.

    The condition is exactly RPDE's `(modified = :ts AND id > :id) OR modified > :ts` with `>`
    (never `>=`) and runs on the index ix_offers_modified_feed_id; no OFFSET, so every page
    costs the same wherever it is in the feed. The documents join by primary key.
    """
    columns: list[Any] = [offers_t.c.id, offers_t.c.feed_id, offers_t.c.modified,
                          offers_t.c.deleted]
    if version is None:
        query = sa.select(*columns)
    else:
        query = sa.select(*columns, document_bytes()).select_from(with_documents(version))
    if cursor is not None:
        # `modified >= :ts` adds nothing logically; it lets PostgreSQL walk the index as one
        # ordered range scan (an OR alone becomes a bitmap OR followed by a sort).
        query = query.where(offers_t.c.modified >= cursor.modified, sa.or_(
            sa.and_(offers_t.c.modified == cursor.modified, offers_t.c.feed_id > cursor.feed_id),
            offers_t.c.modified > cursor.modified))
    return query.order_by(offers_t.c.modified, offers_t.c.feed_id).limit(limit)


def rpde_rows(session: Session, cursor: Cursor | None, limit: int,
              version: str | None = None) -> list[FeedRow]:
    """One RPDE page of offer rows after `cursor` (see rpde_query)."""
    if version is None:
        return [FeedRow(r[0], r[1], int(r[2]), bool(r[3]))
                for r in session.execute(rpde_query(cursor, limit))]
    return [FeedRow(r[0], r[1], int(r[2]), bool(r[3]), r[4])
            for r in fetch_documents(session, rpde_query(cursor, limit, version))]


def offer_head(session: Session, feed_id: str, version: str) -> Any:
    """(id, feed_id, modified, deleted, jsonld) of one offer with its valid stored document
    as UTF-8 (jsonld None without one), or None for an unknown offer."""
    return session.execute(
        sa.select(offers_t.c.id, offers_t.c.feed_id, offers_t.c.modified, offers_t.c.deleted,
                  document_bytes()).select_from(with_documents(version))
        .where(offers_t.c.feed_id == feed_id)).first()
