"""Row checks: cells through the column parsers, then the conditional rules of the reference.

`RowChecker.check(row, cells)` returns the typed values (a list indexed like COLUMNS) and
records its problems in the report. Cross-row checks (unique keys, equal course fields per
offer) keep only compact 64-bit fingerprints here; see `crossrow.py`.
"""
from __future__ import annotations

from array import array
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from bildungsdaten.vocab.codelists import codelist, find_municipality, municipality_by_ags
from bildungsdaten.vocab.columns import COLUMNS, Column

from .cells import Parser, parser_for
from .errors import (
    EncodingError, ExtraCell, MissingCell, RequiredError, ValidationError, make_error,
)
from .header import Header
from .report import Report

NCOL = len(COLUMNS)
IDX: dict[str, int] = {c.field: i for i, c in enumerate(COLUMNS)}
COURSE_IDX: tuple[int, ...] = tuple(
    i for i, c in enumerate(COLUMNS) if c.level in ("course", "provider") and c.field != "angebot_id")
COURSE_IDX_SET = frozenset(COURSE_IDX)
course_values: Callable[[list[Any]], tuple[Any, ...]] = itemgetter(*COURSE_IDX)  # type: ignore[assignment]

ADDRESS_MODES = frozenset({"praesenz", "hybrid", "blended"})
ONLINE_MODES = frozenset({"online_live", "online_selbstlern", "hybrid"})
AZAV_FUNDING = frozenset(c.code for c in codelist("foerderung").concepts
                         if c.mappings.get("needs_azav"))
ADDRESS_FIELDS = ("venue_name", "street", "postal_code", "locality")
MEMO_SIZE = 4096

_ID, _TERMIN, _START, _END = IDX["angebot_id"], IDX["termin_id"], IDX["start_date"], IDX["end_date"]
_T_FROM, _T_TO, _ROLLING = IDX["start_time"], IDX["end_time"], IDX["rolling_entry"]
_MODE, _ONLINE, _FUNDING, _AZAV = IDX["mode"], IDX["online_url"], IDX["funding"], IDX["azav_number"]
_PLZ, _ORT, _AGS = IDX["postal_code"], IDX["locality"], IDX["ags"]
_MIN_MAX = ((IDX["min_age"], IDX["max_age"]), (IDX["min_participants"], IDX["max_participants"]))


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
        self.plan: list[tuple[int, int, str, Parser, dict[str, Any] | None, bool, int]] = []
        self.pos_of: dict[int, int] = {}
        for m in sorted(header.matched, key=lambda m: m.position):
            parser, memo = parser_for(m.column)
            column = m.column
            # Plain text columns are checked inline (first char, length) for speed.
            plain = (column.max_length or 10**9) if column.kind == "text" and not column.is_list else 0
            idx = COLUMNS.index(column)
            self.pos_of[idx] = m.position
            self.plan.append((m.position, idx, m.label, parser, {} if memo else None,
                              column.required, plain))
        self._place_memo: dict[tuple[str | None, str | None], str | None] = {}
        # Cross-row fingerprints: 8 bytes per value, so a million rows stay small.
        self.unique_keys, self.unique_rows = array("q"), array("q")
        self.course_keys, self.course_fps, self.course_rows = array("q"), array("q"), array("q")
        self.offer_keys = array("q")
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
        vals: list[Any] = [None] * NCOL
        errors: list[ValidationError] = []
        bad: set[int] = set()
        if len(cells) != self.width:
            cells = self._fit(row, cells, errors, bad)
        lossy = self.lossy
        for pos, idx, label, parse, memo, required, plain_limit in self.plan:
            text = cells[pos]
            if text:
                text = text.strip()
            if not text:
                if required and idx not in bad:
                    errors.append(RequiredError(row=row, column=label, value=None))
                    bad.add(idx)
                continue
            if lossy and "\ufffd" in text:
                errors.append(EncodingError(row=row, column=label, value=text))
            if memo is not None:
                result = memo.get(text)
                if result is None:
                    result = parse(text)
                    if len(memo) >= MEMO_SIZE:
                        memo.clear()  # keep recent values: files are mostly grouped by offer
                    memo[text] = result
            elif plain_limit and text[0] not in "=+-@" and "\r" not in text and (
                    len(text) <= plain_limit):
                vals[idx] = text  # the common case of a plain text cell, without a call
                continue
            else:
                result = parse(text)
            vals[idx] = result[0]
            if result[1] is not None:
                for code, detail, params in result[1]:
                    errors.append(make_error(code, row=row, column=label, value=text,
                                             detail=detail, params=params))
                    if code != "formula-injection":
                        bad.add(idx)
        self._rules(row, vals, cells, bad, errors)
        self._fingerprints(row, vals, bad)
        if errors:
            add = self.report.add
            for error in errors:
                add(error)
        return vals

    def _fit(self, row: int, cells: list[str], errors: list[ValidationError],
             bad: set[int]) -> list[str]:
        """Report cells beyond the header and rows that end early; pad to the header width."""
        n = len(cells)
        for position in range(self.width, n):
            if cells[position].strip():
                errors.append(ExtraCell(row=row, column=None, value=cells[position],
                                        params={"position": position + 1}))
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

    def _rules(self, row: int, vals: list[Any], cells: list[str], bad: set[int],
               errors: list[ValidationError]) -> None:
        """The conditional rules of the reference (Bedingt columns, date order, ranges)."""
        start, end = vals[_START], vals[_END]
        if start is None and _START not in bad and vals[_ROLLING] is not True:
            self._add(errors, "required-error", row, _START, None, "start-date")
        mode = vals[_MODE]
        if mode in ADDRESS_MODES:
            for name in ADDRESS_FIELDS:
                idx = IDX[name]
                if vals[idx] is None and idx not in bad:
                    self._add(errors, "required-error", row, idx, None, "address", mode=mode)
        if mode in ONLINE_MODES and vals[_ONLINE] is None and _ONLINE not in bad:
            self._add(errors, "required-error", row, _ONLINE, None, "online-url", mode=mode)
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
        if vals[_AGS] is not None or vals[_PLZ] is not None or vals[_ORT] is not None:
            self._district(row, vals, cells, bad, errors)

    def _district(self, row: int, vals: list[Any], cells: list[str], bad: set[int],
                  errors: list[ValidationError]) -> None:
        """Warn about venues outside the district; derive the AGS from PLZ/Ort when empty."""
        if _AGS in bad or _PLZ in bad:
            return
        ags = vals[_AGS]
        if ags is not None:
            if ags not in municipality_by_ags():
                self._add(errors, "out-of-district", row, _AGS, self._raw(cells, _AGS))
            return
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
        else:
            vals[_AGS] = found

    def _fingerprints(self, row: int, vals: list[Any], bad: set[int]) -> None:
        """Compact keys for the cross-row checks (unique instances, equal course fields)."""
        angebot_id = vals[_ID]
        if angebot_id is None:
            return
        offer_key = hash(angebot_id)
        self.offer_keys.append(offer_key)
        termin = vals[_TERMIN]
        if termin is not None or (_START not in bad and _TERMIN not in bad):
            instance = termin if termin is not None else vals[_START]
            self.unique_keys.append(hash((angebot_id, instance)))
            self.unique_rows.append(row)
        if not bad or bad.isdisjoint(COURSE_IDX_SET):
            self.course_keys.append(offer_key)
            self.course_fps.append(hash(course_values(vals)))
            self.course_rows.append(row)

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
