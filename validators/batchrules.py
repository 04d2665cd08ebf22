"""The conditional rules of a batch, column-wise: which rows a rule can apply to at all, and
the district check (venue outside the district, AGS derived from PLZ/Ort) once per distinct
(AGS, PLZ, Ort) instead of once per row.

`RowChecker._rules` is the row-by-row reference of the same rules; both give the same
problems (tests/test_validators_columnar.py).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from bildungsdaten.vocab.codelists import codelist, find_municipality, municipality_by_ags
from bildungsdaten.vocab.columns import FIELD_POSITIONS as IDX

from .errors import ValidationError

if TYPE_CHECKING:
    from .rows import RowChecker

ADDRESS_MODES = frozenset({"praesenz", "hybrid", "blended"})
ONLINE_MODES = frozenset({"online_live", "online_selbstlern"})
# The link is required "falls öffentlich" (offer-columns.md): hybrid courses often send it to
# participants only, so there an empty online_url is a warning, not an error.
ONLINE_MAYBE_PRIVATE_MODES = frozenset({"hybrid"})
ONLINE_RULE_MODES = ONLINE_MODES | ONLINE_MAYBE_PRIVATE_MODES
AZAV_FUNDING = frozenset(c.code for c in codelist("foerderung").concepts
                         if c.mappings.get("needs_azav"))
ADDRESS_FIELDS = ("venue_name", "street", "postal_code", "locality")
MEMO_SIZE = 4096

_START, _END, _ROLLING = IDX["start_date"], IDX["end_date"], IDX["rolling_entry"]
_T_FROM, _T_TO = IDX["start_time"], IDX["end_time"]
_MODE, _ONLINE, _FUNDING, _AZAV = IDX["mode"], IDX["online_url"], IDX["funding"], IDX["azav_number"]
_PLZ, _ORT, _AGS = IDX["postal_code"], IDX["locality"], IDX["ags"]
_ADDRESS_IDX = tuple(IDX[name] for name in ADDRESS_FIELDS)
# Pairs (first, second) where second < first breaks a rule: dates, times, min/max.
_ORDERED = ((_START, _END), (_T_FROM, _T_TO), (IDX["min_age"], IDX["max_age"]),
            (IDX["min_participants"], IDX["max_participants"]))

_OUTSIDE = "\x00outside"  # a DistrictMemo answer: the venue lies outside the district


def rule_rows(typed: list[list[Any]], empty: list[None]) -> list[int]:
    """Batch indexes of the rows where a rule of `RowChecker._row_rules` can apply (a superset:
    the rules decide), in row order. `empty` is the column of a column the file lacks."""
    found: set[int] = set()
    start = typed[_START]
    if None in start:
        found.update(_nones(start))
    modes = typed[_MODE]
    # Whether the batch has a mode a rule names at all (a C-level pass over the column):
    # an all-online batch needs no address scan, an all-in-person one no link scan.
    if modes is not empty and not ADDRESS_MODES.isdisjoint(modes):
        missing: set[int] = set()
        for idx in _ADDRESS_IDX:
            if None in typed[idx]:
                missing.update(_nones(typed[idx]))
        found.update(i for i in missing if modes[i] in ADDRESS_MODES)
    if modes is not empty and not ONLINE_RULE_MODES.isdisjoint(modes):
        online = typed[_ONLINE]
        if None in online:
            found.update(i for i in _nones(online) if modes[i] in ONLINE_RULE_MODES)
    funding = typed[_FUNDING]
    if funding is not empty and None in typed[_AZAV]:
        found.update(i for i, f in enumerate(funding) if f and not AZAV_FUNDING.isdisjoint(f))
    for first_idx, second_idx in _ORDERED:
        first, second = typed[first_idx], typed[second_idx]
        if first is not empty and second is not empty:
            found.update(i for i, (a, b) in enumerate(zip(first, second, strict=True))
                         if a is not None and b is not None and b < a)
    return sorted(found)


def _nones(column: list[Any]) -> Iterator[int]:
    return (i for i, v in enumerate(column) if v is None)


class DistrictMemo(dict):  # type: ignore[type-arg]
    """(AGS, PLZ, Ort) -> None (nothing to do), _OUTSIDE, or the AGS derived from PLZ/Ort."""

    def __missing__(self, key: tuple[str | None, str | None, str | None]) -> str | None:
        ags, plz, ort = key
        answer: str | None
        if ags is not None:
            answer = _OUTSIDE if ags not in municipality_by_ags() else None
        elif plz is None and ort is None:
            answer = None
        else:
            municipality = find_municipality(plz, ort)
            answer = municipality.ags if municipality else _OUTSIDE
        self[key] = answer
        return answer


def district_column(checker: RowChecker, typed: list[list[Any]], numbers: list[int],
                    rows: Sequence[list[str]], bad: dict[int, set[int]], empty: list[None]
                    ) -> list[ValidationError]:
    """`RowChecker._district` for a batch: the out-of-district warnings (returned), and the
    AGS column with the AGS derived from PLZ/Ort filled in (set in `typed`)."""
    ags_col, plz_col, ort_col = typed[_AGS], typed[_PLZ], typed[_ORT]
    if ags_col is empty and plz_col is empty and ort_col is empty:
        return []
    memo = checker.district_memo
    if len(memo) >= MEMO_SIZE:
        memo.clear()
    answers = list(map(memo.__getitem__, zip(ags_col, plz_col, ort_col, strict=True)))
    skip = [i for i, cols in bad.items() if _AGS in cols or _PLZ in cols]
    for i in skip:
        answers[i] = None  # a bad AGS or PLZ: no district check (the cell error says it)
    errors: list[ValidationError] = []
    if _OUTSIDE in answers:
        raw = checker._raw  # noqa: SLF001 - the provider's texts, as the row path quotes them
        for i, answer in enumerate(answers):
            if answer != _OUTSIDE:
                continue
            row, cells = numbers[i], rows[i]
            if ags_col[i] is not None:
                checker._add(errors, "out-of-district", row, _AGS, raw(cells, _AGS))  # noqa: SLF001
            else:
                idx = _PLZ if plz_col[i] is not None else _ORT
                place = " ".join(v for v in (raw(cells, _PLZ), raw(cells, _ORT)) if v)
                checker._add(errors, "out-of-district", row, idx, place)  # noqa: SLF001
    if ags_col is empty:
        derived = [None if a is None or a == _OUTSIDE else a for a in answers]
    else:
        derived = [a if a is not None else (None if d is None or d == _OUTSIDE else d)
                   for a, d in zip(ags_col, answers, strict=True)]
    typed[_AGS] = derived
    return errors
