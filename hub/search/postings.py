"""The text index's entries held in memory beside the search matrix (hub.search.matrix_store):
the offers of each index term as one array, so a common word ("Kurs": 22,000 entries of
'kur*' at 100,000 offers) costs a slice instead of a statement whose rows Python converts one
by one (8-14 ms per search; bench/README.md). Read with the matrix, in its snapshot:

- SQLite: FTS5's own entries (fts5vocab, as hub.search.index.fts5_entries reads them), one per
  term, row and column (`detail=column`), so bm25 comes out as before;
- PostgreSQL: the lexemes of the stored tsvectors, one per term and offer in `doc` (and marked
  as the title's in `title`), for the matches and hub.search.ts_rank.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Offer
from .index import AFTER_ALL, TITLE_FLAG

# Offer ids are 32-bit (PostgreSQL integer): the top bit of an entry marks the title column,
# so an entry takes 4 bytes (15 MiB for the demo's 3.9 million entries at 100,000 offers).
TITLE_BIT = 2**31

offers_t: sa.Table = Offer.__table__  # type: ignore[assignment]
_SQLITE_ENTRIES = sa.text(
    f"SELECT term, group_concat(doc + CASE WHEN col = 'title' THEN {TITLE_BIT} ELSE 0 END, ' ')"
    " FROM offer_search_instances GROUP BY term")
_PG_ENTRIES = sa.text(
    "SELECT t.lexeme, string_agg(s.id::text, ' ') FROM"
    " (SELECT offer_id AS id, doc AS v FROM offer_search UNION ALL"
    f"  SELECT offer_id + {TITLE_BIT}, title FROM offer_search) s, unnest(s.v) t"
    " GROUP BY t.lexeme")


@dataclass
class Postings:
    """Every index term (sorted by code point, the order SQLite compares text in) and its
    entries: `entries[starts[k]:starts[k + 1]]` are those of `terms[k]`."""

    terms: list[str]
    starts: npt.NDArray[np.int64]
    entries: npt.NDArray[np.uint32]

    def of(self, token: str, prefix: bool) -> npt.NDArray[np.int64]:
        """The entries of a phrase as fts5_entries gives them (rowid, plus TITLE_FLAG in the
        title): the term `token`, or with `prefix` every term starting with it."""
        lo = bisect_left(self.terms, token)
        if prefix:
            hi = bisect_left(self.terms, token + AFTER_ALL, lo)
        else:
            hi = lo + int(lo < len(self.terms) and self.terms[lo] == token)
        found = self.entries[self.starts[lo]:self.starts[hi]].astype(np.int64)
        return (found & (TITLE_BIT - 1)) + (found >> 31) * TITLE_FLAG

    @property
    def nbytes(self) -> int:
        return int(self.starts.nbytes + self.entries.nbytes)


def read_postings(session: Session) -> Postings | None:
    """The index's entries as `session` sees them; None when an offer id does not fit 31
    bits (then each search reads its words' entries from the index, as without this)."""
    top = session.execute(sa.select(sa.func.max(offers_t.c.id))).scalar()
    if top is not None and top >= TITLE_BIT:
        return None
    sqlite = session.get_bind().dialect.name == "sqlite"
    # One row per term: its entries come as one text that numpy parses, instead of a Python
    # object per entry (4.5 s for 3.9 million).
    rows: list[tuple[str, str | None]] = sorted(
        (r[0], r[1]) for r in session.execute(_SQLITE_ENTRIES if sqlite else _PG_ENTRIES))
    parsed = [np.fromstring(r[1] or "", dtype=np.int64, sep=" ") for r in rows]
    sizes = np.fromiter((len(a) for a in parsed), np.int64, len(parsed))
    entries = np.concatenate(parsed) if parsed else np.zeros(0, np.int64)
    starts = np.zeros(len(rows) + 1, np.int64)
    np.cumsum(sizes, out=starts[1:])
    return Postings([r[0] for r in rows], starts, entries.astype(np.uint32))
