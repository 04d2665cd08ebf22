"""SQLite FTS5's bm25() over arrays, for the search matrix: the same rank as
hub.search.index.ranked_matches, computed from which columns of which offers hold each phrase
instead of by FTS5 for every match (bm25 costs FTS5 ~3 µs per matching row: 55 ms for a
common word's 18,000 matches, against ~10 ms for finding the rows of each column).

The index is `detail=column` (migration 0007): a phrase counts once per column it occurs in,
so its weighted frequency in a row is TITLE_WEIGHT x in title + 1 x in body. The formula and
the order of the floating-point operations are those of fts5_aux.c (fts5Bm25Function), so the
ranks come out identical to the last digit (tests/test_search_matrix.py compares them).
"""
from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np
import numpy.typing as npt

from .text import Term

K1 = 1.2  # fts5_aux.c: the constants "k1" and "b" of the BM25 formula
B = 0.75
MIN_IDF = 1e-6  # fts5_aux.c: an IDF <= 0 (a phrase in more than half of the rows) becomes this


def phrases(terms: Sequence[Term]) -> list[Term]:
    """The phrases of the FTS5 expression of `terms` (hub.search.index._fts5) in its order:
    each term's token, then its compound parts."""
    out: list[Term] = []
    for term in terms:
        out.append(Term(term.token, term.prefix, term.word))
        out.extend(phrases(term.parts))
    return out


def matching(terms: Sequence[Term], anywhere: Iterator[npt.NDArray[np.bool_]]
             ) -> npt.NDArray[np.bool_]:
    """Rows holding every term (a compound: its token, or all of its parts), from the rows
    holding each phrase of `phrases(terms)` in that order."""
    found: npt.NDArray[np.bool_] | None = None
    for term in terms:
        mask = next(anywhere).copy()
        if term.parts:
            mask |= matching(term.parts, anywhere)
        found = mask if found is None else found & mask
    assert found is not None
    return found


def counted(terms: Sequence[Term], anywhere: Sequence[npt.NDArray[np.bool_]],
            where: npt.NDArray[np.bool_] | None = None
            ) -> list[npt.NDArray[np.bool_] | None]:
    """For each phrase of `phrases(terms)`, from the rows holding each (`anywhere`, same
    order), the rows in which FTS5 counts its instances for bm25 (None: every row it is in).
    The parts of a compound are an AND below an OR: in a row the AND does not match, FTS5 has
    moved that AND's phrases past the row (fts5_expr.c), so they count nothing there, though
    the row matches through the compound's own token."""
    out: list[npt.NDArray[np.bool_] | None] = []
    for term in terms:
        out.append(where)
        if term.parts:
            at = len(out)
            size = len(phrases(term.parts))
            group = matching(term.parts, iter(anywhere[at:at + size]))
            out.extend(counted(term.parts, anywhere[at:at + size],
                               group if where is None else group & where))
    return out


def idf(rows: int, hits: int) -> float:
    """fts5_aux.c: log((nRow - nHit + 0.5) / (nHit + 0.5)), at least MIN_IDF."""
    value = math.log(((rows - hits) + 0.5) / (hits + 0.5))
    return value if value > 0.0 else MIN_IDF


def bm25_ranks(weights: list[tuple[float, npt.NDArray[np.float64]]],
               tokens: npt.NDArray[np.float64], average: float) -> npt.NDArray[np.int64]:
    """The rank (hub.search.index.RANK_SCALE x -bm25, truncated as SQL's CAST does) of rows
    with `tokens` tokens each, from (idf, weighted frequency per row) of every phrase in
    order; `average`: tokens per row over the whole index."""
    score = np.zeros(len(tokens), np.float64)
    # (1 - b + b * D / avgdl), evaluated as C does: ((1 - b) + ((b * D) / avgdl))
    norm = K1 * ((1 - B) + ((B * tokens) / average))
    for phrase_idf, freq in weights:
        score = score + phrase_idf * ((freq * (K1 + 1.0)) / (freq + norm))
    return (score * 1_000_000).astype(np.int64)


def column_sizes(blob: bytes) -> int:
    """The number of tokens of a row: the sum of the varints (SQLite's format: big-endian
    groups of 7 bits, a 9th byte of 8) of its FTS5 docsize record, one per column."""
    total = at = 0
    while at < len(blob):
        value = 0
        for n in range(9):
            byte = blob[at]
            at += 1
            if n == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        total += value
    return total
