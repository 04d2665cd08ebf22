"""hub.search.ts_rank gives PostgreSQL's ts_rank to the last bit: checked against PostgreSQL
itself on vectors with 0 to 300 matching lexemes and queries of 1 to 9 operands, and the
combined rank of hub.search.index.ranked_matches (title weighted, scaled, cast to bigint)."""
from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY

from bildungsdaten.hub.db import make_engine
from bildungsdaten.hub.search import ts_rank
from bildungsdaten.hub.search.index import RANK_SCALE, TITLE_WEIGHT

MATCHES = [0, 1, 2, 3, 4, 5, 7, 10, 16, 37, 64, 65, 100, 128, 255, 300]


def _vector(matches: int, extra: int) -> sa.ColumnElement[object]:
    """A tsvector as the index stores them (array_to_tsvector: no positions) holding
    `matches` lexemes that start with "m" and `extra` that match nothing."""
    lexemes = [f"m{n:03d}" for n in range(matches)] + [f"x{n:03d}" for n in range(extra)]
    return sa.func.array_to_tsvector(sa.cast(sa.literal(lexemes, ARRAY(sa.Text)),
                                             ARRAY(sa.Text)))


def _query(size: int) -> sa.ColumnElement[object]:
    """'m':* ORed with size - 1 operands that match nothing (as the search's OR query)."""
    text = " | ".join(["'m':*", *(f"'q{n}'" for n in range(size - 1))])
    return sa.cast(sa.literal(text), TSQUERY)


def test_ts_rank_equals_postgresqls(pg_database: str) -> None:
    engine = make_engine(pg_database)
    with engine.connect() as conn:
        for size in (1, 2, 3, 5, 9):
            ranks = conn.execute(sa.select(*(sa.func.ts_rank(_vector(k, 3), _query(size))
                                              for k in MATCHES))).one()
            ours = ts_rank.ts_rank(np.array(MATCHES, np.int64), size)
            assert ours.dtype == np.float32
            # psycopg reads a float4 from its shortest text, which names the float4 exactly
            assert np.array(ranks, np.float32).tolist() == ours.tolist(), size
    engine.dispose()


@pytest.mark.parametrize("size", [1, 2, 4])
def test_the_combined_rank_equals_postgresqls(pg_database: str, size: int) -> None:
    engine = make_engine(pg_database)
    pairs = [(t, d) for t in (0, 1, 2, 5) for d in (1, 2, 3, 9, 40, 120)]
    with engine.connect() as conn:
        found = conn.execute(sa.select(*(
            sa.cast((TITLE_WEIGHT * sa.func.ts_rank(_vector(t, 0), _query(size))
                     + sa.func.ts_rank(_vector(d, 2), _query(size))) * RANK_SCALE,
                    sa.BigInteger) for t, d in pairs))).one()
    engine.dispose()
    title = np.array([t for t, _ in pairs], np.int64)
    doc = np.array([d for _, d in pairs], np.int64)
    assert ts_rank.ranks(title, doc, size, TITLE_WEIGHT, RANK_SCALE).tolist() == list(found)
