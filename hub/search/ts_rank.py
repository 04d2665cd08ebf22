"""PostgreSQL's ts_rank over arrays, for the search matrix: the rank of
hub.search.index.ranked_matches (TITLE_WEIGHT x ts_rank(title) + ts_rank(doc), OR query of the
terms) computed from how many index terms of each offer match the query, instead of by
PostgreSQL for every hit (15 ms for a common word's 1,300 hits at 100,000 offers).

The stored tsvectors have no positions (array_to_tsvector), so tsrank.c's calc_rank_or adds,
for every query operand (the distinct ones) and every lexeme of the vector it matches (a
prefix operand: each lexeme starting with it), the same amount: the weight of class D (0.1f)
divided by 1.64493406685, in double and stored back into a float; at the end it divides by the
number of operands in float. The result depends only on the number of matches, so the float
sums are a table, and the ranks come out identical to PostgreSQL's
(tests/test_search_matrix.py compares them).
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from .text import Term

WEIGHT_D = np.float32(0.1)  # tsrank.c: weights[0], the class of a lexeme without positions
ZETA_2 = 1.64493406685  # tsrank.c: sum of 1/i^2 as the C source writes it


def operands(terms: Sequence[Term]) -> list[tuple[str, bool]] | None:
    """The distinct operands (token, prefix) of the query of `terms`, as tsrank.c's
    SortAndUniqItems keeps them (by string); None when one token comes both as a prefix and
    as a whole word, where which of the two PostgreSQL keeps is up to its sort."""
    found: dict[str, bool] = {}

    def walk(items: Sequence[Term]) -> bool:
        for term in items:
            if found.setdefault(term.token, term.prefix) != term.prefix:
                return False
            if not walk(term.parts):
                return False
        return True
    return list(found.items()) if walk(terms) else None


@lru_cache(maxsize=8)
def _sums(top: int) -> npt.NDArray[np.float32]:
    """calc_rank_or's float `res` after k matches, for k = 0 .. top."""
    step = float(WEIGHT_D + WEIGHT_D - WEIGHT_D) / ZETA_2  # float arithmetic, then double
    out = np.zeros(top + 1, np.float32)
    for k in range(1, top + 1):
        out[k] = np.float32(float(out[k - 1]) + step)
    return out


def ts_rank(matches: npt.NDArray[np.int64], size: int) -> npt.NDArray[np.float32]:
    """ts_rank (float4) of vectors with `matches` matching lexemes each, for a query of `size`
    distinct operands."""
    top = int(matches.max(initial=0))
    table = _sums(max(64, 1 << top.bit_length()))  # a few sizes, cached
    return table[matches] / np.float32(size)


def ranks(title: npt.NDArray[np.int64], doc: npt.NDArray[np.int64], size: int,
          title_weight: float, scale: int) -> npt.NDArray[np.int64]:
    """CAST((title_weight * ts_rank(title) + ts_rank(doc)) * scale AS bigint) as PostgreSQL
    evaluates it: the float4 ranks widened to double, the cast rounding half to even."""
    score = (title_weight * ts_rank(title, size).astype(np.float64)
             + ts_rank(doc, size).astype(np.float64))
    return np.rint(score * float(scale)).astype(np.int64)
