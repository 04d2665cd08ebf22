"""Each offer's JSON-LD, rendered once and reused by the snapshot, the RPDE feed and the offer
pages.

`offer_documents` caches derived data only: writing it never touches feed_clock or
offers.modified, and losing it loses nothing. A stored document is valid while its `modified`
equals the offer's and its `render_version` equals the current one (HUB_BASE_URI, the
default licence, the serialiser's JSONLD_VERSION and the code lists), so readers join on them
and render
whatever has no valid document (new, changed, stale) on the spot, then store it in a separate
short transaction. Documents are never rendered at write time: imports stay as fast as they
are, and the scheduler job "render-offer-documents" warms the cache after them.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.visitors import InternalTraversal

from ...feeds.jsonld import JSONLD_VERSION, offer_document
from ...vocab.records import OfferRecord
from ..db import Base
from ..models import Offer
from ..settings import Settings
from .store import load_offer_records

log = logging.getLogger(__name__)

offers_t = Offer.__table__
# How long a feed request waits for a lock to store documents before it gives up (the
# documents are a cache: the next request or the job stores them).
REQUEST_LOCK_WAIT_MS = 100
ATTEMPTS = 3  # for a batch whose offers were purged, or that lost a deadlock, meanwhile


class OfferDocument(Base):
    """One offer's JSON-LD as compact JSON text without "@context" (feeds.jsonld.offer_document),
    rendered for the offer's `modified` under `render_version`."""

    __tablename__ = "offer_documents"

    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offers.id", ondelete="CASCADE"),
                                          primary_key=True, autoincrement=False)
    modified: Mapped[int] = mapped_column(sa.BigInteger)
    render_version: Mapped[str] = mapped_column(sa.String(40))
    jsonld: Mapped[str] = mapped_column(sa.Text)


documents_t: sa.Table = OfferDocument.__table__  # type: ignore[assignment]


@cache
def _codelists_digest() -> str:
    data = resources.files("bildungsdaten.vocab").joinpath("data/codelists.toml").read_bytes()
    return hashlib.sha256(data).hexdigest()


@cache
def render_version(base_uri: str, default_licence: str) -> str:
    """What a stored document depends on besides the offer: the base URI of its IRIs, the
    licence of offers whose provider names none, the serialiser's version and the code lists
    (labels, IRIs, mappings)."""
    raw = "\n".join((JSONLD_VERSION, base_uri, default_licence, _codelists_digest()))
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


@dataclass(frozen=True)
class RenderTarget:
    """The settings an offer's document is rendered for (see render_version)."""

    base_uri: str
    default_licence: str

    @property
    def version(self) -> str:
        return render_version(self.base_uri, self.default_licence)

    def document(self, record: OfferRecord) -> str:
        """The record's stored form (feeds.jsonld.offer_document) for these settings."""
        return offer_document(record, self.base_uri, self.default_licence)


def render_target(settings: Settings) -> RenderTarget:
    """The render target of a hub's settings (HUB_BASE_URI, DEFAULT_LICENCE)."""
    return RenderTarget(settings.hub_base_uri, settings.default_licence)


def with_documents(version: str) -> sa.Join:
    """offers LEFT JOIN the documents still valid for them under `version`."""
    return offers_t.outerjoin(documents_t, sa.and_(
        documents_t.c.offer_id == offers_t.c.id,
        documents_t.c.modified == offers_t.c.modified,
        documents_t.c.render_version == version))


class _Utf8Type(sa.types.TypeDecorator[bytes]):
    """Text read as UTF-8 bytes: passed through when the database already gives bytes."""

    impl = sa.LargeBinary
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> bytes | None:
        return value.encode() if isinstance(value, str) else value


class _Utf8(sa.sql.expression.ColumnElement[bytes]):
    """A text column read as its UTF-8 bytes: feeds copy stored documents into responses
    without decoding them into str and encoding them again (SQLite hands out the stored
    bytes; PostgreSQL sends bytea, in binary format through fetch_documents)."""

    inherit_cache = True
    type = _Utf8Type()
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: Any) -> None:
        self.column = column


@compiles(_Utf8, "sqlite")  # type: ignore[misc]
def _utf8_sqlite(element: _Utf8, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.column, **kw)} AS BLOB)"  # the stored bytes


@compiles(_Utf8, "postgresql")  # type: ignore[misc]
def _utf8_pg(element: _Utf8, compiler: Any, **kw: Any) -> str:
    return f"convert_to({compiler.process(element.column, **kw)}, 'UTF8')"


@compiles(_Utf8)  # type: ignore[misc]
def _utf8_text(element: _Utf8, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))  # other databases: text, encoded


def document_bytes() -> Any:
    """The stored document as UTF-8 bytes, labelled `jsonld` (NULL when there is none)."""
    return _Utf8(documents_t.c.jsonld).label("jsonld")


BINARY_ROWS = "binary_rows"  # execution option: psycopg returns the rows in binary format
_hooked: weakref.WeakSet[Engine] = weakref.WeakSet()
_hook_lock = threading.Lock()


