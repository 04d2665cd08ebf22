"""Listings and facet counts from the search matrix (hub.search.matrix) when the app keeps one
for the database (create_app registers its MatrixStore here); None where it cannot answer (no
store: the CLI, a bench; the matrix being built; a radius with too many venues to list), and
the SQL of hub.search.order and hub.search.facets answers instead."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

import numpy as np
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from .matrix import OfferMatrix, page
from .matrix_store import MatrixStore

if TYPE_CHECKING:
    from ..offers.filters import OfferFilters
    from .order import Cursor

_STORES: WeakKeyDictionary[Engine, MatrixStore] = WeakKeyDictionary()


def register(store: MatrixStore) -> None:
    """Searches on `store.engine` use `store`'s matrix."""
    _STORES[store.engine] = store


def _matrix(session: Session, filters: OfferFilters) -> tuple[MatrixStore, OfferMatrix] | None:
    if filters.radius is not None and filters.radius.venues is None:
        return None
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    store = _STORES.get(engine)  # type: ignore[arg-type]
    if store is None:
        return None
    matrix = store.current(session)
    return None if matrix is None else (store, matrix)


def _hits(session: Session, store: MatrixStore, matrix: OfferMatrix, filters: OfferFilters
          ) -> tuple[Any, Any]:
    """(the offers the search finds as a mask, its text matches or None); kept for the
    request (its session), where the page and the counts ask for the same search."""
    memo: dict[Any, tuple[Any, Any]] = session.info.setdefault("search_hits", {})
    if len(memo) > 64:  # a long session (a job) searching many times
        memo.clear()
    key = (matrix.version, replace(filters, sort=None, facets=False).key())
    if key not in memo:
        text = (store.text_hits(session, matrix, filters.search_terms())
                if filters.q is not None else None)
        memo[key] = (matrix.matches(filters, None if text is None else text.mask), text)
    return memo[key]


def ordered_ids(filters: OfferFilters, session: Session, after: Cursor | None,
                limit: int) -> list[tuple[int, Any]] | None:
    """hub.search.order.ordered_ids from the matrix, or None."""
    found = _matrix(session, filters)
    if found is None:
        return None
    store, matrix = found
    order = filters.order()
    hits, text = _hits(session, store, matrix, filters)
    if order == "relevance" and text is not None:
        keys, descending = text.ranks(session, hits), True
    elif order == "distance":
        keys, descending = matrix.distances(filters)[hits], False
    else:
        keys, descending = matrix.first_day[hits].astype(np.int64), False
    cursor = None
    if after is not None:
        key = after.key.toordinal() if isinstance(after.key, date) else int(after.key)
        cursor = (key, after.offer_id)
    ids, values = page(keys, matrix.ids[hits], descending, cursor, limit)
    as_date = order == "date"
    return [(int(i), date.fromordinal(int(k)) if as_date else int(k))
            for i, k in zip(ids.tolist(), values.tolist(), strict=True)]


def facet_counts(session: Session, filters: OfferFilters
                 ) -> tuple[int, dict[str, dict[str, int]]] | None:
    """hub.search.facets.facet_counts from the matrix, or None."""
    found = _matrix(session, filters)
    if found is None:
        return None
    store, matrix = found
    hits, text = _hits(session, store, matrix, filters)
    return matrix.facet_counts(filters, None if text is None else text.mask, hits)


def count(session: Session, filters: OfferFilters) -> int | None:
    """The number of offers the search finds, from the matrix, or None."""
    found = _matrix(session, filters)
    if found is None:
        return None
    return int(_hits(session, *found, filters)[0].sum())


def text_has_matches(session: Session, filters: OfferFilters) -> bool | None:
    """Some live offer holds the text `q` (whatever the other filters), from the matrix; None
    without a matrix."""
    found = _matrix(session, filters)
    if found is None or filters.q is None:
        return None
    store, matrix = found
    return bool(store.text_hits(session, matrix, filters.search_terms()).mask.any())
