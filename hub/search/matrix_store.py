"""Reading the search matrix (hub.search.matrix) from the database and keeping it per app:
one matrix for the current feed-clock value. A small hub (the tests, the demo) builds it in the
request that finds it stale; a big one builds it in a background thread while its searches go
the SQL way (hub.search.facets, hub.search.order), so no search waits seconds for it.
Also the text index's answers (matching offers and their rank) per text, for the same clock
value: a page and its counts, and the next page, ask once."""
from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ...vocab.records import PRICE_FREE
from ..models import Offer, OfferInstance, Provider, Venue
from ..offers.filters import live_offers, unindexed
from ..offers.queries import feed_version, read_snapshot, read_version
from . import bm25, ts_rank
from .bm25 import bm25_ranks, column_sizes
from .index import (
    RANK_SCALE,
    TITLE_FLAG,
    TITLE_WEIGHT,
    fts5_entries,
    fts5_sizes,
    pg_ranks_of,
    text_ids,
)
from .matrix import LAST_DAY, MULTI, NO_DAY, Dates, OfferMatrix, code_index, facet_values
from .postings import read_postings
from .text import Term

log = logging.getLogger(__name__)
offers_t: sa.Table = Offer.__table__  # type: ignore[assignment]
instances_t: sa.Table = OfferInstance.__table__  # type: ignore[assignment]
venues_t: sa.Table = Venue.__table__  # type: ignore[assignment]
providers_t: sa.Table = Provider.__table__  # type: ignore[assignment]

# Up to this many offers the matrix is built in the request (~0.2 s at 5,000 offers).
SYNC_MAX_OFFERS = 5_000
# While offers keep changing (a harvest commits page after page) every new matrix is stale
# at once: a big hub starts the next build only after this many times the last build's
# duration, so the builds take at most a third of a core from the writes meanwhile.
REBUILD_PAUSE = 2.0
TEXT_CACHE = 64  # texts whose matches are kept per clock value


def build_matrix(session: Session) -> OfferMatrix:
    """The matrix of the live offers as `session` sees them (one snapshot)."""
    version = feed_version(session)
    o = offers_t
    ids = np.array(sorted(r[0] for r in _raw(session, sa.select(o.c.id).where(live_offers()))),
                   np.int64)
    # Every offer row once, in key order (`+deleted`: not by the deleted index, which made
    # SQLite look each row up: 480 ms against 230 ms at 100,000 offers); the live ones kept.
    rows = _raw(session, sa.select(o.c.id, o.c.provider_id, o.c.topic, o.c.first_date,
                                   o.c.modified, o.c.life_phases, o.c.languages, o.c.funding)
                .where(unindexed(o.c.deleted).is_(False)).order_by(o.c.id))
    _at, live = _positions(ids, [r[0] for r in rows])
    rows = [r for r, ok in zip(rows, live.tolist(), strict=True) if ok]
    n = len(rows)
    multi = {}
    for column, name in enumerate(MULTI, start=5):  # life_phases, languages, funding
        lists = [_json_list(r[column]) for r in rows]
        offer = np.repeat(np.arange(n, dtype=np.int32), [len(x) for x in lists])
        codes = code_index([c for x in lists for c in x], facet_values(name))
        known = codes >= 0
        # By code: the offers holding one code are then one slice (OfferMatrix.holding).
        by_code = np.argsort(codes[known], kind="stable")
        multi[name] = (offer[known][by_code], codes[known][by_code])
    dates = _dates(session, ids)
    has_dates = np.zeros(n, np.bool_)
    has_dates[dates.offer] = True
    matrix = OfferMatrix(
        version=version, ids=ids,
        provider=np.fromiter((r[1] for r in rows), np.int64, n),
        topic=code_index([r[2] for r in rows], facet_values("topic")),
        first_day=np.fromiter((LAST_DAY if r[3] is None else _ordinal(r[3]) for r in rows),
                              np.int32, n),
        modified=np.fromiter((r[4] for r in rows), np.int64, n),
        multi=multi, dates=dates, has_dates=has_dates,
        provider_ids=dict(session.execute(sa.select(providers_t.c.slug, providers_t.c.id)).all()))
    if session.get_bind().dialect.name == "sqlite":
        sizes = _raw(session, fts5_sizes())
        tokens = np.fromiter((column_sizes(r[1]) for r in sizes), np.float64, len(sizes))
        matrix.index_rows, matrix.index_tokens = len(sizes), int(tokens.sum())
        at, live = _positions(ids, [r[0] for r in sizes])
        matrix.doc_tokens = np.zeros(n, np.float64)
        matrix.doc_tokens[at] = tokens[live]
    matrix.postings = read_postings(session)
    return matrix