def _execute_binary(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
    """SQLAlchemy do_execute hook: run statements marked BINARY_ROWS with binary results."""
    if not context.execution_options.get(BINARY_ROWS):
        return False
    cursor.execute(statement, parameters, binary=True)
    return True


def fetch_documents(session: Session, query: sa.Select[Any]) -> Sequence[Any]:
    """The rows of a query selecting document_bytes().

    On PostgreSQL with psycopg the rows come in binary format: bytea arrives as bytes as
    stored, where text format sends twice as much hex (or text to decode and encode again);
    a quarter less time per RPDE page.
    """
    conn = session.connection()
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        engine = conn.engine
        if engine not in _hooked:
            with _hook_lock:
                if engine not in _hooked:
                    sa.event.listen(engine, "do_execute", _execute_binary)
                    _hooked.add(engine)
        query = query.execution_options(**{BINARY_ROWS: True})
    return session.execute(query).all()


@dataclass(frozen=True)
class RenderedDocument:
    offer_id: int
    modified: int
    jsonld: str


def render_documents(session: Session, rows: Sequence[tuple[int, str]],
                     target: RenderTarget) -> dict[int, RenderedDocument]:
    """Render the offers of `rows` ((offer id, feed_id) pairs) from the session's snapshot, in
    one batch (load_offer_records: three queries); by offer id."""
    if not rows:
        return {}
    by_feed_id = {feed_id: oid for oid, feed_id in rows}
    out: dict[int, RenderedDocument] = {}
    for record in load_offer_records(session, [oid for oid, _ in rows]):
        oid = by_feed_id[record.feed_id]
        out[oid] = RenderedDocument(oid, int(record.modified or 0),
                                    target.document(record))
    return out


def _upsert(dialect: str) -> Any:
    """INSERT … ON CONFLICT (offer_id) DO UPDATE, never replacing a document rendered for a
    later `modified` (a reader of an older snapshot may store after a newer one)."""
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(documents_t)
    return stmt.on_conflict_do_update(
        index_elements=[documents_t.c.offer_id],
        set_={"modified": stmt.excluded.modified,
              "render_version": stmt.excluded.render_version,
              "jsonld": stmt.excluded.jsonld},
        where=documents_t.c.modified <= stmt.excluded.modified)


def _write(conn: Connection, params: list[dict[str, Any]], lock_wait_ms: int | None) -> None:
    dialect = conn.dialect.name
    raw: Any = None
    saved: Any = None
    if dialect == "sqlite" and lock_wait_ms is not None:
        raw = conn.connection.dbapi_connection  # a connection setting, restored below
        saved = raw.execute("PRAGMA busy_timeout").fetchone()[0]
        raw.execute(f"PRAGMA busy_timeout = {int(lock_wait_ms)}")
    try:
        with conn.begin():
            if dialect == "postgresql" and lock_wait_ms is not None:
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(lock_wait_ms)}ms'")
            conn.execute(_upsert(dialect), params)
    finally:
        if raw is not None:
            raw.execute(f"PRAGMA busy_timeout = {int(saved)}")


def store_documents(engine: Engine, documents: Iterable[RenderedDocument], version: str,
                    lock_wait_ms: int | None = REQUEST_LOCK_WAIT_MS) -> int:
    """Upsert rendered documents in their own short transaction; the number stored.

    Feed requests pass a short `lock_wait_ms`: while an import holds the lock they skip
    storing (0) instead of stalling the response. None (the job) waits as long as the engine
    does and tries again when chosen as a deadlock victim. Offers purged meanwhile are left
    out either way.
    """
    # Sorted by key, so concurrent upserts of overlapping batches lock rows in one order.
    params = [{"offer_id": d.offer_id, "modified": d.modified, "render_version": version,
               "jsonld": d.jsonld} for d in sorted(documents, key=lambda d: d.offer_id)]
    for attempt in range(1, ATTEMPTS + 1):
        if not params:
            return 0
        try:
            with engine.connect() as conn:
                _write(conn, params, lock_wait_ms)
            return len(params)
        except sa.exc.IntegrityError:
            if attempt == ATTEMPTS:
                raise
            # An offer was purged after it was rendered: store the others.
            with engine.connect() as conn:
                alive = set(conn.execute(sa.select(offers_t.c.id).where(
                    offers_t.c.id.in_([p["offer_id"] for p in params]))).scalars())
            params = [p for p in params if p["offer_id"] in alive]
        except sa.exc.OperationalError as exc:  # lock wait exceeded, deadlock victim
            if lock_wait_ms is not None:
                log.info("offer documents not stored (%s); rendered again next time",
                         type(exc.orig).__name__)
                return 0
            if attempt == ATTEMPTS:
                raise
    return 0


def prune_documents(engine: Engine) -> int:
    """Delete the documents of tombstones (their offers show no data any more); the count."""
    with engine.connect() as conn:  # a read first: most runs find none and take no lock
        ids = list(conn.execute(sa.select(documents_t.c.offer_id).join(
            offers_t, offers_t.c.id == documents_t.c.offer_id).where(
            offers_t.c.deleted.is_(True))).scalars())
    for start in range(0, len(ids), 1000):
        with engine.begin() as conn:
            conn.execute(documents_t.delete().where(
                documents_t.c.offer_id.in_(ids[start:start + 1000])))
    return len(ids)
