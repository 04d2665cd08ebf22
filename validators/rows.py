"""Row checks: cells through the column parsers, then the conditional rules of the reference.

`RowChecker.check(row, cells)` returns the typed values (a list indexed like COLUMNS) and
records its problems in the report. Cross-row checks (unique keys, equal course fields per
offer) keep only compact 64-bit fingerprints here; see `crossrow.py`.
"""
from __future__ import annotations

import re
from array import array
from collections.abc import Sequence
from typing import Any

from bildungsdaten.vocab.codelists import find_municipality, municipality_by_ags
from bildungsdaten.vocab.columns import COLUMNS, FIELD_POSITIONS, Column

from .batchrules import (
    ADDRESS_FIELDS,
    ADDRESS_MODES,
    AZAV_FUNDING,
    MEMO_SIZE,
    ONLINE_MAYBE_PRIVATE_MODES,
    ONLINE_MODES,
    DistrictMemo,
    district_column,
    rule_rows,
)
from .cells import Parser, parser_for
from .errors import (
    EncodingError,
    ExtraCell,
    MissingCell,
    RequiredError,
    ValidationError,
    make_error,
)
from .header import Header
from .report import Report

NCOL = len(COLUMNS)
IDX = FIELD_POSITIONS
COURSE_IDX: tuple[int, ...] = tuple(
    i for i, c in enumerate(COLUMNS) if c.level in ("course", "provider") and c.field != "angebot_id")
COURSE_IDX_SET = frozenset(COURSE_IDX)

FORMULA_PREFIXES = ("=", "+", "-", "@")
_FORMULA_AFTER = re.compile("\x00[=+\\-@]")  # a formula at the start of a joined cell
EMPTY_RESULT: tuple[None, None] = (None, None)

_ID, _TERMIN, _START, _END = IDX["angebot_id"], IDX["termin_id"], IDX["start_date"], IDX["end_date"]
_T_FROM, _T_TO, _ROLLING = IDX["start_time"], IDX["end_time"], IDX["rolling_entry"]
_MODE, _ONLINE, _FUNDING, _AZAV = IDX["mode"], IDX["online_url"], IDX["funding"], IDX["azav_number"]
_PLZ, _ORT, _AGS = IDX["postal_code"], IDX["locality"], IDX["ags"]
_MIN_MAX = ((IDX["min_age"], IDX["max_age"]), (IDX["min_participants"], IDX["max_participants"]))


class ParseMemo(dict):  # type: ignore[type-arg]
    """raw cell text -> typed value through a column's parser, each distinct text once;
    the problems of a text go to `problems` (cleared together with this memo)."""

    def __init__(self, parse: Parser, problems: dict[str, Any]) -> None:
        super().__init__()
        self.parse = parse
        self.problems = problems

    def __missing__(self, raw: str) -> Any:
        text = raw.strip()
        value, found = self.parse(text) if text else EMPTY_RESULT
        self[raw] = value
        if found is not None:
            self.problems[raw] = found
        return value


class _RowsOfColumns(Sequence[list[str]]):
    """The rows of a batch given as columns; a row reads its cells from them when asked
    (the rules quote a few cells of a few rows)."""

    def __init__(self, columns: list[list[str]]) -> None:
        self.columns = columns

    def __getitem__(self, i: int) -> list[str]:  # type: ignore[override]
        return _CellsOfRow(self.columns, i)  # type: ignore[return-value]

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0


class _CellsOfRow:
    """Row `i` of columns, indexed by position like a row's cell list."""

    __slots__ = ("columns", "i")

    def __init__(self, columns: list[list[str]], i: int) -> None:
        self.columns = columns
        self.i = i

    def __getitem__(self, pos: int) -> str:
        return self.columns[pos][self.i]

    def __len__(self) -> int:
        return len(self.columns)