def _dates(session: Session, ids: Any) -> Dates:
    """The dates of the offers `ids` (ascending)."""
    i, v = instances_t, venues_t
    free = sa.case((sa.or_(i.c.price_kind == PRICE_FREE, i.c.price == 0), 1), else_=0)
    accessible = sa.case((v.c.venue_accessible == "ja", 1), else_=0)
    rows = _raw(session, sa.select(i.c.offer_id, i.c.venue_id, v.c.ags, i.c.mode,
                                   i.c.start_date, i.c.end_date, i.c.rolling_entry, free,
                                   accessible)
                .select_from(i.outerjoin(v, v.c.id == i.c.venue_id)))
    at, live = _positions(ids, [r[0] for r in rows])
    kept = [r for r, ok in zip(rows, live.tolist(), strict=True) if ok]
    n = len(kept)
    return Dates(
        offer=at.astype(np.int32),
        venue=np.fromiter((-1 if r[1] is None else r[1] for r in kept), np.int64, n),
        ags=code_index([r[2] for r in kept], facet_values("municipality")),
        mode=code_index([r[3] for r in kept], facet_values("mode")),
        start=np.fromiter((_ordinal(r[4]) for r in kept), np.int32, n),
        end=np.fromiter((_ordinal(r[5]) for r in kept), np.int32, n),
        rolling=np.fromiter((bool(r[6]) for r in kept), np.bool_, n),
        free=np.fromiter((r[7] == 1 for r in kept), np.bool_, n),
        accessible=np.fromiter((r[8] == 1 for r in kept), np.bool_, n))


def _raw(session: Session, stmt: Any) -> list[Any]:
    """The driver's rows as they are (SQLite: dates as text, booleans as 0/1, JSON as text):
    SQLAlchemy's row objects and type processing cost a second at 100,000 offers."""
    return session.execute(stmt).cursor.fetchall()  # type: ignore[attr-defined,no-any-return]


def _json_list(value: Any) -> list[str]:
    """A JSON list column as the driver gives it (SQLite: text; PostgreSQL: parsed)."""
    found = json.loads(value) if isinstance(value, str | bytes) else value
    return [str(x) for x in found] if isinstance(found, list) else []


def _ordinal(value: date | str | None) -> int:
    if value is None:
        return NO_DAY
    if isinstance(value, str):  # SQLite hands back a coalesced or raw date as text
        value = date.fromisoformat(value[:10])
    return value.toordinal()


def _positions(ids: Any, offer_ids: Any) -> tuple[Any, Any]:
    """(positions in `ids` (ascending) of those of `offer_ids` that are there, which are)."""
    wanted = np.asarray(offer_ids, np.int64)
    at = np.searchsorted(ids, wanted)
    at[at >= len(ids)] = 0
    found = (ids[at] == wanted) if len(ids) else np.zeros(len(wanted), np.bool_)
    return at[found], found


