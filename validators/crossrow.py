"""Cross-row checks over the fingerprints the row checker collected (numpy, after the pass).

- unique-error: a repeated (angebot_id, termin_id or start date);
- constraint-error: a row of an offer whose course-level fields differ from the offer's first
  clean row. Only the few affected rows are read a second time to name column and values.
"""
from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator

import numpy as np

from bildungsdaten.vocab.columns import COLUMNS

from .errors import ConstraintError, UniqueError
from .rows import _ID, _START, _TERMIN, COURSE_IDX, RowChecker
from .tables import Row


def _groups(keys: array, rows: array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows sorted by key (stable: file order within a key) and each one's group start."""
    k = np.frombuffer(keys, dtype=np.int64)
    r = np.frombuffer(rows, dtype=np.dtype(rows.typecode))
    order = np.argsort(k, kind="stable")
    ks = k[order]
    new = np.ones(len(ks), dtype=bool)
    new[1:] = ks[1:] != ks[:-1]
    del ks
    firsts = np.flatnonzero(new)
    start = np.repeat(firsts, np.diff(np.append(firsts, len(new))))
    return order, r[order], start


def _repeats(keys: array) -> bool:
    """Whether a key occurs twice (a sort, half the cost of the stable argsort of _groups:
    with one row per offer, a valid file never needs the groups)."""
    if len(keys) < 2:
        return False
    ordered = np.sort(np.frombuffer(keys, dtype=np.int64))
    return bool((ordered[1:] == ordered[:-1]).any())


def duplicate_rows(keys: array, rows: array, limit: int) -> list[tuple[int, int]]:
    """(row, first row) for every repeat of a key, in row order."""
    if not _repeats(keys):
        return []
    order, sorted_rows, start = _groups(keys, rows)
    dup = np.ones(len(order), dtype=bool)
    dup[start] = False
    pairs = sorted(zip(sorted_rows[dup].tolist(), sorted_rows[start][dup].tolist(), strict=True))
    return pairs[:limit]


def differing_rows(keys: array, fps: array, rows: array, limit: int) -> list[tuple[int, int]]:
    """(row, reference row) where the fingerprint differs from the key's first row."""
    if not _repeats(keys):
        return []
    order, sorted_rows, start = _groups(keys, rows)
    f = np.frombuffer(fps, dtype=np.int64)[order]
    differ = f != f[start]
    pairs = sorted(zip(sorted_rows[differ].tolist(), sorted_rows[start][differ].tolist(),
                       strict=True))
    return pairs[:limit]


def count_offers(*keys: array) -> int:
    """The number of distinct keys in the arrays."""
    parts = [np.frombuffer(k, dtype=np.int64) for k in keys if len(k)]
    if not parts:
        return 0
    # Sorted and compared with the neighbour: a quarter of np.unique's time on 100,000 keys.
    ordered = np.sort(np.concatenate(parts) if len(parts) > 1 else parts[0])
    return int(np.count_nonzero(ordered[1:] != ordered[:-1])) + 1


def cross_row_errors(checker: RowChecker, rows_again: Iterable[Row], limit: int
                     ) -> Iterator[UniqueError | ConstraintError]:
    """Unique and course-consistency problems; `rows_again` re-reads the file if needed."""
    dups = duplicate_rows(checker.unique_keys, checker.unique_rows, limit)
    diffs = differing_rows(checker.course_keys, checker.course_fps, checker.course_rows, limit)
    if not dups and not diffs:
        return
    wanted = {r for pair in dups + diffs for r in pair}
    fetched = {}
    for number, cells in rows_again:
        if number in wanted:
            fetched[number] = checker.reparse(cells)
            if len(fetched) == len(wanted):
                break
    labels = checker.labels
    for row, first in dups:
        if row not in fetched:
            continue
        vals, raw = fetched[row]
        idx = _TERMIN if vals[_TERMIN] is not None else _START
        key = raw.get(idx) or "laufend"
        yield UniqueError(row=row, column=labels[idx], value=raw.get(idx),
                          params={"key": key, "angebot_id": vals[_ID], "first": first})
    for row, first in diffs:
        if row not in fetched or first not in fetched:
            continue
        vals, raw = fetched[row]
        ref_vals, ref_raw = fetched[first]
        for idx in COURSE_IDX:
            if vals[idx] != ref_vals[idx]:
                yield ConstraintError(
                    row=row, column=labels[idx], value=raw.get(idx), detail="course-differs",
                    params={"angebot_id": vals[_ID], "first": first,
                            "first_value": ref_raw.get(idx, ""),
                            "name": COLUMNS[idx].name})