class RowChecker:
    """Checks the data rows of one file against its matched header."""

    def __init__(self, header: Header, report: Report, *, pad_short_rows: bool,
                 lossy: bool) -> None:
        self.report = report
        self.header = header
        self.pad = pad_short_rows
        self.lossy = lossy
        self.width = header.width
        self.labels = [header.label_of(c) for c in COLUMNS]
        self.present = [header.has(c) for c in COLUMNS]
        self.plan: list[tuple[int, int, str, Parser, ParseMemo | None, bool, int]] = []
        self.pos_of: dict[int, int] = {}
        self.problem_memos: dict[int, dict[str, Any]] = {i: {} for i in range(NCOL)}
        self.pos_order: dict[str | None, int] = {label: i for i, label in enumerate(header.labels)}
        # The course fingerprint hashes only the file's course columns: the others are None in
        # every row, so they cannot make two rows differ (and 50-value tuples cost a lot).
        self.course_idx = tuple(i for i in COURSE_IDX if self.present[i])
        for m in sorted(header.matched, key=lambda m: m.position):
            parser, memo = parser_for(m.column)
            column = m.column
            # Plain text columns are checked inline (first char, length) for speed.
            plain = (column.max_length or 10**9) if column.kind == "text" and not column.is_list else 0
            idx = COLUMNS.index(column)
            self.pos_of[idx] = m.position
            self.plan.append((m.position, idx, m.label, parser,
                              ParseMemo(parser, self.problem_memos[idx]) if memo else None,
                              column.required, plain))
        self._place_memo: dict[tuple[str | None, str | None], str | None] = {}
        self.district_memo = DistrictMemo()
        # Cross-row fingerprints: 8 bytes per value, so a million rows stay small.
        # Row numbers take 4 bytes; offers are counted from the course keys plus the keys of
        # rows left out of the course check (`other_offer_keys`, usually empty).
        self.unique_keys, self.unique_rows = array("q"), array("i")
        self.course_keys, self.course_fps, self.course_rows = array("q"), array("q"), array("i")
        self.other_offer_keys = array("q")
        self.rows_checked = 0

    # --- problems ---------------------------------------------------------------------------

    def _add(self, errors: list[ValidationError], code: str, row: int, idx: int | None,
             value: str | None, detail: str | None = None, **params: Any) -> None:
        label = self.labels[idx] if idx is not None else None
        errors.append(make_error(code, row=row, column=label, value=value, detail=detail,
                                 params=params))

    # --- one row ----------------------------------------------------------------------------

    def check(self, row: int, cells: list[str]) -> list[Any]:
        """Typed values of one non-blank data row; problems go to the report."""
        return self.check_batch([(row, cells)])[0]

    def check_batch(self, batch: list[tuple[int, list[str]]], keep: bool = True
                    ) -> list[list[Any]]:
        """Typed values of non-blank data rows, checked column by column (with keep=False
        only the problems: an empty list, the rows are not made).

        Column-wise work runs in C (zip, map, memo lookups of distinct values); Python-level
        loops over cells only happen for columns that have a problem in this batch.
        """
        numbers = [number for number, _cells in batch]
        rows = [cells for _number, cells in batch]
        width = self.width
        errors: list[ValidationError] = []
        bad: dict[int, set[int]] = {}  # batch index -> COLUMNS indexes with a problem
        if list(map(len, rows)).count(width) != len(rows):  # a C pass; the loop if any differs
            for i, cells in enumerate(rows):
                if len(cells) != width:
                    rows[i] = self._fit(numbers[i], cells, errors, bad.setdefault(i, set()))
        columns = list(zip(*rows, strict=False)) if width else []  # extra cells cut off
        return self._check_columns(numbers, rows, columns, errors, bad, keep)

    def check_columns(self, numbers: list[int], columns: list[list[str]], keep: bool = True
                      ) -> list[list[Any]]:
        """check_batch for rows given as columns (each exactly `width` cells, as
        arrowcsv reads them): the same values and problems, without the rows' lists."""
        return self._check_columns(numbers, _RowsOfColumns(columns), columns, [], {}, keep)

    def _check_columns(self, numbers: list[int], rows: Sequence[list[str]],
                       columns: Sequence[Sequence[str]], errors: list[ValidationError],
                       bad: dict[int, set[int]], keep: bool = True) -> list[list[Any]]:
        size = len(numbers)
        empty_column = [None] * size
        typed: list[list[Any]] = [empty_column] * NCOL
        lossy = self.lossy
        for pos, idx, label, parse, memo, required, plain_limit in self.plan:
            raw = columns[pos]
            if not any(raw):
                # Every cell empty (an optional column the provider leaves blank): one C pass
                # that stops at the first filled cell, instead of every pass below.
                typed[idx] = [None] * size
                if required:
                    self._required(errors, bad, numbers, idx, label, raw)
                continue
            if lossy and "\ufffd" in "".join(raw):
                for i, text in enumerate(raw):
                    if "\ufffd" in text:
                        errors.append(EncodingError(row=numbers[i], column=label,
                                                    value=text.strip()))
            if plain_limit:
                stripped = list(map(str.strip, raw))
                joined = "\x00".join(stripped)
                if not ("\r" in joined or max(map(len, stripped)) > plain_limit
                        or joined.startswith(FORMULA_PREFIXES) or _FORMULA_AFTER.search(joined)):
                    # Plain text without any problem in this batch: the values are the texts.
                    if "" in stripped:
                        typed[idx] = [t or None for t in stripped]
                        if required:
                            self._required(errors, bad, numbers, idx, label, raw)
                    else:
                        typed[idx] = stripped
                    continue
            problems = self.problem_memos[idx]
            if memo is None:
                # Per batch: long texts rarely repeat beyond their offer.
                if len(problems) >= MEMO_SIZE:
                    problems.clear()
                memo = ParseMemo(parse, problems)
            elif len(memo) >= MEMO_SIZE:
                memo.clear()  # keep recent values: offers come in groups
                problems.clear()
            # Memoised by the raw cell text: a repeated value is one C-level dict lookup.
            values = list(map(memo.__getitem__, raw))
            typed[idx] = values
            if problems and not problems.keys().isdisjoint(raw):
                for i, text in enumerate(raw):
                    found = problems.get(text)
                    if found is None:
                        continue
                    value = text.strip()
                    for code, detail, params in found:
                        errors.append(make_error(code, row=numbers[i], column=label,
                                                 value=value, detail=detail, params=params))
                        if code != "formula-injection":
                            bad.setdefault(i, set()).add(idx)
            if required and None in values:
                self._required(errors, bad, numbers, idx, label, raw, values)
        # The rules column-wise: the district (AGS derived before the rows are made), then
        # the other rules only for the rows where one of them can apply.
        district_errors = district_column(self, typed, numbers, rows, bad, empty_column)
        # The rows (a transposition of every cell) only where they are kept or needed.
        out: list[Any] = list(zip(*typed, strict=True)) if keep or bad else []
        no_problem: set[int] = set()
        row_rules = self._row_rules
        for i in rule_rows(typed, empty_column):
            vals = out[i] if out else tuple([column[i] for column in typed])
            row_rules(numbers[i], vals, rows[i], bad.get(i, no_problem), errors)
        errors.extend(district_errors)
        if not bad and None not in typed[_ID]:
            self._batch_fingerprints(numbers, typed)
        else:
            if not out:
                out = list(zip(*typed, strict=True))
            fingerprints = self._fingerprints
            for i, vals in enumerate(out):
                fingerprints(numbers[i], vals, bad.get(i, no_problem))
        if errors:
            order = self.pos_order
            errors.sort(key=lambda e: (e.row, order.get(e.column, 10**6)))
            add = self.report.add
            for error in errors:
                add(error)
        return out if keep else []

    @staticmethod
    def _required(errors: list[ValidationError], bad: dict[int, set[int]], numbers: list[int],
                  idx: int, label: str, raw: Sequence[str],
                  values: Sequence[Any] | None = None) -> None:
        """required-error for the empty cells of a required column (unless already bad)."""
        for i, text in enumerate(raw):
            if (values is None or values[i] is None) and not text.strip() \
                    and idx not in bad.get(i, ()):
                errors.append(RequiredError(row=numbers[i], column=label, value=None))
                bad.setdefault(i, set()).add(idx)

    def _fit(self, row: int, cells: list[str], errors: list[ValidationError],
             bad: set[int]) -> list[str]:
        """Report cells beyond the header and rows that end early; pad to the header width."""
        n = len(cells)
        for position in range(self.width, n):
            if cells[position].strip():
                errors.append(ExtraCell(row=row, column=None, value=cells[position],
                                        params={"position": position + 1}))
                break  # one per row: a row of thousands of stray cells is one problem
        if n < self.width:
            if not self.pad:  # XLSX rows end at their last value; CSV rows must not
                for pos, idx, label, *_ in self.plan:
                    if pos >= n:
                        errors.append(MissingCell(row=row, column=label, value=None))
                        bad.add(idx)
            cells = cells + [""] * (self.width - n)
        return cells

    def _raw(self, cells: list[str], idx: int) -> str | None:
        """The provider's text of a column in this row (for messages), or None."""
        pos = self.pos_of.get(idx)
        return (cells[pos].strip() or None) if pos is not None else None

    def _rules(self, row: int, vals: tuple[Any, ...], cells: list[str], bad: set[int],
               errors: list[ValidationError]) -> str | None:
        """The conditional rules of the reference (Bedingt columns, date order, ranges);
        returns the AGS derived from PLZ/Ort when the row leaves it empty."""
        self._row_rules(row, vals, cells, bad, errors)
        if vals[_AGS] is not None or vals[_PLZ] is not None or vals[_ORT] is not None:
            return self._district(row, vals, cells, bad, errors)
        return None

    def _row_rules(self, row: int, vals: tuple[Any, ...], cells: list[str], bad: set[int],
                   errors: list[ValidationError]) -> None:
        """The rules of `_rules` but the district's (batchrules.district_column does those
        column-wise)."""
        start, end = vals[_START], vals[_END]
        if start is None and _START not in bad and vals[_ROLLING] is not True:
            self._add(errors, "required-error", row, _START, None, "start-date")
        mode = vals[_MODE]
        if mode in ADDRESS_MODES:
            for name in ADDRESS_FIELDS:
                idx = IDX[name]
                if vals[idx] is None and idx not in bad:
                    self._add(errors, "required-error", row, idx, None, "address", mode=mode)
        if vals[_ONLINE] is None and _ONLINE not in bad:
            if mode in ONLINE_MODES:
                self._add(errors, "required-error", row, _ONLINE, None, "online-url", mode=mode)
            elif mode in ONLINE_MAYBE_PRIVATE_MODES:
                self._add(errors, "recommended-missing", row, _ONLINE, None, "online-url",
                          mode=mode)
        funding = vals[_FUNDING]
        if funding and vals[_AZAV] is None and _AZAV not in bad:
            needing = [f for f in funding if f in AZAV_FUNDING]
            if needing:
                self._add(errors, "required-error", row, _AZAV, None, "azav",
                          funding=", ".join(needing))
        if start is not None and end is not None and end < start:
            self._add(errors, "date-order-error", row, _END, self._raw(cells, _END), None,
                      start=self._raw(cells, _START))
        t_from, t_to = vals[_T_FROM], vals[_T_TO]
        if (t_from is not None and t_to is not None and t_to < t_from
                and (end is None or end == start)):
            self._add(errors, "date-order-error", row, _T_TO, self._raw(cells, _T_TO), "time",
                      start=self._raw(cells, _T_FROM))
        for low_idx, high_idx in _MIN_MAX:
            low, high = vals[low_idx], vals[high_idx]
            if low is not None and high is not None and high < low:
                self._add(errors, "constraint-error", row, high_idx,
                          self._raw(cells, high_idx), "min-max", other=self.labels[low_idx])

    def _district(self, row: int, vals: tuple[Any, ...], cells: list[str], bad: set[int],
                  errors: list[ValidationError]) -> str | None:
        """Warn about venues outside the district; derive the AGS from PLZ/Ort when empty."""
        if _AGS in bad or _PLZ in bad:
            return None
        ags = vals[_AGS]
        if ags is not None:
            if ags not in municipality_by_ags():
                self._add(errors, "out-of-district", row, _AGS, self._raw(cells, _AGS))
            return None
        key = (vals[_PLZ], vals[_ORT])
        if key in self._place_memo:
            found = self._place_memo[key]
        else:
            municipality = find_municipality(*key)
            found = municipality.ags if municipality else None
            if len(self._place_memo) < MEMO_SIZE:
                self._place_memo[key] = found
        if found is None:
            idx = _PLZ if vals[_PLZ] is not None else _ORT
            place = " ".join(v for v in (self._raw(cells, _PLZ), self._raw(cells, _ORT)) if v)
            self._add(errors, "out-of-district", row, idx, place)
        return found

    def _fingerprints(self, row: int, vals: list[Any], bad: set[int]) -> None:
        """Compact keys for the cross-row checks (unique instances, equal course fields)."""
        angebot_id = vals[_ID]
        if angebot_id is None:
            return
        offer_key = hash(angebot_id)
        termin = vals[_TERMIN]
        if termin is not None or (_START not in bad and _TERMIN not in bad):
            instance = termin if termin is not None else vals[_START]
            self.unique_keys.append(hash((angebot_id, instance)))
            self.unique_rows.append(row)
        if not bad or bad.isdisjoint(COURSE_IDX_SET):
            self.course_keys.append(offer_key)
            self.course_fps.append(hash(tuple([vals[i] for i in self.course_idx])))
            self.course_rows.append(row)
        else:
            self.other_offer_keys.append(offer_key)

    def _batch_fingerprints(self, numbers: list[int], typed: list[Any]) -> None:
        """_fingerprints for a whole batch without any problem (column-wise, in C)."""
        ids = typed[_ID]
        offer_keys = list(map(hash, ids))
        # The instance is the termin_id, else the start date: a whole column where it can be.
        termins = typed[_TERMIN]
        if None not in termins:
            instances = termins
        elif termins.count(None) == len(termins):
            instances = typed[_START]
        else:
            instances = [t if t is not None else s
                         for t, s in zip(termins, typed[_START], strict=True)]
        self.unique_keys.extend(map(hash, zip(ids, instances, strict=True)))
        self.unique_rows.extend(numbers)
        self.course_keys.extend(offer_keys)
        self.course_fps.extend(
            map(hash, zip(*[typed[i] for i in self.course_idx], strict=True)) if self.course_idx
            else [hash(())] * len(numbers))  # _fingerprints' hash of no course columns
        self.course_rows.extend(numbers)

    def reparse(self, cells: list[str]) -> tuple[list[Any], dict[int, str]]:
        """Typed values and raw texts of a row again, without reporting (for cross-row text)."""
        vals: list[Any] = [None] * NCOL
        raw: dict[int, str] = {}
        for pos, idx, _label, parse, *_rest in self.plan:
            text = cells[pos].strip() if pos < len(cells) else ""
            if text:
                raw[idx] = text
                vals[idx] = parse(text)[0]
        return vals, raw

    def column_label(self, column: Column) -> str:
        return self.labels[COLUMNS.index(column)]