class TextHits:
    """The offers of a matrix holding a text (`mask`), and how to rank some of them as
    hub.search.index.ranked_matches does."""

    def __init__(self, matrix: OfferMatrix, terms: Sequence[Term], mask: Any,
                 phrases: list[tuple[float, Any]] | None = None,
                 matches: tuple[Any, Any, int] | None = None) -> None:
        self.matrix = matrix
        self.terms = tuple(terms)
        self.mask = mask
        self.phrases = phrases  # SQLite: (idf, weighted frequency per offer) of each phrase
        # PostgreSQL: matching lexemes per offer in title and doc, and the query's operands
        self.matches = matches

    def ranks(self, session: Session, hits: Any) -> Any:
        """The rank of each offer of the boolean mask `hits` (a subset of `mask`), in id
        order."""
        m = self.matrix
        if self.phrases is not None:
            assert m.doc_tokens is not None
            return bm25_ranks([(idf_, freq[hits]) for idf_, freq in self.phrases],
                              m.doc_tokens[hits], m.index_tokens / max(1, m.index_rows))
        if self.matches is not None:
            title, doc, size = self.matches
            return ts_rank.ranks(title[hits], doc[hits], size, TITLE_WEIGHT, RANK_SCALE)
        ids = m.ids[hits]
        found: dict[int, int] = {row[0]: row[1] for row in session.execute(
            pg_ranks_of(session, self.terms, ids.tolist()))}
        return np.fromiter((found[i] for i in ids.tolist()), np.int64, len(ids))


def _sqlite_text(session: Session, matrix: OfferMatrix, terms: Sequence[Term]) -> TextHits:
    """The text's matches and each phrase's idf and weighted frequency per offer, from the
    index entries of each phrase (hub.search.bm25)."""
    anywhere, weights = [], []
    for phrase in bm25.phrases(terms):
        entries = _entries(session, matrix, phrase)
        in_title = entries >= TITLE_FLAG
        rows = np.where(in_title, entries - TITLE_FLAG, entries)
        at, live = _positions(matrix.ids, rows)
        freq = np.bincount(at, weights=np.where(in_title[live], TITLE_WEIGHT, 1.0),
                           minlength=len(matrix.ids))
        anywhere.append(freq > 0)
        weights.append((bm25.idf(matrix.index_rows, len(np.unique(rows))), freq))
    for n, where in enumerate(bm25.counted(terms, anywhere)):
        if where is not None:  # a compound's part counts only where all its parts match
            weights[n] = (weights[n][0], np.where(where, weights[n][1], 0.0))
    return TextHits(matrix, terms, bm25.matching(terms, iter(anywhere)), weights)


def _entries(session: Session, matrix: OfferMatrix, phrase: Term) -> Any:
    """SQLite: the index entries of a phrase (hub.search.index.fts5_entries), from the
    matrix's copy of the index when it has one."""
    if matrix.postings is not None:
        return matrix.postings.of(phrase.token, phrase.prefix)
    # As the driver gives them: row objects cost more than the index itself for a common
    # word's 20,000 entries.
    return np.array([r[0] for r in _raw(session, fts5_entries(phrase))], np.int64)


def _pg_text(session: Session, matrix: OfferMatrix, terms: Sequence[Term]) -> TextHits:
    """PostgreSQL: the offers holding the text and their matching lexemes (for ts_rank), from
    the matrix's copy of the index's lexemes when it has one, else through the GIN index
    (18,000 ids for a common word; ranked by PostgreSQL)."""
    postings = matrix.postings
    if postings is None:
        rows = _raw(session, text_ids("postgresql", terms))
        return TextHits(matrix, terms, _mask(matrix, [r[0] for r in rows]))

    @functools.cache
    def lexemes(token: str, prefix: bool) -> tuple[Any, Any]:
        """(title, doc): how many lexemes of each offer's vectors match the operand."""
        entries = postings.of(token, prefix)
        in_title = entries >= TITLE_FLAG
        counts = []
        for rows in (entries[in_title] - TITLE_FLAG, entries[~in_title]):
            at, _live = _positions(matrix.ids, rows)
            counts.append(np.bincount(at, minlength=len(matrix.ids)))
        return counts[0], counts[1]
    anywhere = (lexemes(p.token, p.prefix)[1] > 0 for p in bm25.phrases(terms))
    mask = bm25.matching(terms, anywhere)
    found = ts_rank.operands(terms)
    if found is None:
        return TextHits(matrix, terms, mask)
    counted = [lexemes(token, prefix) for token, prefix in found]
    title = np.sum([c[0] for c in counted], axis=0)
    doc = np.sum([c[1] for c in counted], axis=0)
    return TextHits(matrix, terms, mask, matches=(title, doc, len(found)))


def _mask(matrix: OfferMatrix, offer_ids: Any) -> Any:
    """The offers of the matrix among `offer_ids`, as a boolean mask."""
    at, _live = _positions(matrix.ids, offer_ids)
    mask = np.zeros(len(matrix.ids), np.bool_)
    mask[at] = True
    return mask


class MatrixStore:
    """The app's current matrix and the text answers for its clock value."""

    def __init__(self, engine: Engine, enabled: bool = True,
                 sync_max_offers: int = SYNC_MAX_OFFERS,
                 rebuild_pause: float = REBUILD_PAUSE) -> None:
        self.engine = engine
        self.enabled = enabled
        self.sync_max_offers = sync_max_offers
        self.rebuild_pause = rebuild_pause
        self._last_built: float | None = None  # time.monotonic() when the last build ended
        self._matrix: OfferMatrix | None = None
        self._lock = threading.RLock()  # current() builds small matrices holding it
        self._building: threading.Thread | None = None
        self._texts: OrderedDict[tuple[Any, ...], TextHits] = OrderedDict()
        self.last_build_seconds: float | None = None

    def current(self, session: Session) -> OfferMatrix | None:
        """The matrix for the clock value `session` reads, or None (then the SQL answers):
        built now when the hub is small, else in the background for the next searches."""
        if not self.enabled:
            return None
        version = read_version(session)
        matrix = self._matrix
        if matrix is not None and matrix.version == version:
            return matrix
        with self._lock:
            if self._building is not None and self._building.is_alive():
                return None
            size = len(matrix) if matrix is not None else self._count(session)
            if size > self.sync_max_offers:
                if not self._pausing():
                    self.warm()
                return None
            self._build()
        matrix = self._matrix
        return matrix if matrix is not None and matrix.version == version else None

    def warm(self) -> None:
        """Start building the matrix in the background (a server process at start-up: its
        first searches then need not go the SQL way for long)."""
        if not self.enabled:
            return
        with self._lock:
            if self._building is None or not self._building.is_alive():
                self._building = threading.Thread(target=self._build_logged, daemon=True,
                                                  name="search-matrix")
                self._building.start()

    def _pausing(self) -> bool:
        """The last background build ended less than REBUILD_PAUSE x its duration ago."""
        if self._last_built is None or self.last_build_seconds is None:
            return False
        return time.monotonic() - self._last_built < self.rebuild_pause * self.last_build_seconds

    def wait(self, timeout: float = 120.0) -> None:
        """Until a background build has finished (bench, tests)."""
        building = self._building
        if building is not None:
            building.join(timeout)

    def _count(self, session: Session) -> int:
        return int(session.execute(sa.select(sa.func.count()).select_from(offers_t)
                                   .where(offers_t.c.deleted.is_(False))).scalar_one())

    def _build(self) -> None:
        started = time.perf_counter()
        with read_snapshot(self.engine) as session:
            matrix = build_matrix(session)
        with self._lock:  # a request may be adding a text of the old matrix meanwhile
            self._matrix = matrix
            self._texts.clear()
        self.last_build_seconds = time.perf_counter() - started
        self._last_built = time.monotonic()

    def _build_logged(self) -> None:
        try:
            self._build()
            log.info("Suchmatrix: %d Angebote in %.2f s", len(self._matrix or ()),
                     self.last_build_seconds or 0)
        except Exception:  # the SQL keeps answering; the next stale search tries again
            log.exception("Suchmatrix konnte nicht aufgebaut werden")

    def text_hits(self, session: Session, matrix: OfferMatrix, terms: Sequence[Term]
                  ) -> TextHits:
        """The matrix's offers holding every term (and how to rank them), from the text
        index; kept for this clock value."""
        key = (matrix.version, tuple(terms))
        with self._lock:
            found = self._texts.get(key)
            if found is not None:
                self._texts.move_to_end(key)
                return found
        if session.get_bind().dialect.name == "sqlite" and matrix.doc_tokens is not None:
            hits = _sqlite_text(session, matrix, terms)
        else:
            hits = _pg_text(session, matrix, terms)
        with self._lock:
            self._texts[key] = hits
            while len(self._texts) > TEXT_CACHE:
                self._texts.popitem(last=False)
        return hits
